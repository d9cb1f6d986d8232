"""The training capability's part of an export: 学时 per member by source against target.

Counted by `training.hours.tallies` exactly as /hours counts them, for the year of the
report's period (the current year as of today; an earlier year as of its last day).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch
from bot.services.periods import Period
from bot.services.reports.scope import Scope
from bot.services.training import targets as targets_svc
from bot.services.training.hours import people_of, tallies, year_of
from bot.services.training.targets import TargetRole


class TrainingRow(NamedTuple):
    """One member's year, hours in tenths."""

    branch: str
    member: str
    role: TargetRole
    year: int
    meeting: int
    study: int
    external: int
    total: int
    target: int
    expected: int
    behind: bool


async def training_rows(
    session: AsyncSession, *, scope: Scope, period: Period, now: datetime, tz: ZoneInfo
) -> list[TrainingRow]:
    """Every active member of the scope, by branch name, then as /hours lists them."""
    year = year_of(now, tz)
    if period.last.year != year.year:  # as overview counts another year: as of its end
        year = year_of(datetime(period.last.year, 12, 31, 12, tzinfo=tz), tz)
    people = await people_of(session, scope.branch_id)
    targets = await targets_svc.current(session)
    rows = await tallies(session, people=people, scope=scope.branch_id, year=year, targets=targets)
    query = select(Branch.id, Branch.name).order_by(col(Branch.name))
    if scope.branch_id is not None:
        query = query.where(Branch.id == scope.branch_id)
    names = {b: n for b, n in (await session.execute(query)).all()}
    order = {b: i for i, b in enumerate(names)}
    branch_of = {p.id: p.branch_id for p in people}
    keyed = []
    for r in rows:
        branch_id = branch_of.get(r.member_id)
        row = TrainingRow(
            names.get(branch_id or 0, ""), r.name, r.role, year.year, r.meeting, r.study,
            r.external, r.total, r.target, r.expected, r.behind,
        )  # fmt: skip
        keyed.append((order.get(branch_id or 0, len(order)), row))
    keyed.sort(key=lambda k: k[0])  # stable: within a branch, /hours' order
    return [row for _k, row in keyed]
