"""The audit log: who did which privileged thing when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    AnnualReview,
    Attendance,
    AuditLog,
    Branch,
    Meeting,
    Member,
    Notice,
    PartyGroup,
    Pledge,
    Role,
    StudyFeed,
    StudyItem,
)
from bot.services.errors import Refused

# How an entry names the row it concerns: "kind:id" (`recent` shows branches and people
# by name). A capability whose rows are audited adds its tables here.
KINDS: dict[type[SQLModel], str] = {
    AnnualReview: "review",
    Attendance: "attendance",
    Branch: "branch",
    Meeting: "meeting",
    Member: "member",
    Notice: "notice",
    PartyGroup: "group",
    Pledge: "pledge",
    StudyFeed: "feed",
    StudyItem: "study",
}


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


def subject_of(row: SQLModel) -> str:
    """The subject that names `row` in the log ("meeting:12"); the row must have its id."""
    row_id = getattr(row, "id", None)
    assert row_id is not None, "flush a new row before naming it"
    return f"{KINDS[type(row)]}:{row_id}"


async def entry(
    session: AsyncSession,
    *,
    by: Member,
    action: str,
    about: SQLModel | str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """The entry saying `by` did `action` to the row `about` (flushed first if new), or
    to what the subject `about` names when the row is not at hand."""
    if not isinstance(about, str):
        if getattr(about, "id", None) is None:
            await session.flush()
        about = subject_of(about)
    return await record(
        session, actor_id=by.id, action=action, now=now, subject=about, details=details
    )


async def saved(
    session: AsyncSession,
    row: SQLModel,
    *,
    by: Member,
    action: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Store the change to `row` and, in the same transaction, the entry that `by` made it.

    For the changes that are audited where they are made: `session.add(row)` and the
    entry about it, so that neither is ever written without the other.
    """
    session.add(row)
    return await entry(session, by=by, action=action, about=row, now=now, details=details)


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
