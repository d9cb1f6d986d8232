"""Every argument by buttons (issue 16), for the commands that took typed arguments:
/exempt (branch → rule → period → the reason typed), /rules (kind → period → at least N),
/reschedule (meeting → date → time typed), /targets (role → hours typed) and /course
(meeting → name typed → 书记培训). Each press is re-checked on the server; the last step
calls the typed command's service; the typed commands keep working."""

from __future__ import annotations

from sqlmodel import select

from bot.models import (
    AuditLog,
    ComplianceRule,
    Exemption,
    FormState,
    Meeting,
    MeetingKind,
    MeetingStatus,
    RulePeriod,
    TrainingCourse,
    TrainingTarget,
)
from bot.services.training.targets import TargetRole
from handlers.meetings.buttons import ReschedulePick
from handlers.oversight.buttons import ExemptPick, RulePick
from handlers.training.buttons import CoursePick, CourseSecretary, TargetPick
from tests.e2e.oversight_support import add_meeting, branch_id, local
from tests.e2e.test_study import press_data
from tests.harness import Harness

DENIED = "没有这项权限"


async def open_forms(h: Harness) -> list[FormState]:
    async with h.sessions() as s:
        return list(await s.exec(select(FormState)))


async def call_off(h: Harness, meeting_id: int) -> None:
    async with h.sessions() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.cancelled
        s.add(meeting)
        await s.commit()


