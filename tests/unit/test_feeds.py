"""Feeds: the parser on saved samples, and the fetcher against a local HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services import feeds
from bot.services.feeds import FeedError, fetch, make_client, parse_feed, plain_text

DATA = Path(__file__).resolve().parent.parent / "data" / "feeds"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


# ---------------------------------------------------------------- parser


def test_rss2_sample() -> None:
    feed = parse_feed(sample("rss2.xml"))
    assert feed.title == "学习资料 & 重要讲话"
    assert [e.title for e in feed.entries] == [
        "最新一期学习辅导",
        "在全国社会组织党建工作会议上的讲话",
        "关于加强行业协会商会党建工作的意见",
        "没有链接的条目",  # undated entries go last
    ]
    latest, speech, opinion, no_link = feed.entries
    assert speech.key == "news-2026-11-0001"
    assert speech.url == "https://news.example.org/2026/11/speech.html"
    assert (
        speech.summary == "要 坚持 党的全面领导，推动社会组织党建工作高质量发展。 第二段 & 更多内容"
    )
    assert speech.published == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert opinion.key == "https://news.example.org/2026/11/opinion.html"  # no guid: the link
    assert opinion.summary == "意见全文 摘要"
    assert latest.summary == ""
    assert no_link.url is None
    assert no_link.published is None
    assert no_link.key == "no-link-1"


def test_atom_sample() -> None:
    feed = parse_feed(sample("atom.xml"))
    assert feed.title == "党建理论学习"
    first, second = feed.entries
    assert first.title == "第一议题制度落实"
    assert first.url == "https://theory.example.org/a/2"
    assert first.summary == "内容而不是摘要"
    assert second.url == "https://theory.example.org/a/1"  # the alternate link, not the pdf
    assert second.key == "tag:theory.example.org,2026:1"
    assert second.summary == "全会精神 解读"
    assert second.published == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def test_huge_sample_parses_newest_first() -> None:
    feed = parse_feed(sample("huge.xml"))
    assert len(feed.entries) == 2500
    assert feed.entries[0].key == "huge-2499"
    assert feed.entries[-1].key == "huge-0"


def test_malformed_sample() -> None:
    with pytest.raises(FeedError) as exc:
        parse_feed(sample("malformed.xml"))
    assert exc.value.code == "malformed"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_doctype_and_entities_are_refused(name: str) -> None:
    with pytest.raises(FeedError) as exc:
        parse_feed(sample(name))
    assert exc.value.code == "doctype"


def test_doctype_refused_in_utf16_too() -> None:
    data = sample("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "")
    with pytest.raises(FeedError) as exc:
        parse_feed(data.encode("utf-16"))
    assert exc.value.code == "doctype"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "malformed"),
        (b"<html><body>not a feed</body></html>", "not_a_feed"),
        (b"<rss version='2.0'></rss>", "malformed"),
        (b"\x00\x01binary", "malformed"),
    ],
)
def test_not_feeds(data: bytes, code: str) -> None:
    with pytest.raises(FeedError) as exc:
        parse_feed(data)
    assert exc.value.code == code


def test_javascript_links_are_dropped() -> None:
    data = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>x</title><link>javascript:alert(1)</link><guid>g</guid></item></channel></rss>"""
    (entry,) = parse_feed(data).entries
    assert entry.url is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_crashes_on_bytes(data: bytes) -> None:
    with contextlib.suppress(FeedError):
        parse_feed(data)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=80), st.text(max_size=200), st.text(max_size=30)), max_size=8
    )
)
def test_rss_round_trip(items: list[tuple[str, str, str]]) -> None:
    """Any titles and descriptions, escaped into a valid feed, come back as plain text."""
    from xml.sax.saxutils import escape

    def clean(s: str) -> str:
        # XML 1.0 cannot carry control characters, and parsers turn CR into LF. Latin-1's
        # upper half is left out: feedparser reads C1 controls as windows-1252 and
        # "repairs" text that looks like UTF-8 read as Latin-1 ("Ã\xa0" → "à"), heuristics
        # that are feedparser's to test, not ours. CJK and everything else stay.
        kept = "".join(
            c
            for c in s
            if c in "\t\n\r"
            or " " <= c <= "\x7f"
            or "\u0100" <= c <= "\ud7ff"
            or "\ue000" <= c <= "\ufffd"
            or c >= "\U00010000"
        )
        return kept.replace("\r\n", "\n").replace("\r", "\n")

    def as_read(s: str) -> str:
        return s

    body = "".join(
        f"<item><title>{escape(clean(t))}</title><description>{escape(clean(d))}</description>"
        f"<guid>{escape(clean(g))}-{i}</guid></item>"
        for i, (t, d, g) in enumerate(items)
    )
    feed = parse_feed(
        f"<rss version='2.0'><channel><title>x</title>{body}</channel></rss>".encode()
    )
    by_key = {e.key: e for e in feed.entries}
    for i, (t, d, g) in enumerate(items):
        key = as_read(f"{clean(g)}-{i}").strip()
        expected_title = plain_text(as_read(clean(t)), 200)
        if not expected_title:
            assert key not in by_key  # nothing to show: no title and no link
            continue
        entry = by_key[key]
        assert entry.title == expected_title
        assert entry.summary == plain_text(as_read(clean(d)))
        assert len(entry.summary) <= feeds.SUMMARY_MAX


