"""What issue 16 had left typed: an admin's /course (branch picker → meeting → name typed
→ 书记培训), the /course list paged, and /rules for 培训 and for counts above 6
(其他数目… → the number typed, asked again when it is no good). Each press is re-checked
on the server; the last step calls the typed command's service."""

from __future__ import annotations

from sqlmodel import select

from bot.models import (
    AuditLog,
    ComplianceRule,
    MeetingKind,
    Member,
    Role,
    RulePeriod,
    TrainingCourse,
)
from handlers.home.buttons import RunCommand
from handlers.oversight.buttons import RuleCountAsk
from handlers.training.buttons import CoursePick, CourseSecretary
from simulator import SimMessage
from tests.e2e.oversight_support import add_meeting, branch_id, local
from tests.e2e.test_args_buttons import DENIED, call_off, open_forms
from tests.e2e.test_study import press_data
from tests.harness import Harness


async def courses(h: Harness) -> list[TrainingCourse]:
    async with h.sessions() as s:
        return list(await s.exec(select(TrainingCourse)))


async def admin_presses(h: Harness, label: str, message: SimMessage) -> SimMessage:
    """The admin presses `label` on `message`: the message as the press left it."""
    await h.press(h.admin, label, h.admin.message(message.message_id))
    return h.admin.message(message.message_id)


async def training_rule(h: Harness) -> ComplianceRule | None:
    async with h.sessions() as s:
        query = select(ComplianceRule).where(ComplianceRule.kind == "training")
        return (await s.exec(query)).first()


