"""第一议题 study e2e: publishing, pushes at the study time, 已学习 / 心得, nudges, completion."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.models import Delivery, DeliveryBatch, StudyItem, StudyRecord
from schedules.study import StudyJobResult, run_study_jobs
from simulator import BotAPISimulator, SimMessage, SimUser
from tests.harness import Branch, Harness, start_bot

TZ = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


async def press_data(h: Harness, user: SimUser, message_id: int, data: str) -> str:
    before = len(user.callback_answers)
    await user.press_data(message_id, data)
    await h.settle()
    answers = user.callback_answers[before:]
    return str(answers[-1]) if answers else ""


async def write_summary(
    h: Harness, user: SimUser, summary: str, hours: str | None = None
) -> SimMessage:
    """Type the summary in /newstudy, then the 学时 (Skip keeps 0.5); returns the preview."""
    ask = await h.send(user, summary)
    assert "学时" in ask.text
    if hours is None:
        await h.press(user, "跳过", ask)
    else:
        await h.send(user, hours)
    return user.last


async def publish_as_secretary(
    h: Harness,
    branch: Branch,
    title: str = "学习贯彻全会精神",
    summary: str | None = "全文约三千字",
) -> int:
    """The secretary publishes an item through /newstudy; returns its id."""
    ask = await h.send(branch.secretary, f"/newstudy {title} https://example.org/a?x=1&y=2")
    assert "摘要" in ask.text
    assert "跳过" in ask.flat_buttons
    if summary is None:
        await h.press(branch.secretary, "跳过")
        await h.press(branch.secretary, "跳过", branch.secretary.last)
        preview = branch.secretary.last
    else:
        preview = await write_summary(h, branch.secretary, summary)
    assert "预览" in preview.text
    assert title in preview.text
    await h.press(branch.secretary, "发布", preview)
    assert "已发布" in branch.secretary.last.text
    async with h.sessions() as s:
        item = (
            await s.exec(
                select(StudyItem).where(StudyItem.title == title).order_by(col(StudyItem.id).desc())
            )
        ).first()
        assert item is not None
        assert item.id is not None
        return item.id


async def study_jobs(h: Harness, now: datetime | None = None) -> StudyJobResult:
    """The study job, as its JobQueue callback runs it (`now` defaults to the clock's)."""
    return await run_study_jobs(
        h.app.bot_data, now=now or h.clock.now(), bot_username=h.sim.bot_username
    )


def pushes(user: SimUser, title: str) -> list[str]:
    return [m.text for m in user.bot_messages if title in m.text and "第一议题学习" in m.text]


async def test_whole_flow(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=3)
    a, b, c = branch.members
    item_id = await publish_as_secretary(h, branch)
    # Published at 10:00, after the 09:00 study time: pushed right away, as one batch.
    assert "已推送" in branch.secretary.last.text
    await h.deliver()
    for m in (a, b, c):
        push = m.last
        assert "学习贯彻全会精神" in push.text
        assert "全文约三千字" in push.text
        # The link is shown exactly as typed (escaped in HTML, readable as text).
        assert "https://example.org/a?x=1&y=2" in push.text
        assert push.flat_buttons == ["已学习", "写心得"]
    async with h.sessions() as s:
        batches = list(
            await s.exec(select(DeliveryBatch).where(DeliveryBatch.kind == "study.push"))
        )
        assert len(batches) == 1
        assert batches[0].total == 4  # three members and the secretary

    # 已学习 records once; the repeated press says so.
    assert "已记录" in await h.press(a, "已学习")
    assert "已经记录过了" in await h.press(a, "已学习")
    # 写心得: too long is refused with the limit, the form asks again; then it is recorded.
    await h.press(b, "写心得")
    assert "心得" in b.last.text
    assert "1000" in b.last.text
    too_long = await h.send(b, "学" * 1001)
    assert "1001" in too_long.text
    assert "1000" in too_long.text
    reflection = "<b>深受教育</b> & 要学以致用"
    ok = await h.send(b, reflection)
    assert "已记录" in ok.text
    async with h.sessions() as s:
        records = list(await s.exec(select(StudyRecord).where(StudyRecord.item_id == item_id)))
        assert len(records) == 2
        by_reflection = [r for r in records if r.reflection]
        assert by_reflection[0].reflection == reflection  # stored exactly as typed
        assert all(r.completed_at is not None for r in records)

    # /study for the member who has not finished, and for one who has.
    mine = await h.send(c, "/study")
    assert "学习贯彻全会精神" in mine.text
    assert "未学习" in mine.text
    assert "1. 已学习" in mine.flat_buttons
    done = await h.send(a, "/study")
    assert "✅ 已学习" in done.text
    assert "1. 撤销" in done.flat_buttons

    # Secretary: completion in the branch, who has not finished, reflections (escaped).
    overview = await h.send(branch.secretary, "/studystatus")
    assert f"#{item_id}" in overview.text
    assert "2/4" in overview.text
    details = await h.send(branch.secretary, f"/studystatus {item_id}")
    assert "第一党支部党员3" in details.text
    assert "第一党支部书记" in details.text
    assert reflection in details.text
    assert "&lt;b&gt;深受教育&lt;/b&gt; &amp;" in details.html
    # Admin: the rate per branch.
    admin_view = await h.send(h.admin, f"/studystatus {item_id}")
    assert "第一党支部" in admin_view.text
    assert "2/4" in admin_view.text
    # /me shows the member's study line.
    me = await h.send(c, "/me")
    assert "学习" in me.text


async def test_undo_until_due_and_not_after(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    member = branch.members[0]
    item_id = await publish_as_secretary(h, branch, summary=None)
    await h.deliver()
    await h.press(member, "已学习")
    listing = await h.send(member, "/study")
    assert "已撤销" in await h.press(member, "1. 撤销", listing)
    listing = await h.send(member, "/study")
    assert "未学习" in listing.text
    await h.press(member, "1. 已学习", listing)
    # After the due date the item is closed and undo is refused.
    h.clock.advance(days=8)
    alert = await press_data(h, member, listing.message_id, f"study:{item_id}:undo")
    assert "截止" in alert
    async with h.sessions() as s:
        record = (await s.exec(select(StudyRecord))).one()
        assert record.completed_at is not None


async def test_buttons_outside_scope_and_forged_are_refused(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    item_id = await publish_as_secretary(h, first)
    await h.deliver()
    outsider = second.members[0]
    msg = await h.send(outsider, "/study")
    assert "没有待学习" in msg.text
    alert = await press_data(h, outsider, msg.message_id, f"study:{item_id}:done")
    assert "不是发给您所在支部" in alert
    assert "不是发给您所在支部" in await press_data(
        h, outsider, msg.message_id, f"study:{item_id}:reflect"
    )
    assert "已失效" in await press_data(h, outsider, msg.message_id, "study:abc:done")
    assert "已失效" in await press_data(h, outsider, msg.message_id, f"study:{item_id}:hack")
    # A member may not publish.
    refused = await h.send(first.members[0], "/newstudy 标题")
    assert "没有这项权限" in refused.text
    async with h.sessions() as s:
        assert (await s.exec(select(func.count()).select_from(StudyRecord))).one() == 0


async def test_quiet_hours_push_waits_for_the_study_time(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    h.clock.set(local(2026, 11, 27, 23, 0))
    await publish_as_secretary(h, branch, title="夜间发布的学习")
    text = branch.secretary.last.text
    assert "将于" in text
    assert "09:00" in text
    await h.deliver()
    assert pushes(branch.members[0], "夜间发布的学习") == []
    for when in (
        local(2026, 11, 27, 23, 30),
        local(2026, 11, 28, 7, 59),
        local(2026, 11, 28, 8, 30),
    ):
        h.clock.set(when)
        result = await study_jobs(h, when)
        assert result.pushed == 0
        await h.deliver()
    h.clock.set(local(2026, 11, 28, 9, 0))
    result = await study_jobs(h)
    assert result.pushed == 3
    await h.deliver()
    assert len(pushes(branch.members[0], "夜间发布的学习")) == 1
    # Run again: nothing more.
    assert (await study_jobs(h)).pushed == 0
    await h.deliver()
    assert len(pushes(branch.members[0], "夜间发布的学习")) == 1


async def test_early_publish_waits_for_the_branch_study_time(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    settings = await h.send(branch.secretary, "/studysettings time 10:30")
    assert "10:30" in settings.text
    h.clock.set(local(2026, 11, 28, 8, 15))
    await publish_as_secretary(h, branch, title="早上发布")
    assert "10:30" in branch.secretary.last.text
    h.clock.set(local(2026, 11, 28, 10, 29))
    assert (await study_jobs(h)).pushed == 0
    h.clock.set(local(2026, 11, 28, 10, 30))
    assert (await study_jobs(h)).pushed == 2
    await h.deliver()
    assert len(pushes(branch.members[0], "早上发布")) == 1


async def test_nudge_once_never_in_quiet_hours_and_due_report(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=3)
    a, b, c = branch.members
    # Published at 23:00: pushed at 09:00; due 7 days after publishing, at 23:00 local.
    h.clock.set(local(2026, 11, 27, 23, 0))
    item_id = await publish_as_secretary(h, branch, title="十二月学习")
    h.clock.set(local(2026, 11, 28, 9, 0))
    await study_jobs(h)
    await h.deliver()
    await h.press(a, "已学习")
    # The nudge window opens at 23:00 six days later: quiet hours, so nothing yet.
    h.clock.set(local(2026, 12, 3, 23, 0))
    assert (await study_jobs(h)).nudged == 0
    h.clock.set(local(2026, 12, 4, 7, 59))
    assert (await study_jobs(h)).nudged == 0
    # The morning: everyone not finished (b, c and the secretary) gets exactly one nudge.
    h.clock.set(local(2026, 12, 4, 8, 0))
    assert (await study_jobs(h)).nudged == 3
    assert (await study_jobs(h)).nudged == 0
    h.clock.set(local(2026, 12, 4, 12, 0))
    assert (await study_jobs(h)).nudged == 0
    await h.deliver()
    for m in (b, c):
        nudges = [x for x in m.bot_messages if "即将到期" in x.text]
        assert len(nudges) == 1
        assert nudges[0].flat_buttons == ["已学习", "写心得"]
    assert not [x for x in a.bot_messages if "即将到期" in x.text]
    await h.press(b, "已学习", next(x for x in b.bot_messages if "即将到期" in x.text))
    # Due at 23:00 (quiet): the report comes the next morning, once.
    h.clock.set(local(2026, 12, 4, 23, 0))
    assert (await study_jobs(h)).reported == 0
    h.clock.set(local(2026, 12, 5, 8, 0))
    assert (await study_jobs(h)).reported == 1
    assert (await study_jobs(h)).reported == 0
    await h.deliver()
    report = branch.secretary.last
    assert "已到截止时间" in report.text
    assert "第一党支部党员3" in report.text
    assert "第一党支部党员1" not in report.text
    assert "2/4" in report.text
    async with h.sessions() as s:
        kinds = dict(
            (
                await s.exec(
                    select(DeliveryBatch.kind, func.count())
                    .where(DeliveryBatch.subject_id == item_id)
                    .group_by(col(DeliveryBatch.kind))
                )
            ).all()
        )
        assert kinds == {"study.push": 1, "study.nudge": 1, "study.report": 1}


async def test_weekly_digest(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    reply = await h.send(branch.secretary, "/studysettings digest mon 08:30")
    assert "08:30" in reply.text
    bad = await h.send(branch.secretary, "/studysettings digest someday 25:00")
    assert "digest off" in bad.text
    await publish_as_secretary(h, branch, title="周汇总学习")
    await h.deliver()
    await h.press(branch.members[0], "已学习")
    # Sunday: nothing; Monday 08:29: nothing; Monday 08:30: the digest, once.
    h.clock.set(local(2026, 11, 29, 9, 0))
    assert (await study_jobs(h)).digested == 0
    h.clock.set(local(2026, 11, 30, 8, 29))
    assert (await study_jobs(h)).digested == 0
    h.clock.set(local(2026, 11, 30, 8, 30))
    assert (await study_jobs(h)).digested == 2
    assert (await study_jobs(h)).digested == 0
    await h.deliver()
    assert "周汇总学习" in branch.members[1].last.text
    assert "本周" in branch.members[1].last.text
    assert not [m for m in branch.members[0].bot_messages if "本周" in m.text]


async def test_admin_publishes_for_chosen_branches(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    await h.send(h.admin, "/newstudy")
    await h.send(h.admin, "党委统一学习")
    ask_link = h.admin.last
    assert "链接" in ask_link.text
    bad = await h.send(h.admin, "不是链接")
    assert "不是链接" in bad.text
    await h.send(h.admin, "https://example.org/b")
    preview = await write_summary(h, h.admin, "请各支部认真学习")
    assert "✅ 全部支部" in preview.flat_buttons
    assert "⬜ 第二党支部" in preview.flat_buttons
    await h.press(h.admin, "⬜ 第二党支部", preview)
    preview = h.admin.last
    assert "✅ 第二党支部" in preview.flat_buttons
    assert "⬜ 全部支部" in preview.flat_buttons
    publish_data = preview.find_button("发布")
    assert publish_data is not None
    await h.press(h.admin, "发布", preview)
    assert "第二党支部" in h.admin.last.text
    await h.deliver()
    assert pushes(second.members[0], "党委统一学习")
    assert not pushes(first.members[0], "党委统一学习")
    # A second press on the stale publish button changes nothing.
    alert = await press_data(h, h.admin, preview.message_id, publish_data["callback_data"])
    assert "已经发布" in alert
    async with h.sessions() as s:
        assert (await s.exec(select(func.count()).select_from(DeliveryBatch))).one() == 1


async def test_forms_survive_a_restart(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    async with start_bot(sim, engine) as h1:
        branch = await h1.setup_branch("第一党支部", members=1)
        member = branch.members[0]
        await publish_as_secretary(h1, branch, title="重启前发布")
        await h1.deliver()
        await h1.press(member, "写心得")
        ask = await h1.send(branch.secretary, "/newstudy 重启前的标题")
        assert "摘要" in ask.text
    async with start_bot(sim, engine) as h2:
        # Both half-filled forms were kept in the database.
        recorded = await h2.send(member, "重启后写的心得")
        assert "已记录" in recorded.text
        preview = await write_summary(h2, branch.secretary, "重启后写的摘要")
        assert "预览" in preview.text
        assert "重启前的标题" in preview.text
        await h2.press(branch.secretary, "发布", preview)
        await h2.deliver()
        assert pushes(member, "重启前的标题")
        async with h2.sessions() as s:
            record = (await s.exec(select(StudyRecord))).one()
            assert record.reflection == "重启后写的心得"


async def test_push_to_many_is_one_batch(h: Harness) -> None:
    """Every member of the branch in one outbox batch, one Delivery row each."""
    branch = await h.setup_branch("第一党支部", members=1)
    async with h.sessions() as s:
        from bot.services.org import member_by_telegram_id

        sec = await member_by_telegram_id(s, branch.secretary.user_id)
        assert sec is not None
        from bot.models import Member

        s.add_all(
            Member(
                telegram_user_id=900_000 + i,
                branch_id=sec.branch_id,
                name=f"m{i}",
                joined_at=h.clock.now(),
            )
            for i in range(300)
        )
        await s.commit()
    await publish_as_secretary(h, branch, title="大批量推送")
    async with h.sessions() as s:
        batches = list(
            await s.exec(select(DeliveryBatch).where(DeliveryBatch.kind == "study.push"))
        )
        assert len(batches) == 1
        count = (
            await s.exec(
                select(func.count()).select_from(Delivery).where(Delivery.batch_id == batches[0].id)
            )
        ).one()
        assert count == batches[0].total == 302