def test_plain_text_limits() -> None:
    assert plain_text("<p>a</p>\n\n<p>b&amp;c</p>") == "a\nb&c"
    assert len(plain_text("x" * 5000)) == feeds.SUMMARY_MAX


# ---------------------------------------------------------------- real-world feeds


@pytest.mark.parametrize(
    ("name", "encoding", "title", "entries"),
    [
        (
            "gb2312.xml",
            "gb2312",
            "党建学习资料（国标码）",
            [
                ("关于加强社会组织党建工作的意见", "https://www.example.gov.cn/2026/11/b.html"),
                (
                    "习近平在全国组织工作会议上的重要讲话",
                    "https://www.example.gov.cn/2026/11/a.html",
                ),
            ],
        ),
        (
            "gbk.xml",
            "gbk",
            "理论学习（GBK）",
            [
                ("第一议题：学习党章", "https://theory.example.cn/gbk/2.html"),
                ("朱镕基讲话实录选读", "https://theory.example.cn/gbk/1.html"),  # 镕: GBK only
            ],
        ),
        (
            "big5.xml",
            "big5",
            "黨建學習（繁體）",
            [("學習黨的二十屆四中全會精神", "https://tw.example.org/1.html")],
        ),
        (
            "utf8_bom.xml",
            "utf-8-sig",
            "社会组织党建（UTF-8）",
            [
                ("党员教育管理工作条例解读", "https://news.example.cn/utf8/2.html"),
                ("两新组织党建工作推进会召开", "https://news.example.cn/utf8/1.html"),
            ],
        ),
    ],
)
def test_chinese_encodings(
    name: str, encoding: str, title: str, entries: list[tuple[str, str]]
) -> None:
    data = sample(name)
    declared = data.split(b"?>", 1)[0].decode("ascii", "replace").lower()
    # The bytes really are in the declared encoding, not UTF-8 in disguise.
    assert data.decode(encoding).startswith("<?xml")
    if encoding != "utf-8-sig":
        assert encoding.replace("-", "") in declared.replace("-", "")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    feed = parse_feed(data)
    assert feed.warning is None
    assert feed.title == title
    assert [(e.title, e.url) for e in feed.entries] == entries


def test_gbk_summary_and_dates() -> None:
    first, second = parse_feed(sample("gbk.xml")).entries
    assert second.summary == "陶喆不在此列；这是GBK才有的字"
    assert second.key == "gbk-1"
    assert first.published == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_gbk_declared_as_gb2312_is_read() -> None:
    """Chinese sites often declare GB2312 and use characters only GBK has (镕)."""
    data = sample("gbk.xml").replace(b'encoding="GBK"', b'encoding="GB2312"')
    feed = parse_feed(data)
    assert feed.warning is None
    assert "朱镕基讲话实录选读" in [e.title for e in feed.entries]


def test_a_wrongly_declared_encoding_is_a_warning() -> None:
    data = sample("gbk.xml").replace(b'encoding="GBK"', b'encoding="UTF-8"')
    feed = parse_feed(data)
    assert len(feed.entries) == 2
    assert feed.warning is not None
    assert feed.warning.startswith("encoding:")


