"""审诺: the reviewer's next pledge, 通过 / 退回, and the comment a return needs.

The owner hears the outcome through the outbox (written with the review), so the
reviewer's answer never depends on whether the owner's copy can be delivered.
"""

from __future__ import annotations

from typing import Any

from bot.models import FormState, PledgeStatus
from bot.services import pledges as svc
from bot.services.errors import Refused
from handlers.pledges import messages, views
from handlers.pledges.buttons import ReviewChoice
from handlers.pledges.shared import REFUSALS, close_form, open_form, reply_parts
from handlers.shape import LEADERS, Form, Turn, form_step, handler, refuse_role

RETURN_FORM = "pledge_return"
# A comment the reviewer can fix; any other refusal means the pledge moved on.
FIXABLE = ("comment_empty", "comment_too_long")


async def send_next_review(turn: Turn[Any], *, quiet: bool = False) -> None:
    """The oldest pledge in the reviewer's queue; `quiet` says nothing when it is empty."""
    queue = await svc.next_review(turn.s, actor=turn.member, now=turn.now, tz=turn.settings.tz)
    if queue is None:
        if not quiet:
            await turn.reply(views.nothing_to_review(turn.t))
        return
    lines, keyboard = views.review_card(turn.t, queue)
    await reply_parts(turn, lines, keyboard)


@handler(roles=LEADERS, button=ReviewChoice, refusals=REFUSALS)
async def review_button(turn: Turn[ReviewChoice]) -> None:
    """通过 / 退回 under a pledge waiting for review."""
    d = turn.data
    if d.choice == "ret":
        await _ask_comment(turn)
        return
    done = await svc.review(
        turn.s,
        actor=turn.member,
        pledge_id=d.pledge_id,
        version=d.version,
        status=PledgeStatus.approved,
        comment=None,
        now=turn.now,
        compose=turn.per_language(messages.outcome),
    )
    await turn.commit()
    await turn.answer(turn.t.label("Approved."))
    await turn.edit(views.approved(turn.t, done))
    await send_next_review(turn)


async def _ask_comment(turn: Turn[ReviewChoice]) -> None:
    """退回 pressed: ask why (the comment form opens only for a pledge one may return)."""
    d = turn.data
    card = await svc.check_reviewable(
        turn.s, actor=turn.member, pledge_id=d.pledge_id, version=d.version
    )
    await open_form(turn, RETURN_FORM, "comment", {"pledge_id": d.pledge_id, "version": d.version})
    await turn.answer()
    await turn.reply(views.return_prompt(turn.t, card))


@form_step(roles=LEADERS, refusals=REFUSALS)
async def return_comment(turn: Turn[None], state: FormState) -> None:
    """The reviewer typed the comment for returning a pledge."""
    pledge_id, version = state.data.get("pledge_id"), state.data.get("version")
    if not isinstance(pledge_id, int) or not isinstance(version, int):
        await close_form(turn)
        await refuse_role(turn)
        return
    try:
        done = await svc.review(
            turn.s,
            actor=turn.member,
            pledge_id=pledge_id,
            version=version,
            status=PledgeStatus.returned,
            comment=turn.text,
            now=turn.now,
            compose=turn.per_language(messages.outcome),
        )
    except Refused as exc:
        if exc.code not in FIXABLE:  # asking again would not help
            await close_form(turn)
        raise
    await close_form(turn)
    await turn.reply(views.returned(turn.t, done))
    await send_next_review(turn)


RETURN = Form(RETURN_FORM, steps={"comment": return_comment})
