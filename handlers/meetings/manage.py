"""/meetings (the list), /reschedule and /cancelmeeting (with a confirmation)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.delivery.message import Keyboard, split_text
from bot.i18n import N_, escape
from bot.models import FormState, Meeting, MeetingStatus
from bot.services import periods
from bot.services.errors import Refused
from bot.services.meetings import manage as svc
from bot.services.meetings.announce import group_of
from handlers import branch_picker as picker
from handlers.common import confirm_row, parse_id
from handlers.meetings import report_views, views
from handlers.meetings.buttons import CancelPress, ReschedulePick
from handlers.meetings.refusals import REFUSALS
from handlers.paging import page_of
from handlers.shape import MEMBERS, SECRETARIES, Form, Turn, closing_form, form_step, handler

RECENT = timedelta(days=30)
MOVABLE = 100  # meetings still to come that /reschedule offers as buttons (paged)
MOVE_FORM = "mt_reschedule"
# A time that is no good keeps the form at the time step, to be typed again.
RETYPE_TIME = frozenset({"bad_time_format", "bad_time", "in_past"})


@handler(roles=MEMBERS, refusals=REFUSALS)
async def meetings(turn: Turn[None]) -> None:
    """Upcoming and recent meetings: counts for the secretary, own status for members."""
    since = turn.now - RECENT
    branch_id = turn.branch_id  # refuses (no_branch) anyone not in a branch
    buttons: Keyboard = []
    if turn.actor.is_secretary:
        rows = await svc.branch_meetings(turn.s, branch_id=branch_id, since=since, now=turn.now)
        counts = await svc.counts(turn.s, [m.id for m in rows if m.id is not None])
        lines = report_views.branch_listing(turn.t, rows, counts)
        number = int(turn.args[0]) if turn.args and turn.args[0].isdigit() else 0
        buttons = report_views.meeting_buttons(turn.t, page_of(rows, number))
    else:
        mine = await svc.member_meetings(turn.s, member=turn.member, since=since, now=turn.now)
        lines = report_views.member_listing(turn.t, mine)
    chunks = split_text("\n".join(lines))
    for i, chunk in enumerate(chunks):
        await turn.reply(chunk, buttons if i == len(chunks) - 1 else None)


async def meeting_id_arg(turn: Turn[None], usage: str, count: int = 1) -> int | None:
    """The meeting id a command names first (#12 or 12); else how to use it, and None."""
    args = turn.args
    meeting_id = parse_id(args[0].lstrip("#")) if len(args) == count else None
    if meeting_id is None:
        await turn.reply(escape(turn.t.label(usage)))
    return meeting_id


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def cancelmeeting(turn: Turn[None]) -> None:
    """Secretary: ask to confirm calling a meeting off."""
    t = turn.t
    meeting_id = await meeting_id_arg(turn, N_("Use /cancelmeeting <meeting id>."))
    if meeting_id is None:
        return
    meeting = await svc.meeting_of_branch(turn.s, actor=turn.member, meeting_id=meeting_id)
    confirm = confirm_row(t, CancelPress(meeting_id, "yes"), CancelPress(meeting_id, "no"))
    group = await group_of(turn.s, meeting)
    await turn.reply(views.cancel_question(t, meeting, group), [confirm])


@handler(roles=SECRETARIES, button=CancelPress, refusals=REFUSALS)
async def cancel_button(turn: Turn[CancelPress]) -> None:
    """Confirm or drop calling a meeting off; the confirmation says what was called off."""
    if turn.data.choice == "no":
        await turn.answer()
        await turn.edit(turn.t._("The meeting stays as planned."))
        return
    done = await svc.cancel(
        turn.s,
        actor=turn.member,
        meeting_id=turn.data.meeting_id,
        compose=views.compose(views.texts_for(turn.context)),
        now=turn.now,
    )
    await turn.commit()
    await turn.answer()
    await turn.edit(views.cancelled(turn.t, done))


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def reschedule(turn: Turn[None]) -> None:
    """Secretary: `/reschedule <id> <YYYY-MM-DD> <HH:MM>`; without them (or `page N`),
    the meetings still to come as buttons."""
    number = picker.page_arg(turn.args) if turn.args else 0
    if number is not None:
        rows = await svc.branch_meetings(
            turn.s, branch_id=turn.branch_id, since=turn.now, now=turn.now, limit=MOVABLE
        )
        movable = [
            m for m in rows if m.status == MeetingStatus.scheduled and m.starts_at > turn.now
        ]
        await turn.reply(*report_views.reschedule_list(turn.t, page_of(movable, number)))
        return
    usage = N_("Use /reschedule <meeting id> <YYYY-MM-DD> <HH:MM>.")
    meeting_id = await meeting_id_arg(turn, usage, count=3)
    if meeting_id is None:
        return
    await _move(turn, meeting_id, periods.parse_date(turn.args[1]), turn.args[2])


async def _move(turn: Turn[None], meeting_id: int, day: date, at: str) -> None:
    """The change itself, typed or by buttons: moved, the invitees told, restated."""
    done = await svc.reschedule(
        turn.s,
        actor=turn.member,
        meeting_id=meeting_id,
        day=day,
        at=periods.parse_time(at),
        tz=turn.settings.tz,
        compose=views.compose(views.texts_for(turn.context)),
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.moved(turn.t, done))


@handler(roles=SECRETARIES, button=ReschedulePick, refusals=REFUSALS)
async def reschedule_pick(turn: Turn[ReschedulePick]) -> None:
    """A meeting chosen: still ours, scheduled and ahead? Then its new date is asked."""
    _actor, meeting = await svc.changeable(turn.s, turn.member, turn.data.meeting_id, turn.now)
    await turn.open_form(MOVE_FORM, "date", {"meeting_id": meeting.id})
    await turn.commit()
    tomorrow = periods.local_today(turn.now, turn.settings.tz) + timedelta(days=1)
    await turn.edit(report_views.reschedule_date_ask(turn.t, meeting, tomorrow.isoformat()))


async def _still_movable(turn: Turn[None], state: FormState) -> Meeting:
    """The form's meeting, re-checked; the form ends when it can no longer move."""
    try:
        _actor, meeting = await svc.changeable(
            turn.s, turn.member, int(state.data["meeting_id"]), turn.now
        )
    except Refused:
        await turn.close_form()
        await turn.commit()
        raise
    return meeting


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def move_date(turn: Turn[None], state: FormState) -> None:
    """The new date typed: a real day, not already past; then the time is asked."""
    meeting = await _still_movable(turn, state)
    day = periods.parse_date(turn.text)
    if day < periods.local_today(turn.now, turn.settings.tz):
        raise Refused("in_past")
    await turn.advance_form(state, "time", day=day.isoformat())
    await turn.commit()
    await turn.reply(report_views.reschedule_time_ask(turn.t, meeting, day.isoformat()))


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def move_time(turn: Turn[None], state: FormState) -> None:
    """The new time typed: the meeting moved by the service /reschedule calls."""
    await _still_movable(turn, state)
    day = date.fromisoformat(str(state.data["day"]))
    async with closing_form(turn, retype=RETYPE_TIME):
        await _move(turn, int(state.data["meeting_id"]), day, turn.text)


MOVE = Form(MOVE_FORM, steps={"date": move_date, "time": move_time})
