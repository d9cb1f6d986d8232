"""/targets (admins: the yearly targets) and /course (a 培训 or 党课 meeting as a course),
typed or by buttons: /targets role → hours typed; /course (an admin: branch →) meeting →
name typed → 书记培训."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Branch, FormState, Meeting, MeetingStatus
from bot.services import forms
from bot.services import training as svc
from bot.services.errors import Refused
from bot.services.meetings import manage as meetings
from bot.services.meetings.attendance import branch_by_name
from bot.services.training.courses import NAME_MAX
from bot.services.training.hours import COURSE_KINDS
from handlers import branch_picker as picker
from handlers.paging import page_of
from handlers.shape import (
    ADMINS,
    LEADERS,
    Form,
    Turn,
    closing_form,
    form_step,
    handler,
)
from handlers.training import setting_views, views
from handlers.training.buttons import CoursePick, CourseSecretary, TargetPick

SECRETARY_WORDS = frozenset({"secretary", "书记", "书记培训"})
TARGET_FORM = "tr_target"
COURSE_FORM = "tr_course"
RECENT = timedelta(days=90)  # how far back /course offers meetings as buttons


@handler(roles=ADMINS, refusals=views.REFUSALS)
async def targets(turn: Turn[None]) -> None:
    """/targets shows them (with a button per role); /targets <role> <hours> changes one."""
    args = turn.args
    if len(args) != 2:
        shown = views.targets(turn.t, await svc.current_targets(turn.s))
        await turn.reply(shown, setting_views.target_buttons(turn.t))
        return
    role = svc.parse_role(args[0])
    found = await svc.set_target(turn.s, actor=turn.member, role=role, hours=args[1], now=turn.now)
    await turn.commit()
    await turn.reply(views.targets(turn.t, found, changed=True))


@handler(roles=ADMINS, button=TargetPick, refusals=views.REFUSALS)
async def target_pick(turn: Turn[TargetPick]) -> None:
    """A role chosen: its new target is asked (a form)."""
    role = turn.data.role
    await turn.open_form(TARGET_FORM, "hours", {"role": role.value})
    await turn.commit()
    found = await svc.current_targets(turn.s)
    await turn.edit(setting_views.target_ask(turn.t, role, found))


@form_step(roles=ADMINS, refusals=views.REFUSALS)
async def target_hours(turn: Turn[None], state: FormState) -> None:
    """The hours typed: the target changed by the service /targets calls."""
    role = svc.TargetRole(str(state.data["role"]))
    async with closing_form(turn, retype={"hours_invalid", "hours_too_many"}):
        found = await svc.set_target(
            turn.s,
            actor=turn.member,
            role=role,
            hours=turn.text,
            now=turn.now,
        )
    await turn.reply(views.targets(turn.t, found, changed=True))


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def course(turn: Turn[None]) -> None:
    """/course <meeting id> <name> [secretary]: name a 培训/党课 meeting as a course.
    Without them, the 党课 / 培训 meetings as buttons, paged: the secretary's branch's,
    or (an admin) those of the branch chosen with the picker or named."""
    args = await picker.branch_args(turn, "course")
    if args is None:  # an admin who named no branch is choosing one
        return
    listing = await _listing(turn, args)
    if listing is not None:
        await _course_list(turn, *listing)
        return
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        await turn.reply(views.course_usage(turn.t))
        return
    secretary = args[-1].lower() in SECRETARY_WORDS and len(args) > 2
    name = " ".join(args[1:-1] if secretary else args[1:])
    if not name:
        raise Refused("course_name_empty")
    found = await svc.set_course(
        turn.s,
        actor=turn.member,
        meeting_id=int(args[0].lstrip("#")),
        name=name,
        secretary_training=secretary,
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.course_set(turn.t, found))


async def _listing(turn: Turn[None], args: list[str]) -> tuple[Branch | None, int] | None:
    """Which list of meetings `/course args` asks for: (the admin's branch, the page), or
    None for a course being named. A secretary's list is `/course [page N]`; an admin's
    `/course <branch> [page N]` (the picker's buttons write `@<id>` for the branch)."""
    number = 0
    if len(args) >= 2 and (page := picker.page_arg(args[-2:])) is not None:
        number = page
        args = args[:-2]
    if turn.actor.is_secretary:
        return (None, number) if not args else None
    pressed = bool(turn.args) and picker.TOKEN.match(turn.args[0]) is not None
    if not args or (not pressed and args[0].lstrip("#").isdigit()):
        return None
    name = " ".join(args)
    branch = await branch_by_name(turn.s, name)
    if branch is None:
        raise Refused("unknown_branch", name=name[:40])
    return branch, number


async def _course_list(turn: Turn[None], branch: Branch | None, number: int) -> None:
    """A page of the branch's scheduled 党课 / 培训 meetings, upcoming and recent."""
    branch_id = turn.branch_id if branch is None else branch.id
    assert branch_id is not None
    rows = await meetings.branch_meetings(
        turn.s,
        branch_id=branch_id,
        since=turn.now - RECENT,
        now=turn.now,
        limit=None,
        kinds=COURSE_KINDS,
    )
    rows = [m for m in rows if m.status == MeetingStatus.scheduled]
    named = None if branch is None else (branch_id, branch.name)
    await turn.reply(*setting_views.course_list(turn.t, page_of(rows, number), named))


async def _course_meeting(turn: Turn[CoursePick]) -> Meeting:
    """The pressed meeting as it is now: 党课 / 培训, scheduled, and of the secretary's
    branch (an admin's: of any branch)."""
    meeting_id = turn.data.meeting_id
    meeting = await turn.s.get(Meeting, meeting_id)
    elsewhere = meeting is not None and meeting.branch_id != turn.member.branch_id
    if meeting is None or (elsewhere and not turn.actor.is_admin):
        raise Refused("unknown_meeting", id=meeting_id)
    if meeting.kind not in COURSE_KINDS:
        raise Refused("not_a_course_kind", id=meeting_id)
    if meeting.status != MeetingStatus.scheduled:
        raise Refused("meeting_cancelled", id=meeting_id)
    return meeting


@handler(roles=LEADERS, button=CoursePick, refusals=views.REFUSALS)
async def course_pick(turn: Turn[CoursePick]) -> None:
    """A meeting chosen: the course's name is asked (a form)."""
    meeting = await _course_meeting(turn)
    await turn.open_form(COURSE_FORM, "name", {"meeting_id": meeting.id})
    await turn.commit()
    await turn.edit(setting_views.course_name_ask(turn.t, meeting))


@form_step(roles=LEADERS, refusals=views.REFUSALS)
async def course_name(turn: Turn[None], state: FormState) -> None:
    """The name typed (the same limits as the service's): then 书记培训 or not, by button."""
    name = turn.text.strip()
    if not name:
        raise Refused("course_name_empty")
    if len(name) > NAME_MAX:
        raise Refused("course_name_too_long", length=len(name), limit=NAME_MAX)
    await turn.advance_form(state, "secretary", name=name)
    await turn.commit()
    meeting_id = int(state.data["meeting_id"])
    await turn.reply(*setting_views.course_secretary_ask(turn.t, meeting_id, name))


@form_step(roles=LEADERS, refusals=views.REFUSALS)
async def course_wait(turn: Turn[None], state: FormState) -> None:
    """Typing at the 书记培训 step: the buttons answer it."""
    await turn.reply(setting_views.press_a_button(turn.t))


@handler(roles=LEADERS, button=CourseSecretary, refusals=views.REFUSALS)
async def course_secretary(turn: Turn[CourseSecretary]) -> None:
    """书记培训 or not: the course set by the service /course calls."""
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    pressed = turn.data.meeting_id
    if (
        state is None
        or (state.form, state.step) != (COURSE_FORM, "secretary")
        or int(state.data.get("meeting_id", 0)) != pressed
    ):
        raise Refused("course_form_gone")
    async with closing_form(turn, retype=()):
        found = await svc.set_course(
            turn.s,
            actor=turn.member,
            meeting_id=pressed,
            name=str(state.data["name"]),
            secretary_training=turn.data.secretary == "yes",
            now=turn.now,
        )
    await turn.edit(views.course_set(turn.t, found))


TARGET = Form(TARGET_FORM, steps={"hours": target_hours})
COURSE = Form(COURSE_FORM, steps={"name": course_name, "secretary": course_wait})
