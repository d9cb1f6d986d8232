"""The audit log: who did which privileged thing when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditLog, Member, Role
from bot.services.errors import Refused


async def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit entry in the caller's transaction."""
    entry = AuditLog(
        at=now, actor_id=actor_id, action=action, subject=subject, details=details or {}
    )
    session.add(entry)
    return entry


async def recent(
    session: AsyncSession, *, actor: Member | None, limit: int = 30
) -> list[tuple[AuditLog, str | None]]:
    """The newest entries with the name of who acted (admins only)."""
    if actor is None or actor.role != Role.admin:
        raise Refused("not_allowed")
    rows = await session.exec(
        select(AuditLog, Member.name)
        .join(Member, col(Member.id) == col(AuditLog.actor_id), isouter=True)
        .order_by(col(AuditLog.id).desc())
        .limit(limit)
    )
    return [(entry, name) for entry, name in rows.all()]
