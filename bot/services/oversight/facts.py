"""The facts oversight reads from other capabilities' tables, in grouped queries.

Meetings are read here directly (not through the meetings service) so that computing
every branch's level is a handful of queries whatever the number of branches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Branch,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PartyGroup,
)


@dataclass(frozen=True, slots=True)
class MeetingFact:
    """One not-cancelled meeting: held (its time passed, with check-ins or minutes) or not."""

    meeting_id: int
    branch_id: int
    kind: MeetingKind
    starts_at: datetime
    held: bool
    upcoming: bool


def held_clause(now: datetime) -> object:
    """SQL for "held": not cancelled, started before `now`, with check-ins or minutes."""
    # An alias, so the subquery stays its own even where Attendance is joined outside.
    checkin = aliased(Attendance)
    checked_in = (
        exists()
        .where(col(checkin.meeting_id) == col(Meeting.id), col(checkin.checked_in_at).is_not(None))
        .correlate(Meeting)
    )
    return and_(
        col(Meeting.status) != MeetingStatus.cancelled,
        col(Meeting.starts_at) <= now,
        or_(
            col(Meeting.minutes_text).is_not(None),
            col(Meeting.minutes_media_id).is_not(None),
            checked_in,
        ),
    )


async def meeting_facts(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    branch_ids: Sequence[int] | None = None,
) -> list[MeetingFact]:
    """Every not-cancelled meeting starting in [start, end), for some or all branches."""
    held = held_clause(now)
    query = select(
        Meeting.id,
        Meeting.branch_id,
        Meeting.kind,
        Meeting.starts_at,
        held,  # type: ignore[call-overload]
    ).where(
        Meeting.status != MeetingStatus.cancelled,
        col(Meeting.starts_at) >= start,
        col(Meeting.starts_at) < end,
    )
    if branch_ids is not None:
        query = query.where(col(Meeting.branch_id).in_(list(branch_ids)))
    rows = (await session.execute(query.order_by(col(Meeting.starts_at)))).all()
    return [
        MeetingFact(mid, bid, MeetingKind(kind), at, bool(h), at > now)
        for mid, bid, kind, at, h in rows
    ]


async def branches_with_groups(session: AsyncSession) -> set[int]:
    rows = await session.exec(select(PartyGroup.branch_id).distinct())
    return set(rows)


async def branch_names(
    session: AsyncSession, branch_ids: Sequence[int] | None = None
) -> dict[int, str]:
    query = select(Branch.id, Branch.name).order_by(col(Branch.name))
    if branch_ids is not None:
        query = query.where(col(Branch.id).in_(list(branch_ids)))
    return {bid: name for bid, name in (await session.execute(query)).all() if bid is not None}


async def last_held(session: AsyncSession, *, now: datetime) -> dict[int, datetime]:
    """Each branch's newest held meeting."""
    rows = await session.execute(
        select(Meeting.branch_id, func.max(Meeting.starts_at))
        .where(held_clause(now))  # type: ignore[arg-type]
        .group_by(col(Meeting.branch_id))
    )
    return {bid: at for bid, at in rows.all()}