def test_rss1_rdf() -> None:
    feed = parse_feed(sample("rss1.rdf"))
    assert feed.title == "RSS 1.0 学习频道"
    assert [(e.title, e.url, e.key) for e in feed.entries] == [
        (
            "学习《中国共产党支部工作条例》",
            "https://rdf.example.org/2",
            "https://rdf.example.org/2",
        ),
        ("学习《中国共产党章程》", "https://rdf.example.org/1", "https://rdf.example.org/1"),
    ]
    assert feed.entries[0].summary == "支部工作条例解读"
    assert feed.entries[0].published == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


def test_atom_03() -> None:
    feed = parse_feed(sample("atom03.xml"))
    assert feed.title == "Atom 0.3 理论文章"
    newest, older = feed.entries
    assert (newest.title, newest.url) == (
        "基层党组织建设的经验",
        "https://atom03.example.org/entry/2",
    )
    assert newest.summary == "经验 总结"  # escaped HTML content, as words
    assert (older.title, older.url) == ("新时代党的组织路线", "https://atom03.example.org/entry/1")
    assert older.key == "tag:atom03.example.org,2026:1"
    assert older.summary == "组织路线的内涵"
    assert older.published == datetime(2026, 11, 18, 0, 0, tzinfo=UTC)


def test_malformed_but_readable_is_a_warning() -> None:
    feed = parse_feed(sample("bozo.xml"))
    assert feed.title == "学习 & 宣传"
    assert [(e.title, e.url) for e in feed.entries] == [
        ("理论学习 & 实践", "https://bozo.example.org/1"),
        ("党课讲稿", "https://bozo.example.org/2"),
    ]
    assert feed.warning is not None
    assert feed.warning.startswith("malformed:")


def test_a_doctype_without_entities_is_read() -> None:
    """RSS 0.91 as Netscape published it: a DOCTYPE naming an external DTD (never fetched)."""
    (entry,) = parse_feed(sample("rss091_doctype.xml")).entries
    assert entry.title == "Café study notes"


