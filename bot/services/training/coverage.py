"""Coverage per branch counted in SQL: members on track, reached, and who is behind.

The committee view and the oversight health indicators need counts per branch, not one
row per member: the three sources are summed per member inside the database (the
grouped source queries of hours.py, joined to the member rows), compared with each
member's target there (the target follows targets.role_of, written as a CASE), and grouped per
branch. Loading every member of 500 branches to count them in Python cost more than
all the sums together (bench/training.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, text, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Role
from bot.services import org
from bot.services.training.arithmetic import expected_by
from bot.services.training.hours import (
    MEMBER_ID,
    TENTHS,
    Scope,
    Year,
    dialect_of,
    external_query,
    meeting_query,
    study_query,
)
from bot.services.training.targets import Targets


@dataclass(frozen=True, slots=True)
class Counts:
    """One branch's active members, those on track (at or above the share of their target
    due by today) and those who reached their whole target."""

    members: int
    on_track: int
    reached: int


class _Totals:
    """Each member's total of the three sources, as one subquery (member_id, tenths).

    The sources' per-member sums are stacked (UNION ALL) and summed once more per member,
    so the member rows are joined to one subquery rather than three: on SQLite that is
    one automatic index instead of three, on PostgreSQL one hash instead of three.
    """

    def __init__(self, dialect: str, scope: Scope, year: Year) -> None:
        sources = union_all(
            meeting_query(dialect, scope=scope, start=year.start, end=year.end),
            study_query(scope=scope, start=year.start, end=year.end),
            external_query(scope=scope, first=year.first, last=year.last),
        ).subquery()
        self.per_member = (
            select(sources.c[MEMBER_ID], func.sum(sources.c[TENTHS]).label(TENTHS))
            .group_by(sources.c[MEMBER_ID])
            .subquery()
        )
        self.total: Any = func.coalesce(self.per_member.c[TENTHS], 0)

    def joined(self, query: Any) -> Any:
        on = self.per_member.c[MEMBER_ID] == col(Member.id)
        return query.select_from(Member).outerjoin(self.per_member, on)


def _by_role(secretary: int, committee: int, member: int) -> Any:
    """A member row's value by the role their target follows (targets.role_of)."""
    return case(
        (col(Member.role) == Role.secretary, secretary),
        (col(Member.is_committee).is_(True), committee),
        else_=member,
    )


def _target(targets: Targets) -> Any:
    return _by_role(targets.secretary, targets.committee, targets.member)


def _expected(targets: Targets, year: Year) -> Any:
    day = min(year.today, year.last)
    return _by_role(
        expected_by(targets.secretary, day),
        expected_by(targets.committee, day),
        expected_by(targets.member, day),
    )


def _people(scope: Scope, *columns: Any) -> Any:
    """The active members of the scope (org.people_query) with only `columns`."""
    return org.people_query(scope).with_only_columns(*columns)


async def _custom_plans(session: AsyncSession) -> None:
    """PostgreSQL plans these queries for their parameters every time (this transaction).

    After five runs of a prepared statement PostgreSQL may switch to a generic plan made
    without the dates: it guesses a year's range of meetings at a handful of rows and
    loops over the grouped subqueries per member, which took minutes on the benchmark's
    committee instead of a tenth of a second.
    """
    if dialect_of(session) == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def branch_counts(
    session: AsyncSession, *, scope: Scope, year: Year, targets: Targets
) -> dict[int, Counts]:
    """Branch → its counts, for the branches of `scope` that have members."""
    totals = _Totals(dialect_of(session), scope, year)
    on_track = case((totals.total >= _expected(targets, year), 1), else_=0)
    reached = case((totals.total >= _target(targets), 1), else_=0)
    query = totals.joined(
        _people(scope, col(Member.branch_id), func.count(), func.sum(on_track), func.sum(reached))
    )
    await _custom_plans(session)
    rows = (await session.execute(query.order_by(None).group_by(col(Member.branch_id)))).all()
    return {int(b): Counts(int(n), int(t or 0), int(r or 0)) for b, n, t, r in rows if b}


async def counts_and_behind(
    session: AsyncSession, *, scope: Scope, year: Year, targets: Targets
) -> tuple[dict[int, Counts], dict[int, list[tuple[int, str]]]]:
    """branch_counts and each branch's members behind the share due by today ((id, name)
    in people order), from one read of every member's total: a row per member, which
    the weekly to-dos need anyway, so the year's check-ins are summed once, not twice."""
    totals = _Totals(dialect_of(session), scope, year)
    on_track = totals.total >= _expected(targets, year)
    reached = totals.total >= _target(targets)
    query = totals.joined(
        _people(scope, col(Member.branch_id), col(Member.id), col(Member.name), on_track, reached)
    )
    await _custom_plans(session)
    tallied: dict[int, list[int]] = {}
    behind: dict[int, list[tuple[int, str]]] = {}
    for branch_id, member_id, name, track, done in (await session.execute(query)).all():
        if branch_id is None:
            continue
        n = tallied.setdefault(int(branch_id), [0, 0, 0])
        n[0], n[1], n[2] = n[0] + 1, n[1] + bool(track), n[2] + bool(done)
        if not track:
            behind.setdefault(int(branch_id), []).append((int(member_id), name))
    return {b: Counts(*n) for b, n in tallied.items()}, behind
