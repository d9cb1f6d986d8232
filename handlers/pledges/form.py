"""承诺: /pledge, the member's form (identity → duties → commitments → preview) and 提交.

The form is one table (`FORM`); its state lives in the database, so a half-filled pledge
survives a restart, and a first pledge is kept as a draft once it reaches the preview.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.models import FormState, Pledge, PledgeStatus
from bot.services import forms
from bot.services import pledges as svc
from bot.services.errors import Refused
from handlers.pledges import messages, views
from handlers.pledges.buttons import FormAction
from handlers.pledges.shared import REFUSALS, close_form, open_form, reply_parts
from handlers.shape import MEMBERS, Form, Turn, form_step, handler, refuse_stale

NAME = "pledge"
# What each step's answer must be, and the step after it (the preview after the last).
PARTS: dict[str, Callable[[str], object]] = {
    "post": svc.validate_post,
    "duties": svc.validate_duties,
    "commitments": svc.parse_commitments,
}
NEXT = {"post": "duties", "duties": "commitments"}


def _data_of(pledge: Pledge) -> dict[str, Any]:
    """The form's data holding the pledge as it is (to edit one part of it)."""
    return {"post": pledge.post, "duties": pledge.duties, "commitments": list(pledge.commitments)}


async def _settled(turn: Turn[Any]) -> Refused | None:
    """Why the open form can no longer be submitted (then it is closed), or None."""
    try:
        await svc.start_form(turn.s, member=turn.member, now=turn.now, tz=turn.settings.tz)
    except Refused as exc:
        await close_form(turn)
        return exc
    return None


async def _ask(turn: Turn[Any], step: str) -> None:
    branch = await svc.branch_name(turn.s, turn.member)
    await turn.reply(views.question(turn.t, step, branch))


async def show_preview(turn: Turn[Any], state: FormState) -> None:
    """Show the whole pledge with 提交 / 修改 / 取消; keeps a first pledge as a draft."""
    text = svc.PledgeText.of(state.data)
    card = await svc.draft(turn.s, member=turn.member, text=text, now=turn.now, tz=turn.settings.tz)
    await turn.advance_form(state, "preview")
    await turn.commit()
    lines, keyboard = views.preview(turn.t, card)
    await reply_parts(turn, lines, keyboard)


async def open_pledge(turn: Turn[None]) -> None:
    """/pledge: go on with the open form, start one, or show the submitted pledge."""
    s, member, now, tz = turn.s, turn.member, turn.now, turn.settings.tz
    state = await forms.current(s, telegram_user_id=turn.actor.telegram_user_id)
    if state is not None and state.form == NAME and await _settled(turn) is None:
        if state.step == "preview":
            await show_preview(turn, state)
        else:
            await _ask(turn, state.step)
        return
    pledge = await svc.current(s, member=member, now=now, tz=tz)
    if pledge is None or pledge.status == PledgeStatus.draft:
        await svc.start_form(s, member=member, now=now, tz=tz)
        await _start(turn, pledge)
        return
    notes = await svc.notes(s, pledge=pledge)
    card = await svc.card_of(s, pledge, owner=member)
    lines, keyboard = views.member_view(turn.t, pledge, card, notes, year=svc.pledge_year(now, tz))
    await reply_parts(turn, lines, keyboard)


async def _start(turn: Turn[None], draft: Pledge | None) -> None:
    """A new form: from the first question, or at the preview of the member's draft."""
    if draft is not None:  # pick up where the member left it
        await show_preview(turn, await open_form(turn, NAME, "preview", _data_of(draft)))
        return
    await open_form(turn, NAME, "post")
    branch = await svc.branch_name(turn.s, turn.member)
    year = svc.pledge_year(turn.now, turn.settings.tz)
    await turn.reply(views.first_question(turn.t, year, branch))


async def _still_open(turn: Turn[None], state: FormState) -> FormState | None:
    """The form as this update's session sees it (the router read it in another one),
    or None once the pledge can no longer change (the person is told why)."""
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id) or state
    settled = await _settled(turn)
    if settled is not None:
        # Approved while the member was editing: what they type now cannot change it.
        await turn.refused(settled)
        return None
    return state


