"""RSS / Atom feeds of study material: parsing (feedparser), careful fetching, records, drafts."""

from __future__ import annotations

import hashlib
import html
import io
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.parsers import expat

import feedparser
import httpx
from feedparser import encodings as feedparser_encodings
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import Member, Role, StudyFeed, StudyItem
from bot.services import access, audit, once, org, study
from bot.services.errors import Refused

FEEDS_MAX = 50
ERROR_MAX = 500
SUMMARY_MAX = 1000
# A feed read despite errors: its `last_status`, with the reason in `last_error`.
WARNING = "warning"

# The admins' message about new drafts, in one language: (locale, feed, drafts) → message.
DraftsCompose = Callable[[str | None, StudyFeed, Sequence[StudyItem]], OutgoingMessage]


class FeedError(Exception):
    """Why a feed could not be read; `code` is shown (translated) in /feeds."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class FeedEntry:
    key: str
    title: str
    url: str | None
    summary: str
    published: datetime | None


@dataclass(slots=True)
class ParsedFeed:
    title: str
    entries: list[FeedEntry] = field(default_factory=list)
    warning: str | None = None  # `code:detail` of a defect feedparser read past


def _as_feedparser_reads(data: bytes) -> bytes:
    """The document in UTF-8, decoded the way feedparser will decode it.

    So the check below sees the same characters feedparser does, whatever the encoding
    (GB2312, GBK, Big5, UTF-16, even EBCDIC) the document is in.
    """
    result: dict[str, Any] = {}
    try:
        return bytes(feedparser_encodings.convert_to_utf8({}, data, result))
    except Exception:  # an encoding feedparser cannot handle: it will not read it either
        return data


_DECLARATION = re.compile(rb"<!\s*ENTITY|<!\s*DOCTYPE[^>]*\[", re.IGNORECASE)
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def _refuse(*_args: object) -> None:
    raise FeedError("doctype")


def _refuse_internal_subset(_name: object, _system: object, _public: object, inner: int) -> None:
    if inner:
        raise FeedError("doctype")


def _expat_check(document: bytes | str) -> str | None:
    """expat's complaint about a malformed document (None when well-formed); raises on
    an entity declaration or a DOCTYPE with an internal subset."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_internal_subset
    parser.EntityDeclHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(document, True)
    except (expat.ExpatError, ValueError) as exc:  # ValueError: a multi-byte encoding (GBK)
        return str(exc)[:200]
    return None


def _spellings(data: bytes) -> list[bytes]:
    """The bytes, and as UTF-8 from the wide encodings a NUL byte hints at."""
    out = [data, _as_feedparser_reads(data)]
    if b"\x00" in data[:1024]:
        out += [data.decode(codec, "ignore").encode() for codec in _WIDE]
    return out


def _refuse_declarations(data: bytes) -> str | None:
    """Refuse entity declarations (and a DOCTYPE with an internal subset) outright.

    A 'billion laughs' document expands a few entities into gigabytes, an external entity
    reads local files; a feed has no business declaring any. expat decides when it can
    read the document (as sent, or decoded the way feedparser decodes it); a malformed
    document is scanned for declarations in every spelling it could be read in.
    Returns expat's complaint about a malformed document, None when it is well-formed.
    """
    if _expat_check(data) is None:
        return None
    complaint = _expat_check(_as_feedparser_reads(data).decode("utf-8", "replace"))
    if complaint is None:
        return None
    if any(_DECLARATION.search(spelling) for spelling in _spellings(data)):
        raise FeedError("doctype")
    return complaint


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def plain_text(raw: str | None, limit: int = SUMMARY_MAX, *, gap: str = " ") -> str:
    """Feed summaries are often HTML: keep the words, drop the markup (each tag → `gap`)."""
    if not raw:
        return ""
    text = html.unescape(_TAG.sub(gap, raw))
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(parsed: Any) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    try:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _entry(raw: Any) -> FeedEntry | None:
    url = str(raw.get("link") or "").strip() or None
    if url and not url.lower().startswith(("http://", "https://")):
        url = None
    # An XHTML title is markup inside a heading (第一议题<b>制度</b>落实): no gaps.
    xhtml = (raw.get("title_detail") or {}).get("type") == "application/xhtml+xml"
    title = plain_text(raw.get("title"), study.TITLE_MAX, gap="" if xhtml else " ")
    key = str(raw.get("id") or "").strip() or url or title
    if not key or not (title or url):
        return None
    content = raw.get("content") or [{}]
    summary = raw.get("summary") or content[0].get("value") or ""
    # Plain dict lookups: feedparser's own map from `updated` to `published` is deprecated.
    published = _date(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed"))
    return FeedEntry(key[:500], title, url, plain_text(summary), published)


def _warning(exc: object) -> str:
    """A readable feed's defect as a stored `code:detail` (see FeedError codes)."""
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown):
        return f"encoding:{str(exc)[:200]}"
    return f"malformed:{str(exc)[:200]}"


