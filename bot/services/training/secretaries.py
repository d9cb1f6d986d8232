"""新任书记培训: a new secretary has a record of secretary training within 6 months.

The rule covers the secretaries appointed since 2025 (APPOINTED_FROM). Secretary
training is a 培训/党课 meeting marked as such with /course (书记示范班) that
they checked in to, or an approved 外部培训记录 marked as secretary training. Training
in the year before the appointment counts too: many are trained before taking office.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Member,
    RecordState,
    Role,
    TrainingCourse,
    TrainingRecord,
)
from bot.services import org
from bot.services.training.arithmetic import add_months

RULE_MONTHS = 6
BEFORE_DAYS = 365
# 新任党组织书记培训全覆盖 covers the secretaries appointed since 2025 (the work plan).
APPOINTED_FROM = date(2025, 1, 1)


@dataclass(frozen=True, slots=True)
class SecretaryStatus:
    """One secretary against the rule: appointed when, due by when, trained or not."""

    member_id: int
    name: str
    branch_id: int | None
    appointed_on: date
    due_on: date
    trained: bool

    def overdue(self, today: date) -> bool:
        return not self.trained and today > self.due_on


async def _trained(session: AsyncSession, secretaries: Sequence[Member]) -> set[int]:
    """Who of `secretaries` has secretary training (since a year before their appointment)."""
    ids = [m.id for m in secretaries if m.id is not None]
    if not ids:
        return set()
    external = await session.exec(
        select(col(TrainingRecord.member_id), col(TrainingRecord.held_on)).where(
            col(TrainingRecord.member_id).in_(ids),
            TrainingRecord.state == RecordState.approved,
            col(TrainingRecord.secretary_training).is_(True),
        )
    )
    courses = await session.exec(
        select(Attendance.member_id, Meeting.starts_at)
        .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        .join(TrainingCourse, col(TrainingCourse.meeting_id) == Meeting.id)
        .where(
            col(Attendance.member_id).in_(ids),
            col(TrainingCourse.secretary_training).is_(True),
            Meeting.status == MeetingStatus.scheduled,
            col(Attendance.checked_in_at).is_not(None),
        )
    )
    held: dict[int, list[date]] = {}
    for member_id, day in external:
        held.setdefault(member_id, []).append(day)
    for member_id, at in courses:
        held.setdefault(member_id, []).append(at.date())
    since = {m.id: m.secretary_since for m in secretaries}
    out = set()
    for member_id, days in held.items():
        appointed = since.get(member_id)
        earliest = (appointed.date() if appointed else date.min) - timedelta(days=BEFORE_DAYS)
        if any(d >= earliest for d in days):
            out.add(member_id)
    return out


async def statuses(
    session: AsyncSession, *, branch_ids: int | Sequence[int] | None, tz: ZoneInfo
) -> list[SecretaryStatus]:
    """Every active secretary of the branches appointed since APPOINTED_FROM."""
    secretaries = [
        m
        for m in await org.active_members(session, branch_ids, roles=(Role.secretary,))
        if m.secretary_since is not None
        and m.secretary_since.astimezone(tz).date() >= APPOINTED_FROM
    ]
    trained = await _trained(session, secretaries)
    out = []
    for m in secretaries:
        assert m.id is not None
        assert m.secretary_since is not None
        appointed = m.secretary_since.astimezone(tz).date()
        out.append(
            SecretaryStatus(
                member_id=m.id,
                name=m.name,
                branch_id=m.branch_id,
                appointed_on=appointed,
                due_on=add_months(appointed, RULE_MONTHS),
                trained=m.id in trained,
            )
        )
    return out


async def overdue(
    session: AsyncSession, *, branch_ids: int | Sequence[int] | None, now: datetime, tz: ZoneInfo
) -> list[SecretaryStatus]:
    """The secretaries past the 6-month rule without secretary training."""
    today = now.astimezone(tz).date()
    return [s for s in await statuses(session, branch_ids=branch_ids, tz=tz) if s.overdue(today)]
