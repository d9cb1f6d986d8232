"""Feeds: an admin discards a feed draft; it leaves the count and can no longer be published."""

from __future__ import annotations

from sqlmodel import col, select

from bot.models import StudyItem, StudyStatus
from schedules.feeds import fetch_due_feeds
from tests.e2e.test_feeds import feed_url  # noqa: F401  (the local feed server fixture)
from tests.e2e.test_study import press_data, write_summary
from tests.harness import Harness


async def feed_drafts(h: Harness) -> list[StudyItem]:
    async with h.sessions() as s:
        return list(await s.exec(select(StudyItem).order_by(col(StudyItem.id))))


async def status_of(h: Harness, item_id: int | None) -> StudyStatus:
    async with h.sessions() as s:
        item = await s.get(StudyItem, item_id)
        assert item is not None
        return item.status


async def test_admin_discards_a_draft_once(h: Harness, feed_url: str) -> None:  # noqa: F811
    branch = await h.setup_branch("第一党支部", members=1)
    await h.send(h.admin, f"/feeds add {feed_url}/rss")
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 4
    await h.deliver()
    drafts = h.admin.last
    assert "4 条草稿待发布" in (await h.send(h.admin, "/feeds")).text
    first, second, *_ = await feed_drafts(h)
    assert [f"发布 #{first.id} 到全部支部", f"丢弃 #{first.id}"] in drafts.buttons

    assert "已丢弃" in await h.press(h.admin, f"丢弃 #{first.id}", drafts)
    assert f"草稿 #{first.id}" in h.admin.last.text
    assert "已丢弃" in h.admin.last.text
    # Only this draft's buttons go; the other three keep theirs.
    assert len(drafts.flat_buttons) == 6
    assert f"发布 #{first.id} 到全部支部" not in drafts.flat_buttons
    assert await status_of(h, first.id) == StudyStatus.cancelled
    assert "3 条草稿待发布" in (await h.send(h.admin, "/feeds")).text

    # Its publish button (say from an older copy of the list) now says it was discarded.
    alert = await press_data(h, h.admin, drafts.message_id, f"studypub:{first.id}")
    assert "已丢弃，不能再发布" in alert
    # Discarding twice changes nothing.
    alert = await press_data(h, h.admin, drafts.message_id, f"studydrop:{first.id}")
    assert "已经丢弃过了" in alert
    assert await status_of(h, first.id) == StudyStatus.cancelled
    assert "3 条草稿待发布" in (await h.send(h.admin, "/feeds")).text
    await h.deliver()
    assert not any(first.title in m.text for m in branch.members[0].bot_messages)

    # A published draft cannot be discarded.
    assert "已发布" in await h.press(h.admin, f"发布 #{second.id} 到全部支部", drafts)
    alert = await press_data(h, h.admin, drafts.message_id, f"studydrop:{second.id}")
    assert "已经发布过了" in alert
    assert await status_of(h, second.id) == StudyStatus.published
    assert "2 条草稿待发布" in (await h.send(h.admin, "/feeds")).text

    # Discarding the rest empties the count.
    for d in (await feed_drafts(h))[2:]:
        assert "已丢弃" in await h.press(h.admin, f"丢弃 #{d.id}", drafts)
    assert drafts.flat_buttons == []
    assert "草稿待发布" not in (await h.send(h.admin, "/feeds")).text


async def test_discard_is_for_admins_and_feed_drafts_only(
    h: Harness,
    feed_url: str,  # noqa: F811
) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    await h.send(h.admin, f"/feeds add {feed_url}/rss")
    await fetch_due_feeds(h.app.bot_data, now=h.clock.now())
    draft = (await feed_drafts(h))[0]
    msg = await h.send(branch.secretary, "/study")
    alert = await press_data(h, branch.secretary, msg.message_id, f"studydrop:{draft.id}")
    assert "没有这项权限" in alert
    assert await status_of(h, draft.id) == StudyStatus.draft
    # An admin's own /newstudy draft is cancelled with its Cancel button, not this one.
    await h.send(h.admin, "/newstudy 党委统一学习")
    preview = await write_summary(h, h.admin, "请各支部认真学习")
    async with h.sessions() as s:
        own = (await s.exec(select(StudyItem).where(StudyItem.title == "党委统一学习"))).one()
    alert = await press_data(h, h.admin, preview.message_id, f"studydrop:{own.id}")
    assert "不存在" in alert
    assert await status_of(h, own.id) == StudyStatus.draft
    for data in ("studydrop:x", "studydrop:1:2", "studydrop:"):
        assert "已失效" in await press_data(h, h.admin, preview.message_id, data)
    assert "4 条草稿待发布" in (await h.send(h.admin, "/feeds")).text
