"""Guards kept in the database, so they hold across restarts and processes.

A redelivered update (polling after a crash, a webhook retry) is claimed once by its
update id; wrong invite tokens are counted per person so links cannot be guessed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import HandledUpdate, InviteAttempt

# Telegram keeps an unconfirmed update for up to 24 hours; a day more covers a process
# that was down over a weekend night and clock skew between processes.
KEEP_HANDLED = timedelta(hours=48)
INVITE_TRIES = 10
INVITE_WINDOW = timedelta(hours=1)


async def claim_update(session: AsyncSession, *, update_id: int, now: datetime) -> bool:
    """Claim an update id (committed); False when this or another process already did."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = HandledUpdate.__table__  # type: ignore[attr-defined]
    stmt = (
        insert(table)
        .values(update_id=update_id, at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id)
    )
    claimed = (await session.execute(stmt)).first() is not None
    await session.commit()
    return claimed


async def prune_updates(session: AsyncSession, *, now: datetime) -> int:
    """Forget update ids past Telegram's redelivery window (and old invite attempts)."""
    gone = await session.execute(
        delete(HandledUpdate).where(col(HandledUpdate.at) < now - KEEP_HANDLED)
    )
    await session.execute(delete(InviteAttempt).where(col(InviteAttempt.at) < now - INVITE_WINDOW))
    await session.commit()
    return int(getattr(gone, "rowcount", 0) or 0)


async def invite_tries_left(session: AsyncSession, *, telegram_user_id: int, now: datetime) -> int:
    """How many more wrong invite tokens this person may try within the hour."""
    used = (
        await session.exec(
            select(func.count())
            .select_from(InviteAttempt)
            .where(
                InviteAttempt.telegram_user_id == telegram_user_id,
                col(InviteAttempt.at) > now - INVITE_WINDOW,
            )
        )
    ).one()
    return max(0, INVITE_TRIES - int(used))


async def record_wrong_invite(
    session: AsyncSession, *, telegram_user_id: int, now: datetime
) -> None:
    """Count one wrong token (committed, whatever the caller rolls back)."""
    session.add(InviteAttempt(telegram_user_id=telegram_user_id, at=now))
    await session.commit()
