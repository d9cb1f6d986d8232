"""Exactly-once claims: a reminder or job slot is claimed in the database, never in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member
from bot.models.once import ReminderLog


async def claim_many(
    session: AsyncSession,
    *,
    kind: str,
    subject: str,
    slot: str,
    member_ids: Iterable[int],
    now: datetime,
) -> set[int]:
    """Claim (kind, subject, member, slot) for each member; returns those newly claimed.

    Runs in the caller's transaction: commit it together with the outbox rows the claim
    stands for, so a crash either keeps both or neither.
    """
    rows = [
        {"kind": kind, "subject": subject, "member_id": m, "slot": slot, "created_at": now}
        for m in dict.fromkeys(member_ids)
    ]
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ReminderLog.__table__  # type: ignore[attr-defined]
    claimed: set[int] = set()
    for start in range(0, len(rows), 500):
        stmt = (
            insert(table)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["kind", "subject", "member_id", "slot"])
            .returning(table.c.member_id)
        )
        claimed.update((await session.execute(stmt)).scalars())
    return claimed


class _OfBranch(Protocol):
    @property
    def branch_id(self) -> int: ...


T = TypeVar("T")
BranchT = TypeVar("BranchT", bound=_OfBranch)


async def claim_members(
    session: AsyncSession,
    people: Sequence[Member],
    *,
    kind: str,
    subject: str,
    slot: str,
    now: datetime,
) -> list[Member]:
    """Those of `people` newly claimed (the others were claimed before), in their order."""
    return await _claim_each(
        session, people, lambda m: m.id, kind=kind, subject=subject, slot=slot, now=now
    )


async def claim_branches(
    session: AsyncSession,
    rows: Sequence[BranchT],
    *,
    kind: str,
    subject: str,
    slot: str,
    now: datetime,
) -> list[BranchT]:
    """Those of `rows` whose branch is newly claimed (once per branch: the branch id stands
    where a member's would), in their order."""
    return await _claim_each(
        session, rows, lambda r: r.branch_id, kind=kind, subject=subject, slot=slot, now=now
    )


async def _claim_each(
    session: AsyncSession,
    items: Sequence[T],
    key: Callable[[T], int | None],
    *,
    kind: str,
    subject: str,
    slot: str,
    now: datetime,
) -> list[T]:
    keys = [key(item) for item in items]
    claimed = await claim_many(
        session,
        kind=kind,
        subject=subject,
        slot=slot,
        member_ids=[k for k in keys if k is not None],
        now=now,
    )
    return [item for item, k in zip(items, keys, strict=True) if k in claimed]


async def claim(
    session: AsyncSession, *, kind: str, subject: str, slot: str, now: datetime, member_id: int = 0
) -> bool:
    """Claim one slot; False when it was claimed before (by this or another process)."""
    return bool(
        await claim_many(
            session, kind=kind, subject=subject, slot=slot, member_ids=[member_id], now=now
        )
    )
