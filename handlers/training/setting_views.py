"""The button paths of /targets and /course: each step's question and its buttons."""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.message import Button, Keyboard
from bot.i18n import Translator
from bot.models import Meeting
from bot.services import training as svc
from bot.services.training.courses import NAME_MAX
from handlers.meetings.report_views import meeting_label, meeting_words
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


def course_list(t: Translator, meetings: Sequence[Meeting]) -> tuple[str, Keyboard]:
    """/course without arguments (a secretary): the branch's 党课 / 培训 meetings."""
    if not meetings:
        return t._("Your branch has no 党课 or 培训 meeting to name as a course."), []

    def item(m: Meeting) -> Button:
        label = meeting_label(t, m, t.datetime(m.starts_at, "short"))
        return CoursePick(meeting_id=m.id or 0).button(label)

    return t._("Which meeting do you want to name as a course?"), [[item(m)] for m in meetings]


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