@form_step(roles=MEMBERS, refusals=REFUSALS)
async def typed_part(turn: Turn[None], state: FormState) -> None:
    """The member typed the post, the duties or the commitments."""
    if (open_state := await _still_open(turn, state)) is None:
        return
    state, step = open_state, open_state.step
    value = PARTS[step](turn.text)
    following = NEXT.get(step)
    if state.data.get("back") == "preview" or following is None:
        await turn.advance_form(state, "preview", **{step: value})
        await show_preview(turn, state)
        return
    await turn.advance_form(state, following, **{step: value})
    await turn.commit()
    await _ask(turn, following)


@form_step(roles=MEMBERS, refusals=REFUSALS)
async def typed_at_preview(turn: Turn[None], state: FormState) -> None:
    """Text sent while the preview waits for a button."""
    if (open_state := await _still_open(turn, state)) is None:
        return
    await turn.reply(turn.t._("Please use the buttons under your pledge."))
    await show_preview(turn, open_state)


FORM = Form(
    NAME,
    steps={
        "post": typed_part,
        "duties": typed_part,
        "commitments": typed_part,
        "preview": typed_at_preview,
    },
)


@handler(roles=MEMBERS, button=FormAction, refusals=REFUSALS)
async def form_button(turn: Turn[FormAction]) -> None:
    """提交 / 修改 / 取消 under the preview, a part to change, and 修改 on a submitted pledge."""
    action = turn.data.action
    if action == "revise":
        await _revise(turn)
        return
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    if state is None or state.form != NAME or state.step != "preview":
        await _not_at_preview(turn)
        return
    t = turn.t
    if action == "cancel":
        await close_form(turn)
        await turn.answer()
        await turn.edit(
            t._("Cancelled. Send /pledge when you want to continue; nothing was submitted.")
        )
    elif action == "edit":
        await turn.answer()
        await turn.reply(views.which_part(t), views.edit_keyboard(t))
    elif action == "submit":
        await _submit(turn, state)
    else:
        await turn.advance_form(state, action, back="preview")
        await turn.commit()
        branch = await svc.branch_name(turn.s, turn.member)
        await turn.answer()
        await turn.edit(views.question(t, action, branch))


async def _revise(turn: Turn[FormAction]) -> None:
    """修改 under a submitted or returned pledge: the form opens at its preview."""
    pledge = await svc.start_form(turn.s, member=turn.member, now=turn.now, tz=turn.settings.tz)
    if pledge is None:
        await refuse_stale(turn)
        return
    await open_form(turn, NAME, "preview", _data_of(pledge))
    await turn.answer()
    await turn.reply(views.which_part(turn.t), views.edit_keyboard(turn.t))


async def _not_at_preview(turn: Turn[FormAction]) -> None:
    """An old preview's button: already submitted, or simply no longer valid."""
    if turn.data.action == "submit":
        pledge = await svc.current(turn.s, member=turn.member, now=turn.now, tz=turn.settings.tz)
        if pledge is not None and pledge.status != PledgeStatus.draft:
            await turn.answer(turn.t.label("Your pledge was already submitted."), alert=True)
            return
    await refuse_stale(turn)


async def _submit(turn: Turn[FormAction], state: FormState) -> None:
    try:
        done = await svc.submit(
            turn.s,
            member=turn.member,
            text=svc.PledgeText.of(state.data),
            now=turn.now,
            tz=turn.settings.tz,
            compose=turn.per_language(messages.heads_up),
        )
    except Refused as exc:
        if exc.code == "already_approved":
            # The form can never be submitted now; /pledge shows what was approved.
            await close_form(turn)
        raise
    await close_form(turn)
    await turn.answer()
    # The preview loses its buttons, so it cannot be submitted twice by mistake.
    await turn.set_buttons([])
    await turn.reply(views.submitted(turn.t, done))
