"""The button paths of /targets and /course: each step's question and its buttons."""

from __future__ import annotations

from bot.delivery.message import Button, Keyboard
from bot.i18n import Translator
from bot.models import Meeting
from bot.services import training as svc
from bot.services.training.courses import NAME_MAX
from handlers.branch_picker import token
from handlers.home.buttons import RunCommand
from handlers.meetings.report_views import meeting_label, meeting_words
from handlers.paging import Page, paged_keyboard
from handlers.training.buttons import CoursePick, CourseSecretary, TargetPick
from handlers.training.views import ROLES, hours_word


def target_buttons(t: Translator) -> Keyboard:
    """Under /targets: a button per role, to change its target."""
    return [[TargetPick(role=role).button(t.label(ROLES[role])) for role in svc.TargetRole]]


def target_ask(t: Translator, role: svc.TargetRole, found: svc.Targets) -> str:
    return t._(
        "Yearly target ({role}): now {hours}.\n"
        "Type the new target in hours, e.g. 32 or 40.5, or send /cancel.",
        role=t.label(ROLES[role]),
        hours=hours_word(t, found.of_role(role)),
    )


def course_list(
    t: Translator, page: Page[Meeting], branch: tuple[int, str] | None = None
) -> tuple[str, Keyboard]:
    """/course without arguments: a page of the 党课 / 培训 meetings, a button each; the
    secretary's branch's, or the admin's chosen `branch` (id, name)."""
    if not page.items:
        if branch is None:
            return t._("Your branch has no 党课 or 培训 meeting to name as a course."), []
        text = t._("{branch} has no 党课 or 培训 meeting to name as a course.", branch=branch[1])
        return text, []

    def item(m: Meeting) -> Button:
        label = meeting_label(t, m, t.datetime(m.starts_at, "short"))
        return CoursePick(meeting_id=m.id or 0).button(label)

    def to(n: int) -> RunCommand:
        if branch is None:
            return RunCommand(command="course", arg=f"page {n}")
        return RunCommand(command="course", arg=f"{token(branch[0])} page {n}", back="course")

    if branch is None:
        text = t._("Which meeting do you want to name as a course?")
    else:
        text = t._(
            "<b>{branch}</b>: which meeting do you want to name as a course?", branch=branch[1]
        )
    caption = page.caption(t)
    return (text + "\n" + caption if caption else text), paged_keyboard(page, item, to)


def course_name_ask(t: Translator, m: Meeting) -> str:
    return t._(
        "{kind} #{id} ({when}): type the course's name, e.g. 党课开讲啦 "
        "(at most {limit} characters), or send /cancel.",
        limit=NAME_MAX,
        **meeting_words(t, m),
    )


def course_secretary_ask(t: Translator, meeting_id: int, name: str) -> tuple[str, Keyboard]:
    text = t._(
        "Course “{name}” for meeting #{id}: does it count as secretary training (书记培训)?",
        name=name,
        id=meeting_id,
    )
    buttons = [
        CourseSecretary(meeting_id=meeting_id, secretary="yes").button(
            t.label("Yes, secretary training")
        ),
        CourseSecretary(meeting_id=meeting_id, secretary="no").button(t.label("No")),
    ]
    return text, [buttons]


def press_a_button(t: Translator) -> str:
    return t._("Please press one of the buttons above, or send /cancel.")
