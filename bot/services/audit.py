"""The audit log: who did which privileged thing when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditLog, Branch, Member, Role
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
) -> list[tuple[AuditLog, str | None, str]]:
    """The newest entries with who acted and what it concerned, in words (admins only).

    Subjects are stored as "kind:id"; branches and people are shown by name, other
    things by their number (the action already says what kind of thing it is).
    """
    if actor is None or actor.role != Role.admin:
        raise Refused("not_allowed")
    rows = (
        await session.exec(
            select(AuditLog, Member.name)
            .join(Member, col(Member.id) == col(AuditLog.actor_id), isouter=True)
            .order_by(col(AuditLog.id).desc())
            .limit(limit)
        )
    ).all()
    ids: dict[str, set[int]] = {"branch": set(), "member": set()}
    for entry, _name in rows:
        kind, _, raw = entry.subject.partition(":")
        if kind in ids and raw.isdigit():
            ids[kind].add(int(raw))
    names = {
        "branch": dict(
            (
                await session.exec(
                    select(Branch.id, Branch.name).where(col(Branch.id).in_(ids["branch"]))
                )
            ).all()
        ),
        "member": dict(
            (
                await session.exec(
                    select(Member.id, Member.name).where(col(Member.id).in_(ids["member"]))
                )
            ).all()
        ),
    }

    def subject(raw_subject: str) -> str:
        kind, _, raw = raw_subject.partition(":")
        if not raw.isdigit():
            return raw_subject
        return names.get(kind, {}).get(int(raw)) or f"#{raw}"

    return [(entry, name, subject(entry.subject)) for entry, name in rows]
