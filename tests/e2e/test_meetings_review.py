"""三会一课, found in review: reminders' wording and timing, reschedule after check-in,
busy branches in /meetings, party groups in large branches, guided form without groups."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import Attendance, Member, PartyGroup
from schedules.meetings import send_due_reminders
from tests.e2e.test_meetings import MEETING_AT, schedule_quick
from tests.harness import Harness


async def test_reminder_says_the_real_time_left_and_skips_marks_before_the_notice(
    h: Harness,
) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec, a = branch.secretary, branch.members[0]
    # Scheduled 3 hours ahead: the notice itself is the "24 h" reminder.
    h.clock.set(MEETING_AT - timedelta(hours=3))
    await schedule_quick(h, sec, "/newmeeting 党课 2026-12-01 14:30")
    await h.deliver()
    assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 0
    h.clock.set(MEETING_AT - timedelta(minutes=59, seconds=30))
    assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 2
    await h.deliver()
    assert "1 小时后" in a.last.text, a.last.text


async def test_late_reminder_does_not_claim_24_hours(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec, a = branch.secretary, branch.members[0]
    await schedule_quick(h, sec, "/newmeeting 党课 2026-12-01 14:30")
    await h.deliver()
    # The bot was down at the 24 h mark and comes back 5 hours later.
    h.clock.set(MEETING_AT - timedelta(hours=19))
    assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 2
    await h.deliver()
    assert "19 小时后" in a.last.text, a.last.text
    assert "24 小时后" not in a.last.text


async def test_reschedule_after_checkin_opened_clears_checkins(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec, a, b = branch.secretary, *branch.members
    meeting_id = await schedule_quick(h, sec)
    await h.deliver()
    await h.press(b, "出席")
    h.clock.set(MEETING_AT - timedelta(minutes=10))
    assert "已签到" in await h.press(a, "签到")
    reply = await h.send(sec, f"/reschedule {meeting_id} 2026-12-08 14:30")
    assert "已改到" in reply.text, reply.text
    await h.deliver()
    async with h.sessions() as s:
        rows = (await s.exec(select(Attendance).where(Attendance.meeting_id == meeting_id))).all()
    assert all(r.checked_in_at is None for r in rows)
    assert {r.rsvp for r in rows if r.member_id} >= {"attend"}  # answers carry over
    # At the new time a.can check in again.
    h.clock.set(MEETING_AT + timedelta(days=7, minutes=-5))
    assert "已签到" in await h.press(a, "签到")


async def test_busy_branch_still_sees_upcoming_meetings(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    h.clock.set(MEETING_AT - timedelta(days=30))
    for day in range(25):
        date = (MEETING_AT - timedelta(days=29 - day)).date().isoformat()
        await h.send(sec, f"/newmeeting 党课 {date} 14:30")
        await h.press(sec, "确认")
    h.clock.set(MEETING_AT - timedelta(hours=2))
    await h.send(sec, "/newmeeting 党员大会 2026-12-20 09:00 大会议室")
    await h.press(sec, "确认")
    listing = await h.send(sec, "/meetings")
    assert "大会议室" in "\n".join(m.text for m in sec.bot_messages[-3:]), listing.text
    mine = await h.send(branch.members[0], "/meetings")
    assert "大会议室" in "\n".join(m.text for m in branch.members[0].bot_messages[-3:]), mine.text


async def test_guided_group_meeting_without_groups_says_so(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    await h.send(sec, "/newmeeting")
    answer = await h.press(sec, "党小组会")
    assert "还没有党小组" in answer + sec.last.text, (answer, sec.last.text)
    assert "召开哪类会议" in sec.last.text


async def _branch_of_300(h: Harness):  # type: ignore[no-untyped-def]
    branch = await h.setup_branch("第一党支部", members=1)
    async with h.sessions() as s:
        sec = (
            await s.exec(select(Member).where(Member.telegram_user_id == branch.secretary.id))
        ).one()
        s.add_all(
            Member(
                telegram_user_id=900_000 + i,
                branch_id=sec.branch_id,
                name=f"<b>党员&{i:03d}号</b>",
                joined_at=h.clock.now(),
            )
            for i in range(300)
        )
        await s.commit()
    return branch


async def test_large_branch_groups_committee_and_invitees(h: Harness) -> None:
    branch = await _branch_of_300(h)
    sec = branch.secretary
    await h.send(sec, "/groups new 第一小组")
    async with h.sessions() as s:
        group = (await s.exec(select(PartyGroup))).one()
        for m in (await s.exec(select(Member).where(Member.telegram_user_id >= 900_000))).all():
            m.party_group_id = group.id
            s.add(m)
        await s.commit()
    view = await h.send(sec, "/groups")  # was: "message is too long", the secretary saw an error
    assert "第一小组（300）" in view.text, view.text
    assert "&lt;b&gt;党员&amp;000号" in view.html
    assert "还有 270 人" in view.text
    # 支委: every person can be reached, a page at a time.
    await h.send(sec, "/committee")
    assert "· <b>党员&299号</b>" not in sec.last.flat_buttons
    for _ in range(5):  # 302 people, 60 a page
        await h.press(sec, "▶")
    assert "◀" in sec.last.flat_buttons
    await h.press(sec, "· <b>党员&299号</b>")
    assert "已设为支委" in sec.callback_answers[-1]
    assert "✓ <b>党员&299号</b>" in sec.last.flat_buttons  # stays on the page it was on
    # Invitees: the guided form reaches the last person of the branch too.
    await h.send(sec, "/newmeeting")
    await h.press(sec, "支部党员大会")
    await h.send(sec, "2026-12-01")
    await h.send(sec, "14:30")
    await h.press(sec, "2 小时")
    await h.send(sec, "会议室")
    await h.send(sec, "第一议题")
    await h.press(sec, "按钮签到")
    assert "参会人：302 / 302" in sec.last.text
    for _ in range(5):
        await h.press(sec, "▶")
    await h.press(sec, "✓ <b>党员&299号</b>")
    assert "参会人：301 / 302" in sec.last.text
    assert "· <b>党员&299号</b>" in sec.last.flat_buttons
    await h.press(sec, "完成")
    assert "参会人（301）" in sec.last.text


async def test_long_minutes_with_html_characters_are_shown(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    meeting_id = await schedule_quick(h, sec)
    h.clock.set(MEETING_AT + timedelta(hours=3))
    await h.send(sec, f"/minutes {meeting_id}")
    minutes = ("A&B<c> " * 600)[:3990] + "完"
    await h.send(sec, minutes)
    assert "会议记录已保存" in sec.last.text
    await h.send(sec, f"/attendance {meeting_id}")  # was: Telegram refused a cut "&amp;"
    shown = "".join(m.text.replace("\n", "") for m in sec.bot_messages[-3:])
    assert minutes.replace("\n", "") in shown


async def test_leave_button_does_not_swallow_a_half_filled_form(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    await schedule_quick(h, sec)
    await h.deliver()
    notice = sec.last
    await h.send(sec, "/newmeeting")
    await h.press(sec, "党课")
    await h.send(sec, "2026-12-09")
    assert "请先完成" in await h.press(sec, "请假", notice)
    await h.send(sec, "14:30")  # still the start time of the new meeting, not a leave reason
    assert "多长时间" in sec.last.text
    async with h.sessions() as s:
        assert all(a.rsvp is None for a in (await s.exec(select(Attendance))).all())


async def test_withdrawn_leave_mark_absent_admin_view_and_month_boundary(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec, a, b = branch.secretary, *branch.members
    # 00:30 on 1 December in Shanghai is still 30 November in UTC.
    meeting_id = await schedule_quick(h, sec, "/newmeeting 党课 2026-12-01 00:30 礼堂")
    await h.deliver()
    await h.press(a, "请假")
    await h.send(a, "家中有事")
    await h.deliver()  # the request reaches the secretary through the outbox
    request = sec.last
    await h.press(a, "出席", a.bot_messages[-3])  # changes their mind before the start
    assert "已撤回" in await h.press(sec, "批准", request)
    starts = MEETING_AT.replace(hour=0, minute=0) - timedelta(hours=7, minutes=30)
    h.clock.set(starts + timedelta(minutes=5))
    await h.press(b, "签到")
    await h.send(sec, f"/attendance {meeting_id}")
    await h.press(sec, "补登到会 / 缺席")
    page = sec.last
    assert page.flat_buttons[0].endswith("第一党支部书记")
    assert await h.press(sec, "缺席", page) == "第一党支部书记：缺席"  # the first row, by hand
    h.clock.set(starts + timedelta(days=1))
    report = await h.send(h.admin, f"/attendance 第一党支部 {meeting_id}")
    assert "缺席（2）" in report.text, report.text  # by hand, and a said 出席 but never came
    assert "迟到（1）" in report.text
    december = await h.send(h.admin, "/attendance 第一党支部 2026-12")
    assert "已召开 1 次会议" in december.text, december.text
    november = await h.send(h.admin, "/attendance 第一党支部 2026-11")
    assert "已召开 0 次会议" in november.text, november.text


async def test_old_leave_message_cannot_decide_a_newer_request(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec, b = branch.secretary, branch.members[0]
    meeting_id = await schedule_quick(h, sec)
    await h.deliver()
    notice = b.last
    await h.press(b, "请假", notice)
    await h.send(b, "出差")
    await h.deliver()  # each request reaches the secretary through the outbox
    first = sec.last
    assert "出差" in first.text, first.text
    assert await h.press(b, "出席", notice) == "已记录：您将出席。"  # withdraws
    await h.press(b, "请假", notice)
    await h.send(b, "生病")
    await h.deliver()
    second = sec.last
    assert "生病" in second.text, second.text
    assert second is not first

    async def state() -> tuple[str | None, str | None, str | None]:
        async with h.sessions() as s:
            row = (
                await s.exec(select(Attendance).where(Attendance.meeting_id == meeting_id))
            ).all()
            a = next(r for r in row if r.leave_reason is not None)
            return a.rsvp, a.leave_reason, a.leave_status

    told = len(b.bot_messages)
    for label in ("批准", "不批准"):
        alert = await h.press(sec, label, first)
        assert "这条请假申请已撤回或已更新，请以最新的申请为准" in alert, alert
        assert sec.callback_answers[-1].show_alert
    assert await state() == ("leave", "生病", "pending")
    await h.deliver()
    assert len(b.bot_messages) == told  # the member was told nothing
    assert "出差" in first.text  # the old message is left as it was
    assert first.flat_buttons

    # The same reason again, a minute later, is a new request too.
    h.clock.advance(minutes=1)
    await h.press(b, "出席", notice)
    await h.press(b, "请假", notice)
    await h.send(b, "生病")
    await h.deliver()
    third = sec.last
    assert third is not second
    assert "已撤回或已更新" in await h.press(sec, "批准", second)
    assert await state() == ("leave", "生病", "pending")

    await h.press(sec, "批准", third)
    assert "已批准" in sec.last.text
    await h.deliver()  # the decision reaches the member through the outbox
    assert "已批准" in b.last.text
    assert await state() == ("leave", "生病", "approved")
    # The old messages still cannot touch the decided request.
    assert "已撤回或已更新" in await h.press(sec, "不批准", first)
    assert await state() == ("leave", "生病", "approved")
