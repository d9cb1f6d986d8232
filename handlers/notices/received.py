"""收到: a recipient confirms a notice; recorded once, and the button then says when."""

from __future__ import annotations

from bot.services import notices as svc
from bot.services.errors import Refused
from handlers.notices import views
from handlers.notices.buttons import Received
from handlers.shape import EVERYONE, Turn, handler, refuse_stale


@handler(roles=EVERYONE, button=Received, refusals=views.REFUSALS)
async def received(turn: Turn[Received]) -> None:
    """A recipient presses 收到 (under the notice or its reminder)."""
    try:
        ack = await svc.acknowledge(
            turn.s, member=turn.actor.member, notice_id=turn.data.notice_id, now=turn.now
        )
    except Refused:
        # Not a recipient (or no such notice): to them it is a button that means nothing.
        await refuse_stale(turn)
        return
    await turn.s.commit()
    await turn.answer(views.ack_toast(turn.t, ack))
    await turn.set_buttons([[views.acked_button(turn.t, ack.notice_id, ack.acked_at)]])
