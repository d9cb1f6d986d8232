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

from sqlalchemy import case, func, text
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Role
from bot.services import org
from bot.services.training.arithmetic import expected_by
from bot.services.training.hours import (
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
    """Each source's per-member sum as a subquery, and a member row's total of them."""

    def __init__(self, dialect: str, scope: Scope, year: Year) -> None:
        self.sources = [
            meeting_query(dialect, scope=scope, start=year.start, end=year.end).subquery(),
            study_query(scope=scope, start=year.start, end=year.end).subquery(),
            external_query(scope=scope, first=year.first, last=year.last).subquery(),
        ]
        self.total: Any = sum(
            (func.coalesce(sub.c.tenths, 0) for sub in self.sources[1:]),
            func.coalesce(self.sources[0].c.tenths, 0),
        )

    def joined(self, query: Any) -> Any:
        query = query.select_from(Member)
        for sub in self.sources:
            query = query.outerjoin(sub, sub.c.member_id == col(Member.id))
        return query


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


async def behind_by_branch(
    session: AsyncSession, *, scope: Scope, year: Year, targets: Targets
) -> dict[int, list[tuple[int, str]]]:
    """Branch → its members behind the share due by today, (id, name) in people order."""
    totals = _Totals(dialect_of(session), scope, year)
    query = totals.joined(
        _people(scope, col(Member.branch_id), col(Member.id), col(Member.name))
    ).where(totals.total < _expected(targets, year))
    await _custom_plans(session)
    out: dict[int, list[tuple[int, str]]] = {}
    for branch_id, member_id, name in (await session.execute(query)).all():
        if branch_id is not None:
            out.setdefault(int(branch_id), []).append((int(member_id), name))
    return out