@pytest.mark.parametrize("codec", ["gbk", "utf-16"])
def test_entities_are_refused_in_other_encodings(codec: str) -> None:
    body = sample("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "")
    prolog = f'<?xml version="1.0" encoding="{codec}"?>' if codec == "gbk" else ""
    with pytest.raises(FeedError) as exc:
        parse_feed((prolog + body).encode(codec))
    assert exc.value.code == "doctype"


def test_entities_in_a_malformed_document_are_refused() -> None:
    """expat stops at the first error; the declarations after it are still refused."""
    data = b"<?xml version='1.0'?><<oops>" + sample("billion_laughs.xml").split(b"?>", 1)[1]
    with pytest.raises(FeedError) as exc:
        parse_feed(data)
    assert exc.value.code == "doctype"


def test_a_body_naming_a_local_file_is_not_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """feedparser opens paths and URLs it is given as strings; we hand it a stream."""
    import feedparser.api

    def no_network(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("feedparser must never fetch")

    monkeypatch.setattr(feedparser.api.http, "get", no_network)
    path = str(DATA / "rss2.xml").encode()
    with pytest.raises(FeedError) as exc:
        parse_feed(path)  # had the file been read, its four entries would be here
    assert exc.value.code in ("malformed", "not_a_feed")
    with pytest.raises(FeedError):
        parse_feed(b"http://127.0.0.1:9/feed.xml")


# ---------------------------------------------------------------- fetcher


class FeedServer:
    """A local feed server on 127.0.0.1 with the behaviours the fetcher must survive."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.seen_headers: list[dict[str, str]] = []
        self.base = ""
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        self.seen_headers.append(dict(request.headers))
        if name == "rss":
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304)
            return web.Response(
                body=sample("rss2.xml"),
                content_type="application/rss+xml",
                headers={"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 00:00:00 GMT"},
            )
        if name == "modified":
            if request.headers.get("If-Modified-Since") == "Wed, 25 Nov 2026 00:00:00 GMT":
                return web.Response(status=304)
            return web.Response(
                body=sample("atom.xml"),
                headers={"Last-Modified": "Wed, 25 Nov 2026 00:00:00 GMT"},
            )
        if name == "redirect1":
            raise web.HTTPFound(f"{self.base}/rss")
        if name.startswith("loop"):
            n = int(name[4:] or 0)
            raise web.HTTPFound(f"{self.base}/loop{n + 1}")
        if name == "error":
            return web.Response(status=500, text="boom")
        if name == "slow":
            await asyncio.wait_for(self.release.wait(), timeout=5)
            return web.Response(body=sample("rss2.xml"))
        if name == "huge":
            return web.Response(body=sample("huge.xml"))
        if name == "chunked":
            resp = web.StreamResponse()
            await resp.prepare(request)
            for _ in range(100):
                await resp.write(b"x" * 10_000)
            await resp.write_eof()
            return resp
        if name == "gzip":
            return web.Response(
                body=gzip.compress(sample("atom.xml")), headers={"Content-Encoding": "gzip"}
            )
        if name == "gzipbomb":
            return web.Response(
                body=gzip.compress(b" " * 5_000_000), headers={"Content-Encoding": "gzip"}
            )
        if name == "malformed":
            return web.Response(body=sample("malformed.xml"))
        raise web.HTTPNotFound()


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    fs = FeedServer()
    app = web.Application()
    app.router.add_get("/{name}", fs.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fs.base = f"http://127.0.0.1:{port}"
    yield fs
    fs.release.set()
    await runner.cleanup()


async def get(server: FeedServer, name: str, **kw: object) -> feeds.Fetched:
    opts: dict[str, object] = {"etag": None, "last_modified": None, "max_bytes": 2_000_000}
    opts.update(kw)
    timeout = float(opts.pop("timeout", 2.0))  # type: ignore[arg-type]
    redirects = int(opts.pop("max_redirects", 3))  # type: ignore[call-overload]
    async with make_client(timeout=timeout, max_redirects=redirects) as client:
        return await fetch(client, f"{server.base}/{name}", **opts)  # type: ignore[arg-type]


async def test_fetch_ok_then_304_with_etag(server: FeedServer) -> None:
    first = await get(server, "rss")
    assert first.status == "ok"
    assert first.etag == '"v1"'
    assert parse_feed(first.body).title == "学习资料 & 重要讲话"
    again = await get(server, "rss", etag=first.etag, last_modified=first.last_modified)
    assert again.status == "not_modified"
    assert server.seen_headers[-1]["If-None-Match"] == '"v1"'


async def test_fetch_if_modified_since(server: FeedServer) -> None:
    first = await get(server, "modified")
    assert first.last_modified == "Wed, 25 Nov 2026 00:00:00 GMT"
    again = await get(server, "modified", last_modified=first.last_modified)
    assert again.status == "not_modified"


async def test_redirects_followed_up_to_the_limit(server: FeedServer) -> None:
    assert (await get(server, "redirect1")).status == "ok"
    with pytest.raises(FeedError) as exc:
        await get(server, "loop0", max_redirects=3)
    assert exc.value.code == "redirects"
    assert server.hits.get("loop4", 0) == 0  # stopped after three redirects
    with pytest.raises(FeedError) as exc:
        await get(server, "redirect1", max_redirects=0)
    assert exc.value.code == "redirects"


async def test_server_error(server: FeedServer) -> None:
    with pytest.raises(FeedError) as exc:
        await get(server, "error")
    assert (exc.value.code, exc.value.detail) == ("http", "500")


async def test_slow_server_times_out(server: FeedServer) -> None:
    with pytest.raises(FeedError) as exc:
        await get(server, "slow", timeout=0.2)
    assert exc.value.code == "timeout"


async def test_size_cap_declared_and_streamed(server: FeedServer) -> None:
    with pytest.raises(FeedError) as exc:
        await get(server, "huge", max_bytes=100_000)
    assert exc.value.code == "too_large"
    with pytest.raises(FeedError) as exc:
        await get(server, "chunked", max_bytes=100_000)
    assert exc.value.code == "too_large"
    assert (await get(server, "huge", max_bytes=1_000_000)).status == "ok"


async def test_gzip_is_decoded_within_the_cap(server: FeedServer) -> None:
    ok = await get(server, "gzip")
    assert parse_feed(ok.body).title == "党建理论学习"
    with pytest.raises(FeedError) as exc:
        await get(server, "gzipbomb", max_bytes=1_000_000)
    assert exc.value.code == "too_large"


async def test_unreachable(server: FeedServer) -> None:
    async with make_client(timeout=1, max_redirects=1) as client:
        with pytest.raises(FeedError) as exc:
            await fetch(
                client, "http://127.0.0.1:1/feed", etag=None, last_modified=None, max_bytes=1000
            )
    assert exc.value.code == "network"
