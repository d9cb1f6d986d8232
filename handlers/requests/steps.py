"""What the 诉求 forms share: a typed step that ends its form unless only the text was wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

from bot.services import forms
from bot.services.errors import Refused
from handlers.shape import Turn


@asynccontextmanager
async def closing_form(turn: Turn[Any], *, retype: Collection[str]) -> AsyncIterator[None]:
    """Close the person's form after the body; on a refusal in `retype` keep it open
    (they can type again), on any other refusal close it (there is nothing left to do)."""
    user = turn.actor.telegram_user_id
    try:
        yield
    except Refused as exc:
        if exc.code not in retype:
            await turn.s.rollback()
            await forms.clear(turn.s, telegram_user_id=user)
            await turn.commit()
        raise
    await forms.clear(turn.s, telegram_user_id=user)
    await turn.commit()
