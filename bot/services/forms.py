"""Guided forms kept in the database, so a half-filled form survives a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import FormState
from bot.services.errors import Refused


async def current(session: AsyncSession, *, telegram_user_id: int) -> FormState | None:
    return (
        await session.exec(select(FormState).where(FormState.telegram_user_id == telegram_user_id))
    ).first()


async def start(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    form: str,
    step: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> FormState:
    """Begin a form, replacing any other form this person had open."""
    state = await current(session, telegram_user_id=telegram_user_id)
    if state is None:
        state = FormState(telegram_user_id=telegram_user_id, form=form, step=step, updated_at=now)
    state.form, state.step, state.data, state.updated_at = form, step, dict(data or {}), now
    session.add(state)
    return state


async def ensure_free(session: AsyncSession, *, telegram_user_id: int, form: str) -> None:
    """Refuse (form_open) to open `form` from a button while another form is half-filled.

    Starting would replace that form, and what the person types next for it would be
    taken as the answer to this one.
    """
    state = await current(session, telegram_user_id=telegram_user_id)
    if state is not None and state.form != form:
        raise Refused("form_open")


async def advance(
    session: AsyncSession, *, state: FormState, step: str, now: datetime, **data: Any
) -> FormState:
    """Move to `step`, merging `data` into what the form holds."""
    state.step = step
    state.data = {**state.data, **data}  # a new dict, so the JSON column is saved
    state.updated_at = now
    session.add(state)
    return state


async def clear(session: AsyncSession, *, telegram_user_id: int) -> bool:
    """End this person's form; True when there was one."""
    result = await session.exec(
        delete(FormState).where(col(FormState.telegram_user_id) == telegram_user_id)
    )
    return bool(getattr(result, "rowcount", 0))
