"""三会一课 in the new shape: leave through the outbox (the secretary may have blocked the
bot), the newer meeting kinds in the quick and the guided form, confirmations that say
what was done (in both languages)."""

from __future__ import annotations

from sqlmodel import select

from bot.models import (
    Attendance,
    Delivery,
    DeliveryBatch,
    DeliveryStatus,
    LeaveStatus,
    Meeting,
    MeetingKind,
    Member,
    Rsvp,
)
from tests.e2e.test_meetings import MEETING_AT, schedule_quick
from tests.harness import Harness


async def _deliveries(h: Harness, kind: str) -> list[tuple[Delivery, Member | None]]:
    async with h.sessions() as s:
        rows = await s.exec(
            select(Delivery, Member)
            .join(DeliveryBatch, DeliveryBatch.id == Delivery.batch_id)  # type: ignore[arg-type]
            .join(Member, Member.id == Delivery.member_id, isouter=True)  # type: ignore[arg-type]
            .where(DeliveryBatch.kind == kind)
        )
        return list(rows.all())


async def test_leave_request_to_a_secretary_who_blocked_the_bot(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec, a, b = branch.secretary, *branch.members
    meeting_id = await schedule_quick(h, sec)
    await h.deliver()
    await sec.block()
    await h.settle()
    await h.press(b, "请假")
    await h.send(b, "出差")
    assert "您的请假申请已提交给书记" in b.last.text, b.last.text
    await h.deliver()
    assert not any("抱歉" in m.text for m in b.bot_messages), b.transcript()
    assert "已提交给书记" in b.last.text  # nothing came after the answer
    async with h.sessions() as s:
        row = (
            await s.exec(
                select(Attendance)
                .join(Member, Member.id == Attendance.member_id)  # type: ignore[arg-type]
                .where(Attendance.meeting_id == meeting_id, Member.telegram_user_id == b.id)
            )
        ).one()
    assert (row.rsvp, row.leave_reason, row.leave_status) == (
        Rsvp.leave,
        "出差",
        LeaveStatus.pending,
    )
    [(delivery, to)] = await _deliveries(h, "meetings.leave_request")
    assert to is not None
    assert to.telegram_user_id == sec.id
    assert delivery.status == DeliveryStatus.blocked
    assert delivery.attempts == 1  # a blocked chat is not retried
    # The other member's answers are unaffected.
    assert await h.press(a, "出席") == "已记录：您将出席。"


async def test_leave_decision_reaches_the_member_through_the_outbox(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec, b = branch.secretary, branch.members[0]
    await schedule_quick(h, sec)
    await h.deliver()
    await h.press(b, "请假")
    await h.send(b, "住院")
    await h.deliver()
    await h.press(sec, "不批准", sec.last)
    assert "未批准" in sec.last.text
    told = len(b.bot_messages)
    [(delivery, to)] = await _deliveries(h, "meetings.leave_decision")
    assert to is not None
    assert to.telegram_user_id == b.id
    assert delivery.status == DeliveryStatus.pending  # written with the decision
    await h.deliver()
    assert len(b.bot_messages) == told + 1
    assert "请假未批准" in b.last.text, b.last.text
    await h.deliver()
    assert len(b.bot_messages) == told + 1


async def test_party_day_by_the_quick_form(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec, a = branch.secretary, branch.members[0]
    preview = await h.send(sec, "/newmeeting 主题党日 2026-12-01 14:30 党群服务中心")
    assert "类型：主题党日" in preview.text, preview.text
    await h.press(sec, "确认")
    assert sec.last.text == (
        "✅ 已安排主题党日 #1：2026-12-01 14:30，党群服务中心；正在向 3 人发送通知。"
    ), sec.last.text
    await h.deliver()
    assert "主题党日" in a.last.text
    assert a.last.flat_buttons == ["出席", "请假", "签到"]
    h.clock.set(MEETING_AT.replace(minute=20))
    assert "已签到" in await h.press(a, "签到")
    h.clock.set(MEETING_AT.replace(hour=12))
    report = await h.send(sec, "/attendance 2026-12")
    assert "主题党日（1 次）" in report.text, report.text


async def test_party_day_by_the_guided_form(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    ask = await h.send(sec, "/newmeeting")
    kinds = ask.buttons[:-1]
    assert kinds == [
        ["支部党员大会", "支委会"],
        ["党小组会", "党课"],
        ["主题党日", "组织生活会"],
        ["民主评议党员", "培训"],
    ]
    await h.press(sec, "主题党日")
    await h.send(sec, "2026-12-05")
    await h.send(sec, "09:00")
    await h.press(sec, "2 小时")
    await h.send(sec, "红色教育基地")
    await h.send(sec, "重温入党誓词")
    await h.press(sec, "按钮签到")
    await h.press(sec, "完成")
    assert "类型：主题党日" in sec.last.text
    await h.press(sec, "确认")
    assert "✅ 已安排主题党日 #1：2026-12-05 09:00，红色教育基地；正在向 2 人发送通知" in (
        sec.last.text
    )
    async with h.sessions() as s:
        meeting = (await s.exec(select(Meeting))).one()
    assert meeting.kind == MeetingKind.theme_day
    assert meeting.first_topic == "重温入党誓词"
    # The other new kinds can be typed too.
    for word in ("组织生活会", "民主评议党员", "培训"):
        preview = await h.send(sec, f"/newmeeting {word} 2026-12-06 09:00")
        assert f"类型：{word}" in preview.text, preview.text


async def test_confirmations_say_what_was_done(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec = branch.secretary
    meeting_id = await schedule_quick(h, sec, "/newmeeting 支委会 2026-12-01 14:30 会议室")
    reply = await h.send(sec, f"/reschedule {meeting_id} 2026-12-04 10:00")
    assert reply.text == (
        f"✅ 支委会 #{meeting_id} 已改到 2026-12-04 10:00（原定 2026-12-01 14:30），会议室；"
        "正在通知 1 位参会人，原有答复继续有效。"
    ), reply.text
    await h.send(sec, f"/cancelmeeting {meeting_id}")
    await h.press(sec, "确认")
    assert sec.last.text == (
        f"✅ 已取消支委会 #{meeting_id}（原定 2026-12-04 10:00，会议室）；正在通知 1 位参会人。"
    ), sec.last.text


async def test_confirmations_in_english(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    await h.send(sec, "/lang")
    await h.press(sec, "English")
    preview = await h.send(sec, "/newmeeting 主题党日 2026-12-01 14:30")
    assert "Kind: party day" in preview.text, preview.text
    await h.press(sec, "Confirm")
    assert sec.last.text == (
        "✅ Scheduled party day #1: 1 Dec 2026, 14:30, place not set; "
        "notices are going out to 2 people."
    ), sec.last.text
    reply = await h.send(sec, "/reschedule 1 2026-12-02 15:00")
    assert reply.text.startswith(
        "✅ Moved party day #1 to 2 Dec 2026, 15:00 (was 1 Dec 2026, 14:30)"
    ), reply.text
    await h.send(sec, "/cancelmeeting 1")
    await h.press(sec, "Confirm")
    assert sec.last.text.startswith("✅ Cancelled party day #1 (2 Dec 2026, 15:00"), sec.last.text
