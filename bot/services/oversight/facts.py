"""The facts oversight reads from other capabilities' tables, in grouped queries.

Meetings are read here directly (not through the meetings service) so that computing
every branch's level is a handful of queries whatever the number of branches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Branch,
    Exemption,
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
    # A scalar subquery with LIMIT 1 is probed per meeting through the (meeting_id,
    # checked_in_at, member_id) index on both databases; PostgreSQL would turn EXISTS into a hashed
    # scan of every check-in. An alias keeps it its own where Attendance is joined outside.
    checkin = aliased(Attendance)
    checked_in = (
        select(checkin.meeting_id)  # in the index, so the row itself is not read
        .where(col(checkin.meeting_id) == col(Meeting.id), col(checkin.checked_in_at).is_not(None))
        .limit(1)
        .correlate(Meeting)
        .scalar_subquery()
        .is_not(None)
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


Window = tuple[Sequence[MeetingKind] | None, datetime, datetime]


async def meeting_facts(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    branch_ids: Sequence[int] | None = None,
    windows: Sequence[Window] = (),
) -> list[MeetingFact]:
    """Every not-cancelled meeting starting in [start, end), for some or all branches.

    With `windows` ((kinds or None for all, start, end), …) only meetings inside one of
    them are read: the health check needs a few short ranges, not the whole year.
    """
    held = held_clause(now)
    query = select(
        Meeting.id,
        Meeting.branch_id,
        Meeting.kind,
        Meeting.starts_at,
        held,  # type: ignore[call-overload]
    ).where(Meeting.status != MeetingStatus.cancelled)
    if windows:
        # Each window its own range of the starts_at index (SQLite: MULTI-INDEX OR), not
        # one range over all of them: a last closed year would reach back over every
        # meeting of this year.
        query = query.where(
            or_(
                *(
                    and_(
                        col(Meeting.starts_at) >= w_start,
                        col(Meeting.starts_at) < w_end,
                        *(() if kinds is None else (col(Meeting.kind).in_(list(kinds)),)),
                    )
                    for kinds, w_start, w_end in _merged(windows, start, end)
                )
            )
        )
    else:
        query = query.where(col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end)
    if branch_ids is not None:
        query = query.where(col(Meeting.branch_id).in_(list(branch_ids)))
    rows = (await session.execute(query)).all()
    facts = [
        MeetingFact(mid, bid, MeetingKind(kind), at, bool(h), at > now)
        for mid, bid, kind, at, h in rows
    ]
    facts.sort(key=lambda f: f.starts_at)
    return facts


def _merged(windows: Sequence[Window], start: datetime, end: datetime) -> list[Window]:
    """The windows clipped to [start, end), those of one range as one (their kinds
    together), and none inside a window of every kind: each meeting is read once."""
    ranges: dict[tuple[datetime, datetime], set[MeetingKind] | None] = {}
    for kinds, w_start, w_end in windows:
        key = (max(w_start, start), min(w_end, end))
        if key[0] >= key[1]:
            continue
        if key in ranges:
            known = ranges[key]
            ranges[key] = None if known is None or kinds is None else known | set(kinds)
        else:
            ranges[key] = None if kinds is None else set(kinds)
    every = [r for r, kinds in ranges.items() if kinds is None]
    return [
        (None if kinds is None else sorted(kinds), a, b)
        for (a, b), kinds in ranges.items()
        if kinds is None or not any(s <= a and b <= e for s, e in every)
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


async def exempt_keys(
    session: AsyncSession, *, branch_ids: Sequence[int] | None = None
) -> dict[tuple[int, str, str], str]:
    """(branch, kind, period label) → reason."""
    query = select(Exemption)
    if branch_ids is not None:
        query = query.where(col(Exemption.branch_id).in_(list(branch_ids)))
    return {(e.branch_id, e.kind, e.period_label): e.reason for e in await session.exec(query)}