async def test_exempt_by_buttons_through_to_the_stored_exemption(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    await h.setup_branch("第二党支部", members=1)
    listing = await h.send(h.admin, "/exempt")
    assert "没有支部被豁免" in listing.text
    await h.press(h.admin, "添加豁免", listing)
    picker = h.admin.message(listing.message_id)
    assert "请选择支部" in picker.text
    await h.press(h.admin, "第二党支部", picker)
    kinds = h.admin.message(listing.message_id)
    assert "豁免<b>第二党支部</b>" in kinds.html
    assert "支部党员大会" in kinds.flat_buttons
    assert "培训" not in kinds.flat_buttons  # no rule in force for it
    await h.press(h.admin, "支部党员大会", kinds)
    periods = h.admin.message(listing.message_id)
    assert periods.flat_buttons[:3] == ["2026-Q3", "2026-Q4（本期）", "2027-Q1"]
    await h.press(h.admin, "2026-Q4（本期）", periods)
    assert "请输入豁免原因" in h.admin.message(listing.message_id).text
    # Bad typing is answered kindly and nothing is stored; the form waits for the reason.
    assert "原因太长" in (await h.send(h.admin, "长" * 301)).text
    async with h.sessions() as s:
        assert not (await s.exec(select(Exemption))).all()
    done = await h.send(h.admin, "项目停工 <两个月>")
    assert "已记录豁免：第二党支部 · 支部党员大会 · 2026-Q4：项目停工 <两个月>" in done.text
    assert "&lt;两个月&gt;" in done.html
    other = await branch_id(h, "第二党支部")
    async with h.sessions() as s:
        row = (await s.exec(select(Exemption))).one()
        assert (row.branch_id, row.kind, row.period_label) == (other, "assembly", "2026-Q4")
        assert row.reason == "项目停工 <两个月>"
        assert (await s.exec(select(AuditLog).where(AuditLog.action == "oversight.exempt"))).one()
    assert await open_forms(h) == []
    # Pressed again: already exempt, refused before any reason is asked.
    again = ExemptPick(branch_id=other, kind=MeetingKind.assembly, period="2026-Q4").encode()
    assert "已豁免" in await press_data(h, h.admin, listing.message_id, again)
    # Forged: a branch that does not exist, a month for a quarterly rule, a kind with no rule.
    for forged, said in (
        (ExemptPick(branch_id=99999, kind=MeetingKind.assembly), "没有名为"),
        (ExemptPick(branch_id=other, kind=MeetingKind.assembly, period="2026-10"), "不是季度"),
        (ExemptPick(branch_id=other, kind=MeetingKind.training), "没有规则"),
        (ExemptPick(branch_id=other, kind=MeetingKind.assembly, period="soon"), "不是"),
    ):
        assert said in await press_data(h, h.admin, listing.message_id, forged.encode())
    assert "已失效" in await press_data(h, h.admin, listing.message_id, "ovx:x:y")
    assert await open_forms(h) == []
    # A secretary pressing the admin's button is refused; the typed command still works.
    mine = await h.send(first.secretary, "/members")
    pressed = ExemptPick(branch_id=other, kind=MeetingKind.committee, period="2026-11")
    assert DENIED in await press_data(h, first.secretary, mine.message_id, pressed.encode())
    typed = await h.send(h.admin, "/exempt 第一党支部 支委会 2026-10 书记住院")
    assert "已记录豁免：第一党支部 · 支委会 · 2026-10：书记住院" in typed.text
    assert "豁免<b>第一党支部</b>" in (await h.send(h.admin, "/exempt 第一党支部")).html
    async with h.sessions() as s:
        assert len((await s.exec(select(Exemption))).all()) == 2


async def test_a_stale_exemption_press_after_the_rule_was_dropped(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    kinds = await h.send(h.admin, "/exempt 第一党支部")
    await h.send(h.admin, "/rules 党课 季度 0")
    assert "没有规则" in await h.press(h.admin, "党课", kinds)
    assert await open_forms(h) == []


async def test_rules_by_buttons(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    shown = await h.send(h.admin, "/rules")
    assert "党课" in shown.flat_buttons
    await h.press(h.admin, "党课", shown)
    ask = h.admin.message(shown.message_id)
    assert "现为：党课：每季度至少 1 次" in ask.text
    assert ask.flat_buttons[:3] == ["每月", "每季度", "每年"]
    await h.press(h.admin, "每月", ask)
    count = h.admin.message(shown.message_id)
    assert "至少几次" in count.text
    assert count.flat_buttons[:7] == ["0", "1", "2", "3", "4", "5", "6"]
    await h.press(h.admin, "2", count)
    done = h.admin.message(shown.message_id)
    assert "原为：党课：每季度至少 1 次" in done.text
    assert "现为：党课：每月至少 2 次" in done.text
    async with h.sessions() as s:
        rule = (await s.exec(select(ComplianceRule).where(ComplianceRule.kind == "lecture"))).one()
        assert (rule.period, rule.min_count) == ("month", 2)
    # Forged: a count out of range is refused by the service, nothing changed.
    forged = RulePick(kind=MeetingKind.lecture, period=RulePeriod.year, count=99).encode()
    assert "0 到 31" in await press_data(h, h.admin, shown.message_id, forged)
    async with h.sessions() as s:
        rule = (await s.exec(select(ComplianceRule).where(ComplianceRule.kind == "lecture"))).one()
        assert (rule.period, rule.min_count) == ("month", 2)
    # A member (or secretary) pressing it is refused; the typed command still works.
    mine = await h.send(branch.secretary, "/members")
    pressed = RulePick(kind=MeetingKind.lecture, period=RulePeriod.year, count=0).encode()
    assert DENIED in await press_data(h, branch.secretary, mine.message_id, pressed)
    assert "现为：党课：每季度至少 3 次" in (await h.send(h.admin, "/rules 党课 季度 3")).text


async def test_reschedule_by_buttons(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=2)
    sec = branch.secretary
    soon = await add_meeting(h, "第一党支部", MeetingKind.assembly, local(2026, 12, 1, 14, 30))
    past = await add_meeting(h, "第一党支部", MeetingKind.committee, local(2026, 11, 20, 9))
    await h.setup_branch("第二党支部", members=1)
    theirs = await add_meeting(h, "第二党支部", MeetingKind.assembly, local(2026, 12, 2, 9))
    listing = await h.send(sec, "/reschedule")
    assert "要改期哪一次会议" in listing.text
    assert len(listing.flat_buttons) == 1  # only the meeting still to come
    assert f"#{soon}" in listing.flat_buttons[0]
    await h.press(sec, listing.flat_buttons[0], listing)
    assert "请输入新的日期" in sec.message(listing.message_id).text
    # Bad typing: answered kindly, nothing stored, still at the same step.
    assert "不是日期" in (await h.send(sec, "下周二")).text
    assert "已经过去" in (await h.send(sec, "2026-11-01")).text
    assert "请输入新的开始时间" in (await h.send(sec, "2026-12-04")).text
    assert "不是时间" in (await h.send(sec, "上午")).text
    async with h.sessions() as s:
        meeting = await s.get(Meeting, soon)
        assert meeting is not None
        assert meeting.starts_at == local(2026, 12, 1, 14, 30)
    done = await h.send(sec, "10:00")
    assert "已" in done.text
    assert "2026-12-04 10:00" in done.text
    async with h.sessions() as s:
        meeting = await s.get(Meeting, soon)
        assert meeting is not None
        assert meeting.starts_at == local(2026, 12, 4, 10)
        assert meeting.ends_at == local(2026, 12, 4, 11)  # the same length
    assert await open_forms(h) == []
    await h.deliver()
    assert "2026-12-04 10:00" in branch.members[0].last.text  # invitees told
    # Forged or stale: another branch's meeting, one already held, one cancelled.
    for forged, said in ((theirs, f"没有 #{theirs} 号会议"), (past, "已经开始")):
        pressed = ReschedulePick(forged).encode()
        assert said in await press_data(h, sec, listing.message_id, pressed)
    await call_off(h, soon)
    assert "取消" in await press_data(h, sec, listing.message_id, ReschedulePick(soon).encode())
    assert await open_forms(h) == []
    # A member is refused; the typed command still works.
    member = branch.members[0]
    mine = await h.send(member, "/me")
    assert DENIED in await press_data(h, member, mine.message_id, ReschedulePick(soon).encode())
    other = await add_meeting(h, "第一党支部", MeetingKind.lecture, local(2026, 12, 10, 9))
    moved = await h.send(sec, f"/reschedule {other} 2026-12-11 09:30")
    assert "2026-12-11 09:30" in moved.text


async def test_reschedule_form_ends_when_the_meeting_is_called_off(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    soon = await add_meeting(h, "第一党支部", MeetingKind.assembly, local(2026, 12, 1, 14, 30))
    listing = await h.send(sec, "/reschedule")
    await h.press(sec, listing.flat_buttons[0], listing)
    await call_off(h, soon)
    assert "取消" in (await h.send(sec, "2026-12-04")).text
    assert await open_forms(h) == []


async def test_targets_by_buttons(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    shown = await h.send(h.admin, "/targets")
    assert shown.flat_buttons == ["党员", "支委委员", "支部书记"]
    await h.press(h.admin, "党员", shown)
    assert "请输入新的目标学时" in h.admin.message(shown.message_id).text
    assert "不是学时数" in (await h.send(h.admin, "很多")).text
    assert "不是学时数" in (await h.send(h.admin, "0")).text
    async with h.sessions() as s:
        assert not (await s.exec(select(TrainingTarget))).all()
    done = await h.send(h.admin, "40.5")
    assert "年度目标已修改" in done.text
    async with h.sessions() as s:
        row = (await s.exec(select(TrainingTarget))).one()
        assert (row.role, row.hours_tenths) == ("member", 405)
    assert await open_forms(h) == []
    mine = await h.send(branch.secretary, "/members")
    pressed = TargetPick(role=TargetRole.member).encode()
    assert DENIED in await press_data(h, branch.secretary, mine.message_id, pressed)
    assert "已失效" in await press_data(h, h.admin, shown.message_id, "trt:nobody")
    assert "年度目标已修改" in (await h.send(h.admin, "/targets 书记 60")).text


async def test_course_by_buttons(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    lecture = await add_meeting(h, "第一党支部", MeetingKind.lecture, local(2026, 12, 3, 9))
    await add_meeting(h, "第一党支部", MeetingKind.committee, local(2026, 12, 4, 9))
    await h.setup_branch("第二党支部", members=1)
    theirs = await add_meeting(h, "第二党支部", MeetingKind.training, local(2026, 12, 5, 9))
    listing = await h.send(sec, "/course")
    assert len(listing.flat_buttons) == 1
    assert f"#{lecture}" in listing.flat_buttons[0]
    await h.press(sec, listing.flat_buttons[0], listing)
    assert "请输入课程名称" in sec.message(listing.message_id).text
    assert "最多 100" in (await h.send(sec, "名" * 101)).text
    ask = await h.send(sec, "书记示范班 <一>")
    assert "是否计为书记培训" in ask.text
    assert ask.flat_buttons == ["是，书记培训", "否"]
    assert "请按上面的按钮" in (await h.send(sec, "是")).text
    async with h.sessions() as s:
        assert not (await s.exec(select(TrainingCourse))).all()
    await h.press(sec, "是，书记培训", ask)
    done = sec.message(ask.message_id)
    assert "已设为课程“书记示范班 <一>”" in done.text
    assert "计为书记培训" in done.text
    async with h.sessions() as s:
        course = (await s.exec(select(TrainingCourse))).one()
        assert (course.meeting_id, course.name, course.secretary_training) == (
            lecture,
            "书记示范班 <一>",
            True,
        )
    assert await open_forms(h) == []
    # Pressed again once the form is over: refused, nothing changed.
    again = CourseSecretary(meeting_id=lecture, secretary="no").encode()
    assert "已失效" in await press_data(h, sec, ask.message_id, again)
    # Forged: another branch's meeting, a meeting that does not exist.
    for forged in (theirs, 99999):
        said = await press_data(h, sec, listing.message_id, CoursePick(forged).encode())
        assert "没有" in said
    assert await open_forms(h) == []
    member = branch.members[0]
    mine = await h.send(member, "/me")
    assert DENIED in await press_data(h, member, mine.message_id, CoursePick(lecture).encode())
    typed = await h.send(sec, f"/course {lecture} 党课开讲啦")
    assert "已设为课程“党课开讲啦”" in typed.text
    async with h.sessions() as s:
        course = (await s.exec(select(TrainingCourse))).one()
        assert (course.name, course.secretary_training) == ("党课开讲啦", False)
