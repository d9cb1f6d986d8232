"""三会一课 e2e: scheduling, notices, 出席/请假, leave approval, 签到, /attendance, refusals."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from bot.models import Attendance, Meeting
from schedules.meetings import send_due_reminders
from tests.harness import START, Harness

# START is Friday 2026-11-27 10:00 in Shanghai; the meeting is on Tuesday at 14:30.
MEETING_AT = START + timedelta(days=4, hours=4, minutes=30)  # 2026-12-01 06:30 UTC


async def schedule_quick(
    h: Harness, secretary, text: str = "/newmeeting 党员大会 2026-12-01 14:30 三楼会议室"
) -> int:  # type: ignore[no-untyped-def]
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
    await h.deliver()  # the request reaches the secretary through the outbox
    request = sec.last
    assert "请假申请" in request.text
    assert "出差<外地>" in request.text  # shown exactly as typed, escaped in HTML
    assert "&lt;外地&gt;" in request.html
    await h.press(sec, "批准", request)
    assert "已批准" in sec.last.text
    await h.deliver()  # and the decision reaches the member
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
        n = (
            await s.exec(
                select(func.count())
                .select_from(Attendance)
                .where(Attendance.checked_in_at.is_not(None))
            )
        ).one()  # type: ignore[union-attr]
        assert n == 2


async def test_guided_form_survives_restart_and_refuses_bad_input(sim, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.harness import start_bot

    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch("第二党支部", members=2)
        sec = branch.secretary
        ask = await h.send(sec, "/newmeeting")
        assert "召开哪类会议" in ask.text
        await h.send(sec, "党委会")
        assert any("不是会议类型" in m.text for m in sec.bot_messages[-2:])
        assert "召开哪类会议" in sec.last.text  # asked again
        await h.press(sec, "党课")
        assert "哪一天" in sec.last.text
        await h.send(sec, "2026-02-30")
        assert any("日历上没有 2026-02-30" in m.text for m in sec.bot_messages[-2:])
        await h.send(sec, "2026-11-01")
        assert any("已经过去" in m.text for m in sec.bot_messages[-2:])
        assert "哪一天" in sec.last.text
        await h.send(sec, "2026-12-03")
        assert "几点开始" in sec.last.text
    # The bot restarts halfway through the form.
    async with start_bot(sim, engine) as h:
        await h.send(sec, "25:00")
        assert any("不是有效的时间" in m.text for m in sec.bot_messages[-2:])
        await h.send(sec, "9:00")
        assert "多长时间" in sec.last.text
        await h.send(sec, "随便")  # text where a choice is expected
        assert any("请点按钮" in m.text for m in sec.bot_messages[-2:])
        await h.press(sec, "1.5 小时" if "1.5 小时" in sec.last.flat_buttons else "90 分钟")
        assert "在哪里开" in sec.last.text
        await h.send(sec, "党群服务中心 <二楼>")
        await h.send(sec, "学习习近平总书记重要讲话精神")
        assert "怎样签到" in sec.last.text
        await h.send(sec, "按钮")
        assert any("请点上面的按钮" in m.text for m in sec.bot_messages[-2:])
        await h.press(sec, "签到码签到")
        picker = sec.last
        assert "参会人：3 / 3" in picker.text
        await h.press(sec, "✓ 第二党支部党员2")
        assert "参会人：2 / 3" in sec.last.text
        await h.press(sec, "完成")
        preview = sec.last
        assert "请核对会议信息" in preview.text
        assert "党群服务中心 <二楼>" in preview.text
        assert "2026-12-03 09:00–10:30" in preview.text
        await h.press(sec, "修改")
        await h.press(sec, "地点")
        await h.send(sec, "线上 https://meeting.example/abc")
        assert "线上 https://meeting.example/abc" in sec.last.text
        await h.press(sec, "确认")
        assert "签到码" in sec.last.text
        await h.deliver()
        assert "会议通知" in branch.members[0].last.text
        assert "签到" not in branch.members[0].last.flat_buttons  # code check-in: no button
        assert all("会议通知" not in m.text for m in branch.members[1].bot_messages)
        # The stale preview cannot save a second meeting.
        assert "已失效" in await h.press(sec, "确认", preview)
        async with h.sessions() as s:
            n = (await s.exec(select(func.count()).select_from(Meeting))).one()
            assert n == 1


async def test_reminders_once_each_and_not_to_approved_leave(sim, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.harness import start_bot

    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch("第三党支部", members=2)
        sec, a, b = branch.secretary, *branch.members
        await schedule_quick(h, sec, "/newmeeting 党课 2026-12-01 14:30")
        await h.deliver()
        await h.press(b, "请假")
        await h.send(b, "住院")
        await h.deliver()
        await h.press(sec, "批准")
        await h.deliver()
        before = {u.id: len(u.bot_messages) for u in (sec, a, b)}
        h.clock.set(MEETING_AT - timedelta(hours=23))
        assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 2
        assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 0
        await h.deliver()
        assert "提醒" in a.last.text
        assert "23 小时后" in a.last.text  # the time actually left, not the 24 h mark
        assert a.last.flat_buttons == ["出席", "请假", "签到"]
        assert len(b.bot_messages) == before[b.id]  # approved leave: no reminder
    async with start_bot(sim, engine) as h:
        h.clock.set(MEETING_AT - timedelta(hours=22))
        assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 0
        h.clock.set(MEETING_AT - timedelta(minutes=50))
        assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 2
        assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 0
        await h.deliver()
        assert "50 分钟后" in a.last.text
        assert "签到将于 2026-12-01 14:00 开始" in await h.press(a, "签到")
        h.clock.set(MEETING_AT - timedelta(minutes=20))
        assert "已签到" in await h.press(a, "签到")
        h.clock.set(MEETING_AT + timedelta(minutes=1))
        assert await send_due_reminders(h.app.bot_data, now=h.clock.now()) == 0
        reminders = [m for m in a.bot_messages if "提醒" in m.text]
        assert len(reminders) == 2
        assert not any("提醒" in m.text for m in b.bot_messages)


async def test_refusals_forged_foreign_and_redelivered(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=2)
    two = await h.setup_branch("第二党支部", members=1)
    meeting_id = await schedule_quick(h, one.secretary)
    await h.deliver()
    stranger = two.members[0]
    notice = one.members[0].last
    # A member of another branch forges the notice's buttons.
    msg = await h.send(stranger, "/meetings")
    before = len(stranger.callback_answers)
    await stranger.press_data(msg.message_id, f"mt:{meeting_id}:yes")
    await h.settle()
    assert "不是这次会议的参会人" in stranger.callback_answers[before]
    await stranger.press_data(msg.message_id, "mt:99999999:in")
    await h.settle()
    assert "不是这次会议的参会人" in stranger.callback_answers[-1]
    await stranger.press_data(msg.message_id, "mt:abc:in")
    await h.settle()
    assert "已失效" in stranger.callback_answers[-1]
    # A member cannot decide leave nor use the secretary's form buttons.
    await stranger.press_data(msg.message_id, "ml:1:ok:0")
    await h.settle()
    assert stranger.callback_answers[-1].show_alert
    # Another branch's secretary cannot see or change this meeting.
    reply = await h.send(two.secretary, f"/attendance {meeting_id}")
    assert f"没有 #{meeting_id} 号会议" in reply.text
    reply = await h.send(two.secretary, f"/cancelmeeting {meeting_id}")
    assert f"没有 #{meeting_id} 号会议" in reply.text
    # Telegram delivers the same 签到 update twice: one check-in, the second says so.
    h.clock.set(MEETING_AT - timedelta(minutes=5))
    member = one.members[0]
    m, data = member._find_pressable("签到", notice)
    payload = {
        "id": "777000111",
        "from": member.user_json(),
        "message": m.raw,
        "chat_instance": member.chat_instance,
        "data": data,
    }
    for _ in range(2):
        h.sim._register_query("777000111", member)
        await h.sim._queue_update("callback_query", payload)
    await h.settle()
    # Telegram accepts one answer per query; the redelivered copy changed nothing.
    assert "已签到" in member.callback_answers[-1]
    assert "已记录过" in await h.press(member, "签到", notice)
    async with h.sessions() as s:
        rows = (await s.exec(select(Attendance).where(Attendance.checked_in_at.is_not(None)))).all()  # type: ignore[union-attr]
        assert len(rows) == 1
    # After the start answers are closed.
    h.clock.set(MEETING_AT + timedelta(minutes=1))
    assert "会议已开始" in await h.press(one.members[1], "请假")
    h.clock.set(MEETING_AT + timedelta(hours=2))
    assert "签到已结束" in await h.press(one.members[1], "签到")


async def test_code_checkin_counts_wrong_codes(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec, a, b = branch.secretary, *branch.members
    await h.send(sec, "/newmeeting")
    await h.press(sec, "支部党员大会")
    await h.send(sec, "2026-12-01")
    await h.send(sec, "14:30")
    await h.press(sec, "2 小时")
    await h.send(sec, "会议室")
    await h.send(sec, "学习二十届四中全会精神")
    await h.press(sec, "签到码签到")
    await h.press(sec, "完成")
    await h.press(sec, "确认")
    async with h.sessions() as s:
        meeting = (await s.exec(select(Meeting))).one()
    code = meeting.checkin_code
    assert code is not None
    assert len(code) == 6
    listing = await h.send(sec, "/meetings")
    assert code in listing.text
    await h.deliver()
    assert "现在没有可以签到的会议" in (await h.send(a, f"/checkin {code}")).text
    h.clock.set(MEETING_AT - timedelta(minutes=20))
    assert "4–6 位数字" in (await h.send(a, "/checkin 12")).text
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        assert f"还可以再试 {left} 次" in (await h.send(a, f"/checkin {wrong}")).text
    assert "错误次数过多" in (await h.send(a, f"/checkin {code}")).text
    reply = await h.send(b, f"/checkin {code}")
    assert "已在支部党员大会" in reply.text
    assert "迟到" not in reply.text
    assert "已记录过" in (await h.send(b, f"/checkin {code}")).text
    # The secretary marks the locked-out member present by hand.
    await h.send(sec, f"/attendance {meeting.id}")
    await h.press(sec, "补登到会 / 缺席")
    page = sec.last
    assert "第 1 / 1 页" in page.text
    label = next(x for x in page.flat_buttons if x.endswith("第一党支部党员1"))
    assert await h.press(sec, label, page) == "第一党支部党员1：到会"
    h.clock.set(MEETING_AT + timedelta(hours=3))
    report = (await h.send(sec, f"/attendance {meeting.id}")).text
    assert "到会（3）" in report or "到会（2）" in report, report


async def test_cancel_reschedule_minutes_committee_groups_and_me(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=3)
    sec, a, b, c = branch.secretary, *branch.members
    # 支委: mark one member; 支委会 invites the committee and the secretary.
    view = await h.send(sec, "/committee")
    assert "暂无" in view.text
    await h.press(sec, "· 第一党支部党员1")
    assert "第一党支部党员1" in sec.last.text
    preview = await h.send(sec, "/newmeeting 支委会 2026-12-01 14:30")
    assert "参会人（2）" in preview.text
    await h.press(sec, "确认")
    # 党小组: a group with one member.
    assert "还没有党小组" in (await h.send(sec, "/newmeeting 党小组会 2026-12-02 14:30")).text
    await h.send(sec, "/groups new 第一小组")
    await h.press(sec, "第一小组")
    await h.press(sec, "· 第一党支部党员3")
    assert "已加入" in sec.callback_answers[-1]
    preview = await h.send(sec, "/newmeeting 党小组会 2026-12-02 14:30 小会议室")
    assert "参会人（1）：第一党支部党员3" in preview.text
    assert "第一小组" in preview.text
    await h.press(sec, "确认")
    await h.deliver()
    assert "支委会" in a.last.text
    assert not any("支委会" in m.text for m in b.bot_messages)
    assert "党小组会" in c.last.text
    # Reschedule: answers carry over; cancel: invitees told.
    await h.press(a, "出席", a.last)
    async with h.sessions() as s:
        committee_meeting = (await s.exec(select(Meeting).where(Meeting.kind == "committee"))).one()
        group_meeting = (await s.exec(select(Meeting).where(Meeting.kind == "group"))).one()
    reply = await h.send(sec, f"/reschedule {committee_meeting.id} 2026-12-04 10:00")
    assert "已改到 2026-12-04 10:00" in reply.text
    assert (
        "日历上没有"
        in (await h.send(sec, f"/reschedule {committee_meeting.id} 2026-02-30 10:00")).text
    )
    await h.deliver()
    assert "会议改期" in a.last.text
    assert "2026-12-04 10:00" in a.last.text
    meetings_view = await h.send(a, "/meetings")
    assert "您的答复：出席" in meetings_view.text
    await h.send(sec, f"/cancelmeeting {group_meeting.id}")
    await h.press(sec, "确认")
    await h.deliver()
    assert "会议取消" in c.last.text
    assert "已取消" in await h.press(c, "出席", c.bot_messages[-2])
    # Minutes after the meeting, and whether 第一议题 was studied.
    h.clock.set(datetime_of(2026, 12, 4, 12, 30))
    assert "还没有开始" not in (await h.send(sec, f"/minutes {committee_meeting.id}")).text
    await sec.send_document("纪要.docx", b"minutes-bytes", caption="第一议题已学习")
    await h.settle()
    assert "是否学习了第一议题" in sec.last.text
    await h.press(sec, "是")
    report = (await h.send(sec, f"/attendance {committee_meeting.id}")).text
    assert "学习第一议题：是" in report
    assert "纪要.docx" in report
    await h.press(sec, "会议记录文件")
    assert sec.last.document is not None
    assert sec.last.document.content == b"minutes-bytes"
    me = await h.send(a, "/me")
    assert "2026 年会议" in me.text
    assert "支委会：应到 1 次，到会 0 次" in me.text
    # Period report: admins name the branch; bad periods are explained.
    period = await h.send(h.admin, "/attendance 第一党支部 2026-12")
    assert "出勤情况 2026-12" in period.text
    assert "已召开 1 次会议" in period.text
    assert "第一党支部党员1" in period.text
    assert "不是有效的期间" in (await h.send(sec, "/attendance 2026-13")).text
    assert "管理员请先写支部名称" in (await h.send(h.admin, "/attendance 2026-12")).text


def datetime_of(year: int, month: int, day: int, hour: int, minute: int):  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))
