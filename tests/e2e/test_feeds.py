"""Feeds e2e: an admin registers feeds, the job turns new entries into drafts, one press publishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import func, select

from bot.models import StudyFeed, StudyItem, StudyStatus
from schedules.feeds import fetch_due_feeds
from tests.harness import Harness

DATA = Path(__file__).resolve().parent.parent / "data" / "feeds"


@pytest.fixture
async def feed_url() -> AsyncIterator[str]:
    """A local server: /rss (ETag), /broken (500), /malformed, /laughs (DOCTYPE), and
    real-world shapes: /bozo (malformed but readable), /gbk, /gb2312, /rdf, /atom03."""

    async def handle(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "rss":
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304)
            return web.Response(body=(DATA / "rss2.xml").read_bytes(), headers={"ETag": '"v1"'})
        if name == "broken":
            return web.Response(status=500)
        if name == "malformed":
            return web.Response(body=(DATA / "malformed.xml").read_bytes())
        if name == "laughs":
            return web.Response(body=(DATA / "billion_laughs.xml").read_bytes())
        if name in ("bozo", "gbk", "gb2312", "rdf", "atom03"):
            file = {"rdf": "rss1.rdf"}.get(name, f"{name}.xml")
            return web.Response(body=(DATA / file).read_bytes())
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_feed_entries_become_drafts_published_with_one_press(
    h: Harness, feed_url: str
) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    other = await h.setup_branch("第二党支部", members=1)
    added = await h.send(h.admin, f"/feeds add {feed_url}/rss")
    assert "已添加订阅源 #" in added.text
    again = await h.send(h.admin, f"/feeds add {feed_url}/rss")
    assert "已登记" in again.text
    assert "尚未获取" in (await h.send(h.admin, "/feeds")).text

    made = await fetch_due_feeds(h.app.bot_data, now=h.clock.now())
    assert made == 4
    await h.deliver()
    drafts = h.admin.last
    assert "4 条新内容" in drafts.text
    assert "在全国社会组织党建工作会议上的讲话" in drafts.text
    listing = await h.send(h.admin, "/feeds")
    assert "学习资料 &amp; 重要讲话" in listing.html
    assert "新草稿 4 条" in listing.text
    assert "4 条草稿待发布" in listing.text
    # Not due again yet; then due, and the server answers 304: nothing new.
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 0
    h.clock.advance(hours=2)
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 0
    assert "无更新" in (await h.send(h.admin, "/feeds")).text

    async with h.sessions() as s:
        speech = (
            await s.exec(select(StudyItem).where(StudyItem.title.startswith("在全国")))  # type: ignore[attr-defined]
        ).one()
    button = f"发布 #{speech.id} 到全部支部"
    assert "已发布" in await h.press(h.admin, button, drafts)
    assert button not in drafts.flat_buttons  # the other drafts keep their buttons
    assert len(drafts.flat_buttons) == 6  # publish and discard for each of the other three
    await h.deliver()
    for m in (*branch.members, *other.members):
        assert "在全国社会组织党建工作会议上的讲话" in m.last.text
        assert m.last.flat_buttons == ["已学习", "写心得"]
    # A repeated press publishes nothing twice.
    before = len(h.admin.callback_answers)
    await h.admin.press_data(drafts.message_id, f"studypub:{speech.id}")
    await h.settle()
    assert "已经发布过了" in h.admin.callback_answers[before:][-1]
    async with h.sessions() as s:
        published = (
            await s.exec(
                select(func.count())
                .select_from(StudyItem)
                .where(StudyItem.status == StudyStatus.published)
            )
        ).one()
        assert published == 1


async def test_failing_feeds_are_reported_and_do_not_stop_others(h: Harness, feed_url: str) -> None:
    await h.setup_branch("第一党支部", members=1)
    for name in ("broken", "malformed", "laughs", "rss"):
        await h.send(h.admin, f"/feeds add {feed_url}/{name}")
    bad = await h.send(h.admin, "/feeds add ftp://example.org/x")
    assert "不是订阅源地址" in bad.text
    made = await fetch_due_feeds(h.app.bot_data, now=h.clock.now())
    assert made == 4  # the good feed still imports
    listing = (await h.send(h.admin, "/feeds")).text
    assert "服务器返回错误（500）" in listing
    assert "不是有效的 XML" in listing
    assert "DOCTYPE" in listing
    assert "连续 1 次" in listing
    h.clock.advance(hours=2)
    await fetch_due_feeds(h.app.bot_data, now=h.clock.now())
    assert "连续 2 次" in (await h.send(h.admin, "/feeds")).text
    # The bot still answers, and an admin can remove a feed.
    async with h.sessions() as s:
        broken = (await s.exec(select(StudyFeed).where(StudyFeed.url.endswith("/broken")))).one()  # type: ignore[attr-defined]
    removed = await h.send(h.admin, f"/feeds remove {broken.id}")
    assert f"已删除订阅源 #{broken.id}" in removed.text
    assert "没有编号为" in (await h.send(h.admin, f"/feeds remove {broken.id}")).text
    assert "/broken" not in (await h.send(h.admin, "/feeds")).text


async def test_feeds_are_for_admins_only(h: Harness, feed_url: str) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    reply = await h.send(branch.secretary, f"/feeds add {feed_url}/rss")
    assert "没有这项权限" in reply.text
    async with h.sessions() as s:
        assert (await s.exec(select(func.count()).select_from(StudyFeed))).one() == 0
    # A secretary cannot publish a feed draft by forging the button either.
    await h.send(h.admin, f"/feeds add {feed_url}/rss")
    await fetch_due_feeds(h.app.bot_data, now=h.clock.now() + timedelta(seconds=1))
    async with h.sessions() as s:
        draft = (await s.exec(select(StudyItem))).first()
    assert draft is not None
    msg = await h.send(branch.secretary, "/study")
    before = len(branch.secretary.callback_answers)
    await branch.secretary.press_data(msg.message_id, f"studypub:{draft.id}")
    await h.settle()
    assert "没有这项权限" in branch.secretary.callback_answers[before:][-1]
    async with h.sessions() as s:
        refreshed = await s.get(StudyItem, draft.id)
        assert refreshed is not None
        assert refreshed.status == StudyStatus.draft


async def test_real_world_feeds_and_a_readable_malformed_one(h: Harness, feed_url: str) -> None:
    """GBK, GB2312, RSS 1.0 and Atom 0.3 import; a malformed but readable feed imports
    with a warning in /feeds, not as a failure."""
    await h.setup_branch("第一党支部", members=1)
    for name in ("gbk", "gb2312", "rdf", "atom03", "bozo"):
        await h.send(h.admin, f"/feeds add {feed_url}/{name}")
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 10
    await h.deliver()
    told = "\n".join(m.text for m in h.admin.bot_messages)
    for title in (
        "朱镕基讲话实录选读",
        "习近平在全国组织工作会议上的重要讲话",
        "学习《中国共产党章程》",
        "基层党组织建设的经验",
        "理论学习 & 实践",
    ):
        assert title in told
    listing = (await h.send(h.admin, "/feeds")).text
    for feed_title in (
        "理论学习（GBK）",
        "党建学习资料（国标码）",
        "RSS 1.0 学习频道",
        "Atom 0.3 理论文章",
    ):
        assert feed_title in listing
    assert listing.count("新草稿 2 条") == 5
    assert "失败" not in listing
    assert "订阅源有格式错误，但已读取：不是有效的 XML" in listing
    async with h.sessions() as s:
        bozo = (await s.exec(select(StudyFeed).where(StudyFeed.url.endswith("/bozo")))).one()  # type: ignore[attr-defined]
        assert bozo.last_status == "warning"
        assert bozo.failures == 0
