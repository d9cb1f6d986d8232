"""组织生活 calendar e2e: rules, exemptions, /calendar, 规范执行率, reminders exactly once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.models import AuditLog, FormState, MeetingKind
from schedules.oversight import run_oversight_jobs
from simulator import BotAPISimulator
from tests.e2e.oversight_support import add_meeting, backdate_branch, local
from tests.harness import Harness, start_bot


async def test_rules_shown_changed_and_audited(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    shown = (await h.send(h.admin, "/rules")).text
    assert "支委会：每月至少 1 次" in shown
    assert "党员大会：每季度至少 1 次" in shown
    assert "党小组会：每月至少 1 次（仅限设有党小组的支部）" in shown
    assert "组织生活会：每年至少 1 次" in shown
    changed = (await h.send(h.admin, "/rules 党课 季度 2")).text
    assert "原为：党课：每季度至少 1 次" in changed
    assert "现为：党课：每季度至少 2 次" in changed
    assert "党课：每季度至少 2 次" in (await h.send(h.admin, "/rules")).text
    assert "不是周期" in (await h.send(h.admin, "/rules 党课 每周 2")).text
    assert "不是会议类型" in (await h.send(h.admin, "/rules 茶话会 月 1")).text
    async with h.sessions() as s:
        entry = (await s.exec(select(AuditLog).where(AuditLog.action == "oversight.rule"))).one()
        assert entry.details == {"from": ["quarter", 1], "to": ["quarter", 2]}
    for person in (branch.secretary, branch.members[0]):
        assert "没有这项权限" in (await h.send(person, "/rules")).text
        assert "没有这项权限" in (await h.send(person, "/exempt")).text
    assert "没有这项权限" in (await h.send(branch.members[0], "/calendar")).text


async def test_calendar_rate_and_exemption(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=2)
    other = await h.setup_branch("第二党支部", members=1)
    await backdate_branch(h, "第一党支部", local(2026, 1, 1))
    # A 支委会 in every month to October; October's is exactly at midnight starting
    # November, so it counts for November and October is missed.
    for month in range(1, 10):
        await add_meeting(h, "第一党支部", MeetingKind.committee, local(2026, month, 10, 14))
    await add_meeting(h, "第一党支部", MeetingKind.committee, local(2026, 11, 1, 0, 0))
    await add_meeting(h, "第一党支部", MeetingKind.theme_day, local(2026, 9, 30, 23, 59))
    await add_meeting(h, "第一党支部", MeetingKind.assembly, local(2026, 3, 31, 23, 30))
    await add_meeting(h, "第一党支部", MeetingKind.assembly, local(2026, 7, 1, 0, 0), checkins=2)
    # Cancelled-like: a meeting with no check-ins nor minutes is not held.
    await add_meeting(h, "第一党支部", MeetingKind.assembly, local(2026, 5, 1, 9), held=False)
    await add_meeting(h, "第一党支部", MeetingKind.committee, local(2026, 11, 29, 9), held=False)

    admin_view = (await h.send(h.admin, "/calendar 第一党支部 2026-10")).text
    assert "支委会 · 2026-10：应召开 1，已召开 0，已安排 0，未召开 1" in admin_view
    assert "党员大会 · 2026-Q4：应召开 1，已召开 0" in admin_view
    nov = (await h.send(h.admin, "/calendar 第一党支部 2026-11")).text
    assert "支委会 · 2026-11：应召开 1，已召开 1，已安排 1，未召开 0" in nov
    q3 = (await h.send(h.admin, "/calendar 第一党支部 2026-Q3")).text
    assert "主题党日 · 2026-09：应召开 1，已召开 1" in q3
    assert "党员大会 · 2026-Q3：应召开 1，已召开 1" in q3
    q1 = (await h.send(h.admin, "/calendar 第一党支部 2026-Q1")).text
    assert "党员大会 · 2026-Q1：应召开 1，已召开 1" in q1
    # 2026 so far (now 2026-11-27): closed periods Jan–Oct for monthly rules, Q1–Q3 for
    # quarterly; November's 支委会 is already met and counts. 支委会 9+1 of 11, 主题党日
    # 1 of 10, 党员大会 2 of 3 (Q1, Q3), 党课 0 of 3: 13 / 27.
    assert "2026 年至今规范执行率：13/27" in nov
    # Exempting October's 支委会 takes that period out: 13 / 26.
    done = (await h.send(h.admin, "/exempt 第一党支部 支委会 2026-10 书记住院")).text
    assert "已记录豁免：第一党支部 · 支委会 · 2026-10：书记住院" in done
    again = (await h.send(h.admin, "/calendar 第一党支部 2026-10")).text
    assert "2026 年至今规范执行率：13/26" in again
    assert "豁免：书记住院" in again
    assert "1 个豁免期间不计入" in again
    assert "已豁免" in (await h.send(h.admin, "/exempt 第一党支部 支委会 2026-10 再来")).text
    assert "不是季度" in (await h.send(h.admin, "/exempt 第一党支部 党员大会 2026-10 x")).text
    listed = (await h.send(h.admin, "/exempt")).text
    assert "第一党支部 · 支委会 · 2026-10：书记住院" in listed
    async with h.sessions() as s:
        assert (await s.exec(select(AuditLog).where(AuditLog.action == "oversight.exempt"))).one()
    # The other branch's secretary sees only their own branch.
    own = (await h.send(other.secretary, "/calendar")).text
    assert "第二党支部" in own
    assert "第一党支部" not in own
    assert "只能查看本支部" in (await h.send(other.secretary, "/calendar 第一党支部")).text
    picker = await h.send(h.admin, "/calendar")  # an admin names no branch: a button each
    assert "请选择支部" in picker.text
    assert picker.flat_buttons == ["第一党支部", "第二党支部"]


async def test_reminders_once_across_restart_with_a_button(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch("第一党支部", members=1)
        await add_meeting(
            h, "第一党支部", MeetingKind.theme_day, local(2026, 11, 29, 9), held=False
        )
        # Friday 27 November 10:00: November ends in 3 days 14 hours → the 10-day reminder.
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        first = next(m.text for m in branch.secretary.bot_messages if "组织生活提醒" in m.text)
        assert "2026-11 的支委会尚未召开也未安排" in first
        assert "主题党日" not in first  # scheduled on the 29th
        assert "2026-Q4" not in first  # 34 days left
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
    async with start_bot(sim, engine) as h:
        before = len(branch.secretary.bot_messages)
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(branch.secretary.bot_messages) == before
        # Saturday 28 November 18:00 (2 days 6 hours left): the 3-day reminder, once.
        h.clock.set(local(2026, 11, 28, 18))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        reminders = [m for m in branch.secretary.bot_messages if "组织生活提醒" in m.text]
        assert len(reminders) == 2
        # The button opens /newmeeting with the kind chosen: the form asks for the day.
        await h.press(branch.secretary, "安排支委会", reminders[-1])
        assert "YYYY-MM-DD" in branch.secretary.last.text
        async with h.sessions() as s:
            state = (await s.exec(select(FormState))).one()
            assert state.form == "meeting"
            assert state.data["kind"] == "committee"
        # A member pressing a forged copy is refused.
        member = branch.members[0]
        await h.send(member, "/me")
        await member.press_data(member.last.message_id, "ovm:committee")
        await h.settle()
        assert "没有这项权限" in str(member.callback_answers[-1])


async def test_year_end_boundary_in_shanghai(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    await backdate_branch(h, "第一党支部", local(2026, 1, 1))
    # 23:59 on 31 December belongs to 2026; local midnight starting 2027 to 2027 (it is
    # 16:00 UTC on 31 December, which a UTC calendar would put in 2026).
    await add_meeting(h, "第一党支部", MeetingKind.life_meeting, local(2026, 12, 31, 23, 59))
    await add_meeting(h, "第一党支部", MeetingKind.member_review, local(2027, 1, 1, 0, 0))
    h.clock.set(local(2027, 1, 2, 9))
    y2026 = (await h.send(h.admin, "/calendar 第一党支部 2026")).text
    assert "组织生活会 · 2026：应召开 1，已召开 1" in y2026
    assert "民主评议党员 · 2026：应召开 1，已召开 0，已安排 0，未召开 1" in y2026
    y2027 = (await h.send(h.admin, "/calendar 第一党支部 2027")).text
    assert "民主评议党员 · 2027：应召开 1，已召开 1" in y2027
    # Quarter end: the last minute of Q4 is Q4; the 3-day reminder for Q1 2027 is not due.
    await add_meeting(h, "第一党支部", MeetingKind.assembly, local(2026, 12, 31, 23, 59))
    q4 = (await h.send(h.admin, "/calendar 第一党支部 2026-Q4")).text
    assert "支部党员大会 · 2026-Q4：应召开 1，已召开 1" in q4


async def test_a_reader_in_english_sees_english_headings(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    secretary = branch.secretary
    await h.send(secretary, "/lang")
    await h.press(secretary, "English")
    shown = (await h.send(secretary, "/calendar")).text
    assert shown.startswith("Party life calendar (组织生活) · 第一党支部 · 2026-")
    assert "组织生活 calendar" not in shown
    help_text = (await h.send(secretary, "/help")).text
    assert "Party life calendar (组织生活): /calendar [period]" in help_text
    assert "your annual report (述职报告)" in help_text
    assert "组织生活 calendar" not in help_text
    report = (await h.send(secretary, "/annualreport")).text
    assert "No annual review (述职评议) has been opened yet." in report
