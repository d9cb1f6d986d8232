"""Secretaries and admins: 受理, 办结 with a reply (and a file), 转交党委 with a reason,
and an admin's 接手办理 of a request a branch has not dealt with in time."""

from __future__ import annotations

from typing import Any

from bot.models import FormState
from bot.services import requests as svc
from handlers.common import attached_file
from handlers.requests import news, views
from handlers.requests.buttons import Act
from handlers.shape import LEADERS, Form, Turn, closing_form, form_step, handler

REPLY = "requests.reply"
FORWARD = "requests.forward"
# Refusals after which a form stays open (the person can type it again).
RETYPE = frozenset({"reply_empty", "reply_too_long", "reason_empty", "reason_too_long"})


@handler(roles=LEADERS, button=Act, refusals=views.REFUSALS)
async def act(turn: Turn[Act]) -> None:
    """受理 / 接手办理 at once; 办结 and 转交党委 ask for the reply or the reason."""
    request_id, action = turn.data.request_id, svc.Action(turn.data.action)
    if action in (svc.Action.accept, svc.Action.take):
        outcome = await svc.accept(
            turn.s,
            actor=turn.member,
            request_id=request_id,
            take_over=action == svc.Action.take,
            compose=news.composer_of(turn.context),
            now=turn.now,
        )
        await turn.commit()
        await turn.answer(turn.t.label("Done."))
        await turn.set_buttons(
            views.buttons(turn.t, outcome.card, svc.actions_for(turn.member, outcome.card))
        )
        await turn.reply(views.accepted(turn.t, outcome))
        return
    await svc.check(turn.s, actor=turn.member, request_id=request_id, action=action)
    form = REPLY if action == svc.Action.resolve else FORWARD
    await turn.open_form(form, "text", {"request_id": request_id})
    await turn.commit()
    card = await svc.detail(turn.s, actor=turn.member, request_id=request_id)
    await turn.reply(
        views.reply_prompt(turn.t, card) if form == REPLY else views.forward_prompt(turn.t, card)
    )


async def _finish(turn: Turn[None], state: FormState, **kw: Any) -> svc.Outcome:
    """Resolve or forward; the form closes unless the text only needs retyping."""
    act = svc.resolve if state.form == REPLY else svc.forward
    async with closing_form(turn, retype=RETYPE):
        outcome = await act(
            turn.s,
            actor=turn.member,
            request_id=int(state.data["request_id"]),
            compose=news.composer_of(turn.context),
            now=turn.now,
            **kw,
        )
    return outcome


@form_step(roles=LEADERS, refusals=views.REFUSALS)
async def reply_text(turn: Turn[None], state: FormState) -> None:
    """The reply typed: 办结."""
    outcome = await _finish(turn, state, reply=turn.text)
    await turn.reply(views.resolved(turn.t, outcome))


@form_step(roles=LEADERS, refusals=views.REFUSALS)
async def reply_file(turn: Turn[None], state: FormState) -> None:
    """A document (or photo) with the reply as its caption: 办结 with the file."""
    message, found = turn.update.effective_message, attached_file(turn.update)
    if message is None or found is None:
        return
    outcome = await _finish(turn, state, reply=message.caption or "", file=found)
    await turn.reply(views.resolved(turn.t, outcome))


@form_step(roles=LEADERS, refusals=views.REFUSALS)
async def forward_reason(turn: Turn[None], state: FormState) -> None:
    """The reason typed: 转交党委."""
    outcome = await _finish(turn, state, reason=turn.text)
    await turn.reply(views.forwarded(turn.t, outcome))


REPLY_FORM = Form(REPLY, steps={"text": reply_text}, media={"text": reply_file})
FORWARD_FORM = Form(FORWARD, steps={"text": forward_reason})