async def test_an_admin_names_a_course_of_any_branch_by_buttons(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    await h.setup_branch("第二党支部", members=1)
    ours = await add_meeting(
        h, "第一党支部", MeetingKind.lecture, local(2026, 12, 2, 9), held=False
    )
    training = await add_meeting(
        h, "第二党支部", MeetingKind.training, local(2026, 12, 3, 9), held=False
    )
    committee = await add_meeting(
        h, "第二党支部", MeetingKind.committee, local(2026, 12, 4, 9), held=False
    )
    second = await branch_id(h, "第二党支部")
    picker = await h.send(h.admin, "/course")
    assert "/course：请选择支部" in picker.text
    await h.press(h.admin, "第二党支部", picker)
    listing = h.admin.message(picker.message_id)  # in place
    assert "<b>第二党支部</b>：要把哪一次会议设为课程" in listing.html
    assert len(listing.flat_buttons) == 2  # the training session, and 返回 to the picker
    assert f"#{training}" in listing.flat_buttons[0]
    assert listing.flat_buttons[-1] == "返回"
    await h.press(h.admin, listing.flat_buttons[0], listing)
    assert "请输入课程名称" in h.admin.message(picker.message_id).text
    assert "最多 100" in (await h.send(h.admin, "名" * 101)).text
    assert "请输入课程名称" in (await h.send(h.admin, "   ")).text
    ask = await h.send(h.admin, "书记示范班")
    assert "是否计为书记培训" in ask.text
    assert await courses(h) == []
    await h.press(h.admin, "是，书记培训", ask)
    assert "已设为课程“书记示范班”" in h.admin.message(ask.message_id).text
    [course] = await courses(h)
    assert (course.meeting_id, course.name, course.secretary_training) == (
        training,
        "书记示范班",
        True,
    )
    async with h.sessions() as s:
        admin = (await s.exec(select(Member).where(Member.role == Role.admin))).one()
        assert course.set_by == admin.id
        audit = select(AuditLog).where(AuditLog.action == "training.course")
        assert (await s.exec(audit)).one()
    assert await open_forms(h) == []
    # Stale: the last step pressed again once the form is over.
    again = CourseSecretary(meeting_id=training, secretary="no").encode()
    assert "已失效" in await press_data(h, h.admin, ask.message_id, again)
    # Forged: no such meeting, a kind that is not a course, a cancelled one; no such branch.
    await call_off(h, ours)
    for forged, said in (
        (99999, "没有 #99999 号会议"),
        (committee, "不是党课或培训"),
        (ours, "已取消"),
    ):
        assert said in await press_data(h, h.admin, picker.message_id, CoursePick(forged).encode())
    assert await open_forms(h) == []
    gone = RunCommand(command="course", arg="@99999", back="course").encode()
    assert "没有名为“@99999”的支部" in await press_data(h, h.admin, picker.message_id, gone)
    # A secretary pressing the admin's buttons: another branch's list is not shown, and
    # another branch's meeting is refused.
    sec = first.secretary
    mine = await h.send(sec, "/members")
    theirs = RunCommand(command="course", arg=f"@{second}").encode()
    await press_data(h, sec, mine.message_id, theirs)
    assert "#" + str(training) not in "".join(sec.message(mine.message_id).flat_buttons)
    assert "没有" in await press_data(h, sec, mine.message_id, CoursePick(training).encode())
    assert await open_forms(h) == []
    # Typed, the admin still names the branch or the meeting.
    typed = await h.send(h.admin, "/course 第二党支部")
    assert f"#{training}" in typed.flat_buttons[0]
    assert "没有名为“第九党支部”" in (await h.send(h.admin, "/course 第九党支部")).text
    done = await h.send(h.admin, f"/course {training} 学习大讲堂")
    assert "已设为课程“学习大讲堂”" in done.text
    assert [(c.name, c.secretary_training) for c in await courses(h)] == [("学习大讲堂", False)]


async def test_the_course_list_pages_through_any_number_of_meetings(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    ids = [
        await add_meeting(
            h, "第一党支部", MeetingKind.lecture, local(2026, 12, 1 + day, 9), held=False
        )
        for day in range(25)
    ]
    ids += [
        await add_meeting(
            h, "第一党支部", MeetingKind.training, local(2026, 12, 1 + day, 15), held=False
        )
        for day in range(20)
    ]
    for day in range(25):  # other kinds do not take the list's places
        await add_meeting(
            h, "第一党支部", MeetingKind.committee, local(2027, 1, 1 + day, 9), held=False
        )
    listing = await h.send(sec, "/course")
    assert "第 1/2 页" in listing.text
    assert len(listing.flat_buttons) == 31  # 30 meetings and ▶
    assert listing.flat_buttons[-1] == "▶"
    page1 = list(listing.flat_buttons)
    await h.press(sec, "▶", listing)
    page2 = sec.message(listing.message_id)
    assert "第 2/2 页" in page2.text
    assert len(page2.flat_buttons) == 16  # 15 meetings and ◀
    shown = " ".join(page1 + page2.flat_buttons)
    assert all(f"#{i} " in shown for i in ids)
    last = next(b for b in page2.flat_buttons if b.startswith(f"#{ids[-1]} "))
    await h.press(sec, last, page2)
    await h.send(sec, "书记示范班")
    await h.press(sec, "否", sec.last)
    assert [(c.meeting_id, c.name) for c in await courses(h)] == [(ids[-1], "书记示范班")]
    # A page past the end shows the last page (a stale ◀ ▶ still shows a real page).
    assert "第 2/2 页" in (await h.send(sec, "/course page 9")).text
    # The admin's list of the branch is paged the same way, keeping the branch and 返回.
    picker = await h.send(h.admin, "/course")
    await h.press(h.admin, "第一党支部", picker)
    first_page = h.admin.message(picker.message_id)
    assert "<b>第一党支部</b>" in first_page.html
    assert "第 1/2 页" in first_page.text
    await h.press(h.admin, "▶", first_page)
    second_page = h.admin.message(picker.message_id)
    assert "<b>第一党支部</b>" in second_page.html
    assert "第 2/2 页" in second_page.text
    assert second_page.flat_buttons[-2:] == ["◀", "返回"]
    await h.press(h.admin, "返回", second_page)
    assert "请选择支部" in h.admin.message(picker.message_id).text


async def test_rules_for_training_and_a_count_above_six_by_buttons(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    shown = await h.send(h.admin, "/rules")
    assert "培训" in shown.flat_buttons  # no rule yet, but choosable
    assert "现为：培训：不作要求" in (await admin_presses(h, "培训", shown)).text
    count = await admin_presses(h, "每月", shown)
    assert "其他数目…" in count.flat_buttons
    assert "多于 6 次请按“其他数目…”" in count.text
    typing = await admin_presses(h, "其他数目…", shown)
    assert "请输入至少几次，0 到 31 之间的数字" in typing.text
    # Bad numbers: a kind answer asking again; nothing changed, the form still open.
    for bad in ("很多", "99", "-1", "²", "3.5"):
        answer = (await h.send(h.admin, bad)).text
        assert "不是 0 到 31 之间的会议次数。请重新输入数字" in answer
    assert await training_rule(h) is None
    assert len(await open_forms(h)) == 1
    done = await h.send(h.admin, " 10 ")
    assert "原为：培训：不作要求" in done.text
    assert "现为：培训：每月至少 10 次" in done.text
    assert done.flat_buttons == ["返回"]
    rule = await training_rule(h)
    assert rule is not None
    assert (rule.period, rule.min_count) == ("month", 10)
    assert await open_forms(h) == []
    async with h.sessions() as s:
        audit = select(AuditLog).where(AuditLog.action == "oversight.rule")
        assert (await s.exec(audit)).one().subject == "rule:training"
    # The typed number after 其他数目… for another kind; /cancel ends it, nothing changed.
    shown = await h.send(h.admin, "/rules")
    for label in ("党课", "每年", "其他数目…"):
        await admin_presses(h, label, shown)
    await h.send(h.admin, "/cancel")
    assert await open_forms(h) == []
    async with h.sessions() as s:
        query = select(ComplianceRule).where(ComplianceRule.kind == "lecture")
        lecture = (await s.exec(query)).one()
        assert (lecture.period, lecture.min_count) == ("quarter", 1)
    # Pressed by a secretary: refused; a malformed press: no longer valid.
    mine = await h.send(branch.secretary, "/members")
    pressed = RuleCountAsk(kind=MeetingKind.training, period=RulePeriod.year).encode()
    assert DENIED in await press_data(h, branch.secretary, mine.message_id, pressed)
    assert "已失效" in await press_data(h, h.admin, shown.message_id, "ovn:tea:week")
    assert await open_forms(h) == []
    # Typed, a number int() cannot read is answered kindly too.
    assert "不是 0 到 31 之间的会议次数" in (await h.send(h.admin, "/rules 培训 年 ²")).text
    assert "现为：培训：每年至少 12 次" in (await h.send(h.admin, "/rules 培训 年 12")).text
