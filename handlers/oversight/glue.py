"""GLUE with the meetings capability (issue 11): the one place oversight reaches into it.

A calendar reminder's button opens the /newmeeting guided form with the kind already
chosen. Written against handlers/meetings.py as it is on main today (its private
`_ask`, `_next_step` and `FORM`); the meetings package being restructured in parallel
will offer its own entry point, and the lead replaces the body of this function with it.
"""

from __future__ import annotations

from typing import Any

from bot.models import MeetingKind
from bot.services import forms


async def open_newmeeting(turn: Any, kind: MeetingKind) -> None:
    """Start the guided /newmeeting form at the step after the kind (GLUE, see above)."""
    from bot.services import meetings as meetings_svc
    from handlers import meetings as meetings_handlers

    form = meetings_handlers.FORM
    await forms.ensure_free(turn.s, telegram_user_id=turn.actor.telegram_user_id, form=form)
    draft = meetings_svc.Draft(kind=kind)
    step = meetings_handlers._next_step("kind", draft, False)
    state = await forms.start(
        turn.s,
        telegram_user_id=turn.actor.telegram_user_id,
        form=form,
        step=step,
        now=turn.now,
        data=draft.to_data(),
    )
    await turn.commit()
    await meetings_handlers._ask(turn.s, turn.update, turn.context, turn.actor, state)
