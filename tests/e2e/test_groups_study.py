"""The branch's group, continued: study items posted there with their push, 写心得 by
deep link, moved and cancelled meetings edited in place, linking audited."""

from __future__ import annotations

from sqlmodel import col, select

from bot.models import AuditLog, GroupPost
from schedules.groups import refresh_counts
from tests.e2e.test_groups import link, removed, schedule
from tests.e2e.test_study import local, press_data, publish_as_secretary, study_jobs
from tests.harness import Harness


async def study_posts(h: Harness, chat_id: int) -> list[GroupPost]:
    async with h.sessions() as s:
        rows = await s.exec(
            select(GroupPost).where(GroupPost.chat_id == chat_id, GroupPost.kind == "study")
        )
        return list(rows)


async def test_a_study_item_is_posted_once_in_the_group_with_its_push(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    other = await h.setup_branch("第二党支部", members=1)
    group = h.sim.group(-5101, "第一支部群")
    await link(h, group, branch.secretary)
    before = len(group.chat)
    item_id = await publish_as_secretary(h, branch)  # 10:00, after the 09:00 study time
    await h.deliver()
    posted = group.chat[before:]
    assert len(posted) == 1
    post = posted[0]
    assert "第一议题学习" in post.text
    assert "学习贯彻全会精神" in post.text
    assert post.buttons == [["已学习", "写心得"]]
    urls = [u for row in post.button_urls for u in row if u]
    assert urls == [f"https://t.me/{h.sim.bot_username}?start=reflect-{item_id}"]
    # The job running again, or later, posts nothing more.
    assert (await study_jobs(h)).pushed == 0
    await h.deliver()
    assert len(group.chat) == before + 1
    assert len(await study_posts(h, group.id)) == 1
    # 已学习 in the group: recorded for the presser, once; answered with a toast.
    member = branch.members[0]
    assert "已记录" in await h.press(member, "已学习", post)
    assert "已经记录过了" in await h.press(member, "已学习", post)
    assert "还没有加入支部" in await h.press(h.person("路人"), "已学习", post)
    assert "不是发给您所在支部" in await h.press(other.members[0], "已学习", post)
    assert group.last.message_id == post.message_id  # nothing written into the group
    assert "✅ 已学习" in (await h.send(member, "/study")).text


async def test_the_group_gets_the_item_at_the_branchs_study_time(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    group = h.sim.group(-5102, "支部群")
    await link(h, group, branch.secretary)
    await h.send(branch.secretary, "/studysettings time 10:30")
    h.clock.set(local(2026, 11, 28, 8, 15))
    item_id = await publish_as_secretary(h, branch, title="早上发布")
    await h.deliver()
    assert await study_posts(h, group.id) == []
    # Before the push, the deep link is refused: the item is not the member's yet.
    member = branch.members[0]
    assert "不是发给您所在支部" in (await h.send(member, f"/start reflect-{item_id}")).text
    h.clock.set(local(2026, 11, 28, 10, 30))
    assert (await study_jobs(h)).pushed == 2
    await h.deliver()
    assert "早上发布" in group.last.text
    assert len(await study_posts(h, group.id)) == 1


async def test_admins_item_goes_to_each_linked_group_once(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    third = await h.setup_branch("第三党支部", members=1)  # no group linked
    g1, g2 = h.sim.group(-5103, "一支部群"), h.sim.group(-5104, "二支部群")
    await link(h, g1, first.secretary)
    await link(h, g2, second.secretary)
    await h.send(h.admin, "/newstudy 党委统一学习")
    await h.press(h.admin, "跳过")
    await h.press(h.admin, "跳过", h.admin.last)
    await h.press(h.admin, "发布", h.admin.last)
    await h.deliver()
    for g in (g1, g2):
        assert len(await study_posts(h, g.id)) == 1
        assert "党委统一学习" in g.last.text
    assert "党委统一学习" in third.members[0].last.text  # members still get the push


async def test_write_reflection_from_the_group_opens_the_private_chat(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    other = await h.setup_branch("第二党支部", members=1)
    group = h.sim.group(-5105, "支部群")
    await link(h, group, branch.secretary)
    item_id = await publish_as_secretary(h, branch)
    await h.deliver()
    member = branch.members[0]
    ask = await h.send(member, f"/start reflect-{item_id}")
    assert "请输入您学习“学习贯彻全会精神”的心得" in ask.text
    reflection = "深受教育，要学以致用"
    assert "已记录" in (await h.send(member, reflection)).text
    assert all(reflection not in m.text for m in group.chat)  # never in the group
    assert "✅ 已学习，已写心得" in (await h.send(member, "/study")).text
    # Checked on the server: not joined, another branch, no such item, a malformed id.
    assert "还没有加入支部" in (await h.send(h.person("路人"), f"/start reflect-{item_id}")).text
    refused = await h.send(other.members[0], f"/start reflect-{item_id}")
    assert "不是发给您所在支部" in refused.text
    assert "不是发给您所在支部" in (await h.send(member, "/start reflect-99999")).text
    async with h.sessions() as s:
        assert (await s.exec(select(GroupPost))).all()  # the item was posted in the group


async def test_a_moved_then_cancelled_meeting_is_edited_in_the_group(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    group = h.sim.group(-5106, "支部群")
    await link(h, group, branch.secretary)
    await schedule(h, branch)  # today 14:30
    post = group.last
    assert "14:30" in post.text
    moved = await h.send(branch.secretary, "/reschedule 1 2026-11-30 15:00")
    assert "15:00" in moved.text
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 1
    await h.settle()
    shown = group.message(post.message_id)
    assert "会议时间已变更" in shown.text
    assert "15:00" in shown.text
    assert "14:30" not in shown.text
    assert shown.buttons == [["出席", "请假"], ["签到"]]
    # Nothing changed since: no edit. Still marked as moved after counts change.
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 0
    await h.press(branch.members[0], "出席", shown)
    h.clock.advance(minutes=1)
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 1
    await h.settle()
    shown = group.message(post.message_id)
    assert "出席 1/2" in shown.text
    assert "会议时间已变更" in shown.text
    # Called off: marked cancelled, its buttons gone; a press on the old button is refused.
    await h.send(branch.secretary, "/cancelmeeting 1")
    await h.press(branch.secretary, "确认")
    h.clock.advance(minutes=1)
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 1
    await h.settle()
    shown = group.message(post.message_id)
    assert "会议已取消" in shown.text
    assert shown.buttons == []
    assert "出席 1/2" not in shown.text
    h.clock.advance(minutes=1)
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 0
    before = len(group.chat)
    # A press on the button as first sent (a client that has not seen the edit yet).
    alert = await press_data(h, branch.members[0], post.message_id, "gm:1:yes")
    assert "已取消" in alert
    assert len(group.chat) == before  # answered with an alert, nothing in the group


async def test_linking_and_unlinking_are_in_the_audit_log(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    group = h.sim.group(-5107, "支部群")
    await link(h, group, branch.secretary)
    await group.send(branch.secretary, "/unlinkgroup")
    await h.settle()
    await link(h, group, branch.secretary)
    await removed(h.sim, group, branch.secretary)
    await h.settle()
    async with h.sessions() as s:
        rows = await s.exec(select(AuditLog.action).order_by(col(AuditLog.id)))
        actions = list(rows)
    assert [a for a in actions if a.startswith("branch_group.")] == [
        "branch_group.linked",
        "branch_group.unlinked",
        "branch_group.linked",
        "branch_group.removed",
    ]
    log = (await h.send(h.admin, "/audit")).text
    assert "关联支部群" in log
    assert "取消关联支部群" in log
    assert "机器人被移出群，已取消关联" in log
    assert "第一党支部" in log  # the subject is the branch, by name
