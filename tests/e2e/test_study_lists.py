"""Lists with a button per item (/studystatus, the due report, /feeds) and the 学时 a
study item carries, from the publishing form to /hours."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.models import AuditLog, StudyFeed, StudyItem, StudyStatus, StudyTarget
from bot.models import Branch as BranchRow
from handlers.feeds.buttons import FeedRemove
from handlers.home.buttons import RunCommand
from tests.e2e.test_study import press_data, publish_as_secretary, study_jobs
from tests.harness import Branch, Harness


async def published_items(h: Harness, branch: Branch, n: int) -> list[int]:
    """`n` items already published and pushed to the branch (oldest first)."""
    now = h.clock.now()
    async with h.sessions() as s:
        branch_id = (await s.exec(select(BranchRow.id).where(BranchRow.name == branch.name))).one()
        assert branch_id is not None
        items = [
            StudyItem(
                title=f"学习材料{i:02d}",
                status=StudyStatus.published,
                created_at=now,
                published_at=now,
                due_at=now + timedelta(days=7),
            )
            for i in range(n)
        ]
        s.add_all(items)
        await s.flush()
        s.add_all(
            StudyTarget(item_id=i.id or 0, branch_id=branch_id, push_at=now, pushed_at=now)
            for i in items
        )
        await s.commit()
        return [i.id or 0 for i in items]


async def test_studystatus_has_a_button_per_item_paged(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    other = await h.setup_branch("第二党支部", members=1)
    ids = await published_items(h, branch, 12)
    sec = branch.secretary
    listing = await h.send(sec, "/studystatus")
    assert "第 1/2 页" in listing.text
    assert f"#{ids[-1]} 学习材料11" in listing.flat_buttons  # newest first
    assert f"#{ids[1]} 学习材料01" not in listing.flat_buttons
    assert "▶" in listing.flat_buttons
    await h.press(sec, "▶", listing)
    page2 = sec.message(listing.message_id)  # edited in place
    assert "第 2/2 页" in page2.text
    assert f"#{ids[0]} 学习材料00" in page2.flat_buttons
    assert "◀" in page2.flat_buttons
    # An item's button shows its details in place, with 返回 to the list.
    await h.press(sec, f"#{ids[0]} 学习材料00", page2)
    details = sec.message(listing.message_id)
    assert "学习材料00" in details.text
    assert "未完成" in details.text
    assert "返回" in details.flat_buttons
    await h.press(sec, "返回", details)
    assert "第 1/2 页" in sec.message(listing.message_id).text
    # Checked on the server: another branch's secretary, and a member, forging the button.
    forged = RunCommand(command="studystatus", arg=str(ids[0]), back="studystatus").encode()
    mine = await h.send(other.secretary, "/studystatus")
    assert "不存在" in await press_data(h, other.secretary, mine.message_id, forged)
    assert "学习材料00" not in other.secretary.message(mine.message_id).text
    study = await h.send(branch.members[0], "/study")
    # A member's menu has no such command: refused as a stale menu, and redrawn.
    assert "菜单已过期" in await press_data(h, branch.members[0], study.message_id, forged)
    assert "未完成" not in branch.members[0].message(study.message_id).text


async def test_the_due_report_opens_the_details_with_a_button(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    await publish_as_secretary(h, branch)
    h.clock.advance(days=7, hours=1)
    assert (await study_jobs(h)).reported == 1
    await h.deliver()
    report = branch.secretary.last
    assert report.flat_buttons == ["详情和心得"]
    await h.press(branch.secretary, "详情和心得", report)
    details = branch.secretary.message(report.message_id)
    assert "未完成：" in details.text
    assert "第一党支部党员1" in details.text


async def add_feeds(h: Harness, n: int) -> list[int]:
    async with h.sessions() as s:
        feeds = [
            StudyFeed(url=f"https://example.org/feed{i}", created_at=h.clock.now())
            for i in range(n)
        ]
        s.add_all(feeds)
        await s.commit()
        return [f.id or 0 for f in feeds]


async def feed_ids(h: Harness) -> list[int]:
    async with h.sessions() as s:
        return [i for i in await s.exec(select(StudyFeed.id).order_by(col(StudyFeed.id))) if i]


async def test_feeds_have_a_remove_button_that_asks_first(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    first, second = await add_feeds(h, 2)
    listing = await h.send(h.admin, "/feeds")
    assert listing.flat_buttons == [f"移除 #{first}", f"移除 #{second}"]
    # Ask, then keep it.
    await h.press(h.admin, f"移除 #{first}", listing)
    question = h.admin.message(listing.message_id)
    assert "https://example.org/feed0" in question.text
    assert question.flat_buttons == ["确认", "取消"]
    await h.press(h.admin, "取消", question)
    assert "保留" in h.admin.message(listing.message_id).text
    assert await feed_ids(h) == [first, second]
    # Back to the list, ask again, confirm.
    await h.press(h.admin, "返回", h.admin.message(listing.message_id))
    await h.press(h.admin, f"移除 #{first}", h.admin.message(listing.message_id))
    assert "已移除" in await h.press(h.admin, "确认", h.admin.message(listing.message_id))
    assert f"订阅源 #{first}" in h.admin.message(listing.message_id).text
    assert await feed_ids(h) == [second]
    async with h.sessions() as s:
        audit = (await s.exec(select(AuditLog).where(AuditLog.action == "feed.removed"))).all()
        assert len(audit) == 1
    # A stale confirmation, and a secretary forging one: refused, nothing removed.
    stale = FeedRemove(first, "yes").encode()
    assert f"#{first}" in await press_data(h, h.admin, listing.message_id, stale)
    own = await h.send(branch.secretary, "/study")
    forged = FeedRemove(second, "yes").encode()
    assert "没有这项权限" in await press_data(h, branch.secretary, own.message_id, forged)
    assert await feed_ids(h) == [second]


async def test_study_hours_from_the_form_to_hours(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    sec, member = branch.secretary, branch.members[0]
    await h.send(sec, "/newstudy 学习党章")
    await h.press(sec, "跳过")  # no link
    ask = await h.send(sec, "第一章总纲")
    assert "学时" in ask.text
    assert "0.5" in ask.text
    # Bad input is answered kindly and asked again; nothing is stored.
    for bad, says in (("很多", "不是学时数"), ("0.25", "不是学时数"), ("9", "最多计 8 学时")):
        assert says in (await h.send(sec, bad)).text
    async with h.sessions() as s:
        item = (await s.exec(select(StudyItem))).one()
        assert item.hours_tenths == 5
    preview = await h.send(sec, "1.5")
    assert "预览" in preview.text
    assert "学时：1.5" in preview.text
    await h.press(sec, "发布", preview)
    assert "学时：1.5" in sec.last.text
    await h.deliver()
    push = member.last
    assert "学时：1.5" in push.text
    assert "完成学习：0 学时" in (await h.send(member, "/hours")).text
    await h.press(member, "已学习", push)
    assert "完成学习：1.5 学时" in (await h.send(member, "/hours")).text


async def test_skipping_the_hours_keeps_half_an_hour(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    await publish_as_secretary(h, branch)  # skips the hours step
    await h.deliver()
    member = branch.members[0]
    assert "学时：0.5" in member.last.text
    await h.press(member, "已学习")
    assert "完成学习：0.5 学时" in (await h.send(member, "/hours")).text
