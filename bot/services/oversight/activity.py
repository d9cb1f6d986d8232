"""When each person last used the bot (for "the secretary has not used the bot for 30 days")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, MemberActivity

# At most one write per person per hour: the signal is days, not minutes.
RESOLUTION = timedelta(hours=1)


async def touch(session: AsyncSession, *, telegram_user_id: int, now: datetime) -> bool:
    """Record that this person used the bot; True when a row was written."""
    row = (
        await session.execute(
            select(Member.id, MemberActivity.last_seen_at)
            .outerjoin(MemberActivity, col(MemberActivity.member_id) == col(Member.id))
            .where(Member.telegram_user_id == telegram_user_id)
        )
    ).first()
    if row is None:
        return False
    member_id, seen = row
    if seen is not None:
        seen = seen if seen.tzinfo else seen.replace(tzinfo=UTC)
        if now - seen < RESOLUTION:
            return False
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = MemberActivity.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(member_id=member_id, last_seen_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["member_id"], set_={"last_seen_at": now})
    await session.execute(stmt)
    return True
