"""What invitees answer: 出席 / 请假 / 签到 on a notice, the leave reason, /checkin, and
the secretary's 批准 / 不批准. Requests and decisions reach the other person through
the outbox; the person who acted is answered here, whatever happens to that copy."""

from __future__ import annotations

from typing import Any

from bot.models import FormState
from bot.services.errors import Refused
from bot.services.meetings import answers as svc
from bot.services.meetings import checkin as checkins
from handlers.meetings import views
from handlers.meetings.buttons import LeaveVote, Vote
from handlers.meetings.refusals import REFUSALS
from handlers.shape import MEMBERS, SECRETARIES, Form, Turn, form_step, handler

LEAVE_FORM = "meeting_leave"


async def ask_leave(turn: Turn[Any], meeting_id: int) -> None:
    """请假 pressed (or its deep link from the group opened): check it may be asked, then
    open the one-step reason form."""
    try:
        await svc.can_request_leave(turn.s, member=turn.member, meeting_id=meeting_id, now=turn.now)
    except Refused as exc:
        if exc.code != "leave_already":
            raise
        await turn.answer(turn.t.label("Already recorded: you asked for leave."), alert=True)
        return
    await turn.open_form(LEAVE_FORM, "reason", {"meeting_id": meeting_id})
    await turn.s.commit()
    await turn.answer()
    await turn.reply(
        turn.t._(
            "Please type the reason for your leave from meeting #{id} (or /cancel).", id=meeting_id
        )
    )


@handler(roles=MEMBERS, button=Vote, refusals=REFUSALS)
async def vote(turn: Turn[Vote]) -> None:
    """出席 / 请假 / 签到 on a notice or reminder."""
    meeting_id, choice = turn.data.meeting_id, turn.data.choice
    if choice == "in":
        done = await checkins.check_in_button(
            turn.s, member=turn.member, meeting_id=meeting_id, now=turn.now
        )
        await turn.s.commit()
        await turn.answer(views.checkin_toast(turn.t, done))
    elif choice == "yes":
        _inv, changed = await svc.attend(
            turn.s, member=turn.member, meeting_id=meeting_id, now=turn.now
        )
        await turn.s.commit()
        await turn.answer(views.attend_toast(turn.t, changed))
    else:
        await ask_leave(turn, meeting_id)


@form_step(roles=MEMBERS, refusals=REFUSALS)
async def leave_reason(turn: Turn[None], state: FormState) -> None:
    """The reason for 请假; the request goes to the secretary through the outbox."""
    try:
        await svc.request_leave(
            turn.s,
            member=turn.member,
            meeting_id=int(state.data.get("meeting_id") or 0),
            reason=turn.text,
            compose=views.compose_leave_request(views.texts_for(turn.context)),
            now=turn.now,
        )
    except Refused as exc:
        await turn.s.rollback()
        await turn.refused(exc)
        if exc.code not in ("reason_empty", "reason_too_long"):
            # The meeting started or was cancelled meanwhile: the form has nothing to wait for.
            await turn.close_form()
            await turn.s.commit()
        return
    await turn.close_form()
    await turn.commit()
    await turn.reply(
        turn.t._("Your leave request was sent to the secretary. You will be told the decision.")
    )


LEAVE = Form(LEAVE_FORM, steps={"reason": leave_reason})


@handler(roles=SECRETARIES, button=LeaveVote, refusals=REFUSALS)
async def leave_decision(turn: Turn[LeaveVote]) -> None:
    """批准 / 不批准 a leave request; the member is told through the outbox."""
    d = await svc.decide_leave(
        turn.s,
        actor=turn.member,
        attendance_id=turn.data.attendance_id,
        token=turn.data.token,
        approve=turn.data.choice == "ok",
        compose=views.compose_leave_decision(views.texts_for(turn.context)),
        now=turn.now,
    )
    await turn.commit()
    if not d.changed:
        status = views.leave_status(turn.t, d.attendance.leave_status)
        await turn.answer(turn.t.label("Already decided: {status}.", status=status), alert=True)
        return
    await turn.answer()
    await turn.edit(views.decided(turn.t, d))


@handler(roles=MEMBERS, refusals=REFUSALS)
async def checkin(turn: Turn[None]) -> None:
    """`/checkin <code>`: check in to the meeting that is open now."""
    try:
        if len(turn.args) != 1:
            raise Refused("code_format")
        done = await checkins.check_in_code(
            turn.s, member=turn.member, code=turn.args[0], now=turn.now
        )
    except Refused as exc:
        await turn.s.commit()  # a wrong code is counted
        await turn.refused(exc)
        return
    await turn.s.commit()
    await turn.reply(views.checked_in(turn.t, done))