def parse_feed(data: bytes) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 (feedparser); newest entries first.

    Raises FeedError when nothing can be read. A feed feedparser flags as malformed but
    still reads is returned with `warning` set, to be shown in /feeds, not refused.
    """
    if not data.strip():
        raise FeedError("malformed", "empty document")
    expat_error = _refuse_declarations(data)
    # A stream, never bytes or str: given those, feedparser opens URLs and local files.
    # No sanitising: only the words are kept (plain_text), and they are escaped when shown.
    result = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    found = [e for e in (_entry(raw) for raw in result.entries) if e is not None]
    channel = result.get("feed") or {}
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not found:
        # Malformed and nothing read, or well-formed but not a feed: a failure.
        if problem is not None or expat_error is not None:
            raise FeedError("malformed", str(problem or expat_error)[:200])
        if not (channel.get("title") or channel.get("link")):
            if result.get("version"):
                raise FeedError("malformed", "a feed without a channel")
            raise FeedError("not_a_feed")
    feed = ParsedFeed(plain_text(channel.get("title"), study.TITLE_MAX))
    if problem is not None:
        feed.warning = _warning(problem)
    # Newest first where dates are given; undated entries keep their order after them.
    oldest = datetime.min.replace(tzinfo=UTC)
    feed.entries = sorted(found, key=lambda e: e.published or oldest, reverse=True)
    return feed


# ---------------------------------------------------------------- fetching


@dataclass(frozen=True, slots=True)
class Fetched:
    status: str  # "ok" | "not_modified"
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def make_client(*, timeout: float, max_redirects: int) -> httpx.AsyncClient:
    """The HTTP client for feeds: bounded time, bounded redirects, a polite user agent."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        follow_redirects=max_redirects > 0,
        max_redirects=max_redirects,
        headers={
            "User-Agent": "dangjian-bot feed reader",
            "Accept-Encoding": "gzip, deflate",
            "Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml;q=0.9, */*;q=0.1",
        },
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
) -> Fetched:
    """GET a feed with conditional headers; never reads more than `max_bytes`."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", url, headers=headers) as resp:
            if resp.status_code == 304:
                return Fetched("not_modified", etag=etag, last_modified=last_modified)
            if resp.is_redirect:
                raise FeedError("redirects")
            if resp.status_code >= 400:
                raise FeedError("http", str(resp.status_code))
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FeedError("too_large", declared)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_raw():
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError("too_large", str(size))
                chunks.append(chunk)
            body = b"".join(chunks)
            if resp.headers.get("Content-Encoding", "identity") not in ("identity", ""):
                # Decoded after the cap, so a small compressed bomb is still bounded below.
                body = _decode(resp, body, max_bytes)
            return Fetched(
                "ok",
                body,
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
            )
    except httpx.TimeoutException:
        raise FeedError("timeout") from None
    except httpx.TooManyRedirects:
        raise FeedError("redirects") from None
    except httpx.InvalidURL as exc:
        raise FeedError("bad_url", str(exc)[:200]) from None
    except httpx.HTTPError as exc:
        raise FeedError("network", type(exc).__name__) from None


def _decode(resp: httpx.Response, body: bytes, max_bytes: int) -> bytes:
    encoding = resp.headers.get("Content-Encoding", "").lower()
    if encoding not in ("gzip", "deflate"):
        raise FeedError("network", f"unsupported encoding {encoding[:20]}")
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FeedError("malformed", str(exc)[:200]) from None
    if len(out) > max_bytes or d.unconsumed_tail:
        raise FeedError("too_large", f">{max_bytes}")
    return out


# ---------------------------------------------------------------- feed records


async def add_feed(
    session: AsyncSession, *, actor: Member | None, url: str, now: datetime
) -> StudyFeed:
    admin = access.require(actor, Role.admin)
    try:
        url = study.validate_url(url)
    except Refused:
        raise Refused("feed_bad_url", value=url.strip()[:100]) from None
    if (await session.exec(select(StudyFeed).where(StudyFeed.url == url))).first() is not None:
        raise Refused("feed_exists", url=url)
    count = len(list(await session.exec(select(StudyFeed.id))))
    if count >= FEEDS_MAX:
        raise Refused("feeds_full", limit=FEEDS_MAX)
    feed = StudyFeed(url=url, added_by=admin.id, created_at=now)
    await audit.saved(session, feed, by=admin, action="feed.added", now=now, details={"url": url})
    return feed


async def list_feeds(session: AsyncSession, *, actor: Member | None) -> list[StudyFeed]:
    access.require(actor, Role.admin)
    return list(await session.exec(select(StudyFeed).order_by(col(StudyFeed.id))))


async def feed_of(session: AsyncSession, *, actor: Member | None, feed_id: int) -> StudyFeed:
    """One feed, for an admin (e.g. to ask before removing it)."""
    access.require(actor, Role.admin)
    feed = await session.get(StudyFeed, feed_id)
    if feed is None:
        raise Refused("feed_unknown", id=feed_id)
    return feed


async def remove_feed(
    session: AsyncSession, *, actor: Member | None, feed_id: int, now: datetime
) -> StudyFeed:
    admin = access.require(actor, Role.admin)
    feed = await feed_of(session, actor=admin, feed_id=feed_id)
    await session.delete(feed)
    gone = {"url": feed.url}
    await audit.entry(session, by=admin, action="feed.removed", about=feed, now=now, details=gone)
    return feed


async def due_feeds(
    session: AsyncSession, *, now: datetime, interval: timedelta
) -> list[StudyFeed]:
    """Feeds never fetched, or last fetched `interval` ago or longer; in the order added."""
    last = col(StudyFeed.last_fetched_at)
    due = last.is_(None) | (last <= now - interval)
    return list(await session.exec(select(StudyFeed).where(due).order_by(col(StudyFeed.id))))


def _entry_slot(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


async def import_entries(
    session: AsyncSession,
    *,
    feed: StudyFeed,
    parsed: ParsedFeed,
    now: datetime,
    max_new: int,
) -> list[StudyItem]:
    """Each entry never seen before becomes a draft (at most `max_new`, the newest)."""
    assert feed.id is not None
    drafts: list[StudyItem] = []
    for entry in parsed.entries:
        # The claim remembers every entry key, so an entry is drafted once even when it
        # drops out of the feed and comes back, or two processes import at once.
        if not await once.claim(
            session,
            kind="feed.entry",
            subject=f"feed:{feed.id}",
            slot=_entry_slot(entry.key),
            now=now,
        ):
            continue
        if len(drafts) >= max_new:
            continue  # remembered as seen: a first fetch must not flood the admins
        drafts.append(
            await study.feed_draft(
                session,
                feed_id=feed.id,
                key=entry.key,
                title=entry.title,
                url=entry.url,
                summary=entry.summary,
                now=now,
            )
        )
    return drafts


def record_success(
    feed: StudyFeed, fetched: Fetched, *, parsed: ParsedFeed | None, new: int, now: datetime
) -> None:
    feed.last_fetched_at = now
    feed.last_ok_at = now
    feed.last_status = fetched.status
    feed.last_error = None
    if parsed is not None and parsed.warning:
        # No column of its own: a warning is the status, its reason in last_error.
        feed.last_status = WARNING
        feed.last_error = parsed.warning[:ERROR_MAX]
    feed.failures = 0
    feed.last_new = new
    feed.etag = (fetched.etag or None) and fetched.etag[:500]
    feed.last_modified = (fetched.last_modified or None) and fetched.last_modified[:100]
    if parsed is not None and parsed.title:
        feed.title = parsed.title


def record_failure(feed: StudyFeed, error: FeedError, *, now: datetime) -> None:
    feed.last_fetched_at = now
    feed.last_status = "error"
    feed.last_error = (f"{error.code}:{error.detail}" if error.detail else error.code)[:ERROR_MAX]
    feed.failures += 1
    feed.last_new = 0


async def announce_drafts(
    session: AsyncSession,
    *,
    feed: StudyFeed,
    drafts: Sequence[StudyItem],
    now: datetime,
    compose: DraftsCompose,
) -> None:
    """One message per admin listing the new drafts, in the same transaction as they."""
    admins = await org.active_members(session, roles=(Role.admin,), reachable=True)
    messages: dict[str | None, OutgoingMessage] = {}
    recipients = []
    for admin in admins:
        if admin.locale not in messages:
            messages[admin.locale] = compose(admin.locale, feed, drafts)
        recipients.append(Recipient(admin.telegram_user_id, messages[admin.locale], admin.id))
    await outbox.enqueue(
        session, kind="study.draft", recipients=recipients, now=now, subject_id=feed.id
    )
