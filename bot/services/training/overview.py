"""/hours: a member's own 学时, a branch's members, and every branch for the committee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, RecordState, Role, TrainingRecord
from bot.services import access
from bot.services.errors import Refused
from bot.services.training import coverage
from bot.services.training import targets as targets_svc
from bot.services.training.hooks import TrainingIndicator
from bot.services.training.hours import Tally, Year, people_of, tallies, year_of
from bot.services.training.secretaries import SecretaryStatus, statuses


@dataclass(frozen=True, slots=True)
class OwnHours:
    """A member's year: the tally by source, records waiting, the secretary rule if any."""

    year: int
    tally: Tally
    pending: int
    secretary: SecretaryStatus | None


@dataclass(frozen=True, slots=True)
class BranchHours:
    """A secretary's branch: everyone's tally (people order), and who is behind."""

    year: int
    branch_name: str
    rows: list[Tally]

    @property
    def behind(self) -> list[Tally]:
        return [r for r in self.rows if r.behind]


@dataclass(frozen=True, slots=True)
class BranchLine:
    """One branch in the committee's view."""

    branch_id: int
    name: str
    indicator: TrainingIndicator


@dataclass(frozen=True, slots=True)
class CommitteeHours:
    """Every branch's coverage, and every secretary past the 6-month rule."""

    year: int
    branches: list[BranchLine]
    overdue: list[tuple[SecretaryStatus, str]]  # with the branch's name


async def own_hours(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> OwnHours:
    """A member's (or secretary's) own year."""
    member = access.require(actor, Role.member, Role.secretary, in_branch=True)
    assert member.id is not None
    year = year_of(now, tz)
    targets = await targets_svc.current(session)
    (tally,) = await tallies(
        session, people=[member], scope=member.branch_id, year=year, targets=targets
    )
    pending = (
        await session.exec(
            select(func.count())
            .select_from(TrainingRecord)
            .where(
                TrainingRecord.member_id == member.id,
                TrainingRecord.state == RecordState.pending,
            )
        )
    ).one()
    secretary = None
    if member.role == Role.secretary:
        mine = await statuses(session, branch_ids=member.branch_id, tz=tz)
        secretary = next((s for s in mine if s.member_id == member.id), None)
    return OwnHours(year.year, tally, int(pending), secretary)


async def branch_hours(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> BranchHours:
    """The secretary's branch, everyone's tally."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    assert secretary.branch_id is not None
    branch = await session.get(Branch, secretary.branch_id)
    if branch is None:
        raise Refused("no_branch")
    year = year_of(now, tz)
    people = await people_of(session, branch.id)
    targets = await targets_svc.current(session)
    rows = await tallies(session, people=people, scope=branch.id, year=year, targets=targets)
    return BranchHours(year.year, branch.name, rows)


async def count(
    session: AsyncSession,
    *,
    branch_ids: Sequence[int] | None,
    year: int | None,
    now: datetime,
    tz: ZoneInfo,
    with_behind: bool,
    with_counts: bool = True,
) -> tuple[dict[int, TrainingIndicator], list[SecretaryStatus]]:
    """The indicators (see hooks.training_indicators), and the secretaries past the
    6-month rule they were made from.

    Counted per branch in SQL (coverage.py); who is behind is read only `with_behind`,
    the counts not at all without `with_counts` (only the secretary rule then).
    """
    counted: Year = year_of(now, tz)
    if year is not None and year != counted.year:
        at_end = datetime(year, 12, 31, 12, tzinfo=tz)
        counted = year_of(at_end, tz)
    ids = list(branch_ids) if branch_ids is not None else None
    if ids is None:
        ids = [b for b in await session.exec(select(Branch.id)) if b is not None]
    scope = None if branch_ids is None else ids
    targets = await targets_svc.current(session)
    counts: dict[int, coverage.Counts] = {}
    behind: dict[int, list[tuple[int, str]]] = {}
    if with_behind:
        counts, behind = await coverage.counts_and_behind(
            session, scope=scope, year=counted, targets=targets
        )
    elif with_counts:
        counts = await coverage.branch_counts(session, scope=scope, year=counted, targets=targets)
    today = now.astimezone(tz).date()
    under_rule: dict[int, list[SecretaryStatus]] = {}
    for s in await statuses(session, branch_ids=scope, tz=tz):
        if s.branch_id is not None:
            under_rule.setdefault(s.branch_id, []).append(s)
    overdue_now = [s for rows in under_rule.values() for s in rows if s.overdue(today)]
    none = coverage.Counts(0, 0, 0)
    found = {
        b: TrainingIndicator(
            branch_id=b,
            members=counts.get(b, none).members,
            on_track=counts.get(b, none).on_track,
            reached=counts.get(b, none).reached,
            behind_ids=tuple(m for m, _name in behind.get(b, [])),
            behind_names=tuple(name for _m, name in behind.get(b, [])),
            secretaries_overdue=tuple(
                s.member_id for s in under_rule.get(b, []) if s.overdue(today)
            ),
            secretaries=tuple(under_rule.get(b, [])),
        )
        for b in ids
    }
    return found, overdue_now


async def committee_hours(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> CommitteeHours:
    """Every branch's coverage and every secretary past the rule (admins)."""
    access.require(actor, Role.admin)
    names = {
        i: n
        for i, n in await session.exec(select(Branch.id, Branch.name).order_by(col(Branch.name)))
        if i is not None
    }
    found, late = await count(
        session, branch_ids=None, year=None, now=now, tz=tz, with_behind=False
    )
    lines = [BranchLine(b, n, found[b]) for b, n in names.items() if b in found]
    return CommitteeHours(
        year_of(now, tz).year,
        lines,
        [(s, names.get(s.branch_id or 0, "")) for s in late],
    )
