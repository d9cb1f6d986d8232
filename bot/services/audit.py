"""The audit log: who did which privileged thing when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditLog


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


async def recent(session: AsyncSession, *, limit: int = 50) -> list[AuditLog]:
    rows = await session.exec(select(AuditLog).order_by(col(AuditLog.id).desc()).limit(limit))
    return list(rows)
