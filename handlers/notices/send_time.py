"""定时发送: the question for a send time, the time typed, and back to right away."""

from __future__ import annotations

from bot.models import FormState
from bot.services import notices as svc
from bot.services.errors import Refused
from bot.services.periods import parse_when
from handlers.notices import views
from handlers.notices.buttons import ASK, NOW, NoticeButton
from handlers.notices.compose import (
    FORM,
    STEP_WHEN,
    close_time_question,
    closing_on_refusal,
    redraw,
    show_preview,
)
from handlers.shape import EVERYONE, Turn, form_step, refuse_stale


async def when(turn: Turn[NoticeButton]) -> None:
    """定时发送 asks for the time; 改为立即发送 takes it back."""
    notice_id = turn.data.notice_id
    if turn.data.arg == NOW:
        notice = await svc.set_send_at(
            turn.s, actor=turn.member, notice_id=notice_id, send_at=None, now=turn.now
        )
        await close_time_question(turn, notice_id)
        await redraw(turn, notice)
    elif turn.data.arg == ASK:
        await svc.draft_of(turn.s, turn.member, notice_id)
        await turn.open_form(FORM, STEP_WHEN, {"notice_id": notice_id})
        await turn.s.commit()
        await turn.answer()
        await turn.reply(views.ask_for_time(turn.t, notice_id, turn.settings.timezone, turn.now))
    else:
        await refuse_stale(turn)


@form_step(roles=EVERYONE, refusals=views.REFUSALS)
async def time_typed(turn: Turn[None], state: FormState) -> None:
    """The send time, typed as YYYY-MM-DD HH:MM: a fresh preview shows it."""
    message = turn.update.effective_message
    assert message is not None
    notice_id = int(state.data.get("notice_id", 0))
    try:
        when = parse_when(message.text or "", turn.settings.tz)
        await svc.set_send_at(
            turn.s, actor=turn.actor.member, notice_id=notice_id, send_at=when, now=turn.now
        )
    except Refused as exc:
        await closing_on_refusal(turn, exc)
    await turn.close_form()
    await turn.s.commit()
    await show_preview(turn, notice_id)
