"""/meetings (the list), /reschedule and /cancelmeeting (with a confirmation)."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.message import Keyboard, split_text
from bot.i18n import N_, escape
from bot.services import periods
from bot.services.meetings import manage as svc
from bot.services.meetings.announce import group_of
from handlers.common import parse_id
from handlers.meetings import report_views, views
from handlers.meetings.buttons import CancelPress
from handlers.meetings.refusals import REFUSALS
from handlers.paging import page_of
from handlers.shape import MEMBERS, SECRETARIES, Turn, handler

RECENT = timedelta(days=30)


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
    confirm = [
        CancelPress(meeting_id, "yes").button(t.label("Confirm")),
        CancelPress(meeting_id, "no").button(t.label("Cancel")),
    ]
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
    """Secretary: `/reschedule <id> <YYYY-MM-DD> <HH:MM>`."""
    usage = N_("Use /reschedule <meeting id> <YYYY-MM-DD> <HH:MM>.")
    meeting_id = await meeting_id_arg(turn, usage, count=3)
    if meeting_id is None:
        return
    done = await svc.reschedule(
        turn.s,
        actor=turn.member,
        meeting_id=meeting_id,
        day=periods.parse_date(turn.args[1]),
        at=periods.parse_time(turn.args[2]),
        tz=turn.settings.tz,
        compose=views.compose(views.texts_for(turn.context)),
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.moved(turn.t, done))
