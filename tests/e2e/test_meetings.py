"""三会一课 e2e: scheduling, notices, 出席/请假, leave approval, 签到, /attendance, refusals."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from bot.models import Attendance, Meeting
from schedules.meetings import send_due_reminders
from tests.harness import START, Harness

# START is Friday 2026-11-27 10:00 in Shanghai; the meeting is on Tuesday at 14:30.
MEETING_AT = START + timedelta(days=4, hours=4, minutes=30)  # 2026-12-01 06:30 UTC


async def schedule_quick(h: Harness, secretary, text: str = "/newmeeting 党员大会 2026-12-01 14:30 三楼会议室") -> int:  # type: ignore[no-untyped-def]
    preview = await h.send(secretary, text)
    assert "请核对会议信息" in preview.text, preview.text
    await h.press(secretary, "确认")
    done = secretary.last
    assert "已安排" in done.text, done.text
    async with h.sessions() as s:
        meeting = (await s.exec(select(Meeting).order_by(Meeting.id.desc()))).first()  # type: ignore[union-attr]
        assert meeting is not None
        assert meeting.id is not None
        return meeting.id


async def test_secretary_and_member_whole_flow(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=3)
    sec = branch.secretary
    a, b, c = branch.members
    meeting_id = await schedule_quick(h, sec)
    await h.deliver()
    notice = a.last
    assert "会议通知" in notice.text
    assert "支部党员大会" in notice.text
    assert "2026-12-01 14:30" in notice.text
    assert "三楼会议室" in notice.text
    assert notice.flat_buttons == ["出席", "请假", "签到"]
    assert "会议通知" in sec.last.text  # the secretary is invited too

    assert await h.press(a, "出席") == "已记录：您将出席。"
    assert await h.press(a, "出席") == "已记录过：您将出席。"

    await h.press(b, "请假")
    assert "请假事由" in b.last.text
    await h.send(b, "出差<外地>")
    assert "已提交给书记" in b.last.text
    request = sec.last
    assert "请假申请" in request.text
    assert "出差<外地>" in request.text  # shown exactly as typed, escaped in HTML
    assert "&lt;外地&gt;" in request.html
    await h.press(sec, "批准", request)
    assert "已批准" in sec.last.text
    assert "已批准" in b.last.text

    # 签到 opens 30 minutes before the start.
    h.clock.set(MEETING_AT - timedelta(minutes=40))
    early = await h.press(a, "签到", notice)
    assert "签到将于" in early
    h.clock.set(MEETING_AT - timedelta(minutes=10))
    assert "已签到" in await h.press(a, "签到", notice)
    assert "已记录过" in await h.press(a, "签到", notice)
    h.clock.set(MEETING_AT + timedelta(minutes=5))
    assert "迟到" in await h.press(c, "签到")

    h.clock.set(MEETING_AT + timedelta(hours=3))
    report = await h.send(sec, f"/attendance {meeting_id}")
    text = report.text
    assert "出席（1）" in text or "到会（1）" in text, text
    assert "迟到（1）" in text
    assert "出差<外地>" in text
    assert "缺席（0）" not in text
    async with h.sessions() as s:
        n = (await s.exec(select(func.count()).select_from(Attendance).where(Attendance.checked_in_at.is_not(None)))).one()  # type: ignore[union-attr]
        assert n == 2
