"""评诺: /pledges rate, a rating pressed, then a comment typed or 不写评语."""

from __future__ import annotations

from typing import Any

from bot.models import FormState, PledgeRating
from bot.services import forms
from bot.services import pledges as svc
from bot.services.errors import Refused
from handlers.pledges import messages, views
from handlers.pledges.buttons import RATING_CODES, RateChoice
from handlers.pledges.shared import REFUSALS, close_form, open_form, reply_parts
from handlers.shape import SECRETARIES, Form, Turn, form_step, handler, refuse_role, refuse_stale

RATE_FORM = "pledge_rate"


async def send_next_rating(turn: Turn[Any]) -> None:
    """The next approved pledge to rate, with its progress notes."""
    nxt = await svc.next_rating(turn.s, actor=turn.member, now=turn.now, tz=turn.settings.tz)
    if nxt is None:
        await turn.reply(turn.t._("Every approved pledge of this year is rated."))
        return
    lines, keyboard = views.rating_card(turn.t, nxt)
    await reply_parts(turn, lines, keyboard)


@handler(roles=SECRETARIES, button=RateChoice, refusals=REFUSALS)
async def rate_button(turn: Turn[RateChoice]) -> None:
    """A rating pressed (then a comment is asked), or 不写评语 to rate without one."""
    d, t = turn.data, turn.t
    pledge = await svc.check_rateable(turn.s, actor=turn.member, pledge_id=d.pledge_id)
    if d.rating is None:
        await _without_comment(turn, already=pledge.rating is not None)
        return
    if pledge.rating is not None:
        # Like 通过 pressed twice: a rating, once recorded, is not changed by an old card.
        await turn.answer(
            t.label(
                "This pledge is already rated: {rating}; nothing was changed.",
                rating=views.rating_name(t, pledge.rating),
            ),
            alert=True,
        )
        return
    await open_form(turn, RATE_FORM, "comment", {"pledge_id": d.pledge_id, "rating": d.choice})
    card = await svc.card_of(turn.s, pledge)
    await turn.answer()
    text, keyboard = views.rating_prompt(t, d.pledge_id, card, d.rating)
    await turn.reply(text, keyboard)


async def _without_comment(turn: Turn[RateChoice], *, already: bool) -> None:
    """不写评语: the rating chosen for this pledge, recorded without a comment."""
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    if (
        state is None
        or state.form != RATE_FORM
        or state.data.get("pledge_id") != turn.data.pledge_id
        or state.data.get("rating") not in RATING_CODES
    ):
        if already:
            await turn.answer(turn.t.label("This rating is already recorded."), alert=True)
        else:
            await refuse_stale(turn)
        return
    await turn.answer()
    await _finish(turn, turn.data.pledge_id, RATING_CODES[state.data["rating"]], None)


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def rate_comment(turn: Turn[None], state: FormState) -> None:
    """The secretary typed the comment that goes with a rating."""
    pledge_id, code = state.data.get("pledge_id"), state.data.get("rating")
    if not isinstance(pledge_id, int) or code not in RATING_CODES:
        await close_form(turn)
        await refuse_role(turn)
        return
    text = turn.text
    try:
        svc.validate_comment(text, required=False)
        await svc.check_rateable(turn.s, actor=turn.member, pledge_id=pledge_id)
    except Refused as exc:
        if exc.code != "comment_too_long":
            await close_form(turn)
        raise
    await _finish(turn, pledge_id, RATING_CODES[code], text)


async def _finish(
    turn: Turn[Any], pledge_id: int, rating: PledgeRating, comment: str | None
) -> None:
    """Record the rating (the member is told through the outbox), then the next pledge."""
    pledge, changed = await svc.rate(
        turn.s,
        actor=turn.member,
        pledge_id=pledge_id,
        rating=rating,
        comment=comment,
        now=turn.now,
        compose=turn.per_language(messages.rating_message),
    )
    await close_form(turn)
    if changed:
        await turn.reply(views.rated(turn.t, pledge, await svc.card_of(turn.s, pledge)))
    else:
        await turn.reply(turn.t._("This rating is already recorded."))
    await send_next_rating(turn)


RATE = Form(RATE_FORM, steps={"comment": rate_comment})
