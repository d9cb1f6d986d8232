"""What /report shows: attendance per meeting kind and month, study completion, pledges.

A few grouped queries whatever the size of the committee (never one per member).
Attendance counts as in /attendance: present = checked in, over meetings that have
started and were not cancelled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    MemberStatus,
    Pledge,
    PledgeStatus,
    StudyItem,
    StudyRecord,
    StudyStatus,
    StudyTarget,
)
from bot.services.oversight.indicators import Thresholds
from bot.services.periods import Period
from bot.services.pledges.writing import PLEDGERS
from bot.services.reports import oversight_glue
from bot.services.reports.oversight_glue import OversightSection
from bot.services.reports.scope import Scope


@dataclass(slots=True)
class KindMonth:
    """One meeting kind in one month: meetings held, invitations, check-ins."""

    kind: MeetingKind
    month: date
    meetings: int = 0
    invited: int = 0
    present: int = 0

    @property
    def rate(self) -> float:
        return self.present / self.invited if self.invited else 0.0


@dataclass(slots=True)
class ItemCompletion:
    """A 第一议题 item pushed in the period: how many of its members marked 已学习."""

    item_id: int
    title: str
    members: int
    done: int

    @property
    def rate(self) -> float:
        return self.done / self.members if self.members else 0.0


@dataclass(slots=True)
class PledgeCoverage:
    """The year's pledges of the active members: how many submitted, by status."""

    year: int
    members: int
    by_status: dict[PledgeStatus, int] = field(default_factory=dict)

    @property
    def submitted(self) -> int:
        """Submitted at least once (waiting, approved or returned to fix)."""
        return sum(n for s, n in self.by_status.items() if s != PledgeStatus.draft)

    @property
    def rate(self) -> float:
        return self.submitted / self.members if self.members else 0.0


@dataclass(slots=True)
class Report:
    scope: Scope
    period: Period
    attendance: list[KindMonth]
    study: list[ItemCompletion]
    pledges: PledgeCoverage
    oversight: OversightSection | None = None

    @property
    def empty(self) -> bool:
        """Nothing recorded in the period: no meeting held, no item pushed, no pledge."""
        return not self.attendance and not self.study and not self.pledges.submitted

    @property
    def meetings(self) -> int:
        return sum(km.meetings for km in self.attendance)


async def attendance_by_kind_month(
    session: AsyncSession, *, scope: Scope, period: Period, tz: ZoneInfo, now: datetime
) -> list[KindMonth]:
    """One grouped query (per meeting), folded into kind × local month."""
    present = func.sum(case((col(Attendance.checked_in_at).is_not(None), 1), else_=0))
    rows = (
        await session.execute(
            sa_select(
                col(Meeting.kind),
                col(Meeting.starts_at),
                func.count(col(Attendance.id)),
                present,
            )
            .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
            .where(
                *scope.during(col(Meeting.branch_id), col(Meeting.starts_at), period, tz),
                col(Meeting.status) == MeetingStatus.scheduled,
                col(Meeting.starts_at) <= now,
            )
            .group_by(col(Meeting.id), col(Meeting.kind), col(Meeting.starts_at))
        )
    ).all()
    cells: dict[tuple[MeetingKind, date], KindMonth] = {}
    for kind, starts_at, invited, came in rows:
        local = _aware(starts_at).astimezone(tz).date().replace(day=1)
        key = (MeetingKind(kind), local)
        cell = cells.setdefault(key, KindMonth(MeetingKind(kind), local))
        cell.meetings += 1
        cell.invited += int(invited)
        cell.present += int(came or 0)
    order = list(MeetingKind)
    return sorted(cells.values(), key=lambda c: (order.index(c.kind), c.month))


def _aware(value: datetime) -> datetime:
    """Grouped rows bypass the UtcDateTime type on SQLite: they come back naive UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _members_filter(scope: Scope) -> list[Any]:
    return [
        col(Member.status) != MemberStatus.left,
        col(Member.role).in_(list(PLEDGERS)),
        scope.of(col(Member.branch_id)),
    ]


async def study_completion(
    session: AsyncSession, *, scope: Scope, period: Period, tz: ZoneInfo
) -> list[ItemCompletion]:
    """Items pushed to the scope's branches in the period; members and 已学习 per item.

    Three simple grouped queries (members per branch, pushes, 已学习 per item and branch)
    folded here: one three-way join let SQLite pick a slow plan on a big committee.
    """
    members = dict(
        (
            await session.execute(
                sa_select(col(Member.branch_id), func.count(col(Member.id)))
                .where(*_members_filter(scope))
                .group_by(col(Member.branch_id))
            )
        ).all()
    )
    pushes = (
        await session.execute(
            sa_select(col(StudyItem.id), col(StudyItem.title), col(StudyTarget.branch_id))
            .join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id))
            .where(
                *scope.during(col(StudyTarget.branch_id), col(StudyTarget.pushed_at), period, tz),
                col(StudyItem.status) == StudyStatus.published,
            )
        )
    ).all()
    if not pushes:
        return []
    done = (
        await session.execute(
            sa_select(col(StudyRecord.item_id), col(Member.branch_id), func.count())
            .join(Member, col(Member.id) == col(StudyRecord.member_id))
            .where(
                col(StudyRecord.item_id).in_({item_id for item_id, _, _ in pushes}),
                col(StudyRecord.completed_at).is_not(None),
                *_members_filter(scope),
            )
            .group_by(col(StudyRecord.item_id), col(Member.branch_id))
        )
    ).all()
    done_in = {(item_id, branch_id): int(n) for item_id, branch_id, n in done}
    items: dict[int, ItemCompletion] = {}
    for item_id, title, branch_id in pushes:
        item = items.setdefault(item_id, ItemCompletion(item_id, title, 0, 0))
        item.members += int(members.get(branch_id, 0))
        item.done += done_in.get((item_id, branch_id), 0)
    return sorted(items.values(), key=lambda x: x.item_id)


async def pledge_coverage(session: AsyncSession, *, scope: Scope, year: int) -> PledgeCoverage:
    """Active members, and their pledges of the year by status: two grouped queries."""
    members = (
        await session.execute(sa_select(func.count(col(Member.id))).where(*_members_filter(scope)))
    ).scalar_one()
    by_status = (
        await session.execute(
            sa_select(col(Pledge.status), func.count(col(Pledge.id)))
            .join(Member, col(Member.id) == col(Pledge.member_id))
            .where(col(Pledge.year) == year, *_members_filter(scope))
            .group_by(col(Pledge.status))
        )
    ).all()
    counts: dict[PledgeStatus, int] = defaultdict(int)
    for status, n in by_status:
        counts[PledgeStatus(status)] += int(n)
    return PledgeCoverage(year, int(members), dict(counts))


async def report(
    session: AsyncSession,
    *,
    scope: Scope,
    period: Period,
    tz: ZoneInfo,
    now: datetime,
    thresholds: Thresholds,
) -> Report:
    """Everything /report draws for one branch or the committee (with the levels)."""
    section = None
    if scope.committee:
        section = await oversight_glue.oversight_section(
            session,
            branch_ids=None,
            period=period,
            now=now,
            tz=tz,
            thresholds=thresholds,
        )
    return Report(
        scope,
        period,
        await attendance_by_kind_month(session, scope=scope, period=period, tz=tz, now=now),
        await study_completion(session, scope=scope, period=period, tz=tz),
        await pledge_coverage(session, scope=scope, year=period.first.year),
        section,
    )
