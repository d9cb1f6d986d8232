"""学时 per member and year, from the three sources, against the yearly targets.

Hours from 党课 and 培训 meetings and from study items are computed from the meeting's
attendance rows and the study records themselves, not copied into TrainingRecord by a
job: a check-in marked by hand later, a meeting moved or cancelled, or an item's hours
changed then count at once and correctly, and there is nothing to keep in step or to
run twice. One grouped query per source keeps it fast (bench/training.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, cast, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    RecordState,
    StudyItem,
    StudyRecord,
    TrainingRecord,
)
from bot.services import org
from bot.services.periods import year_period
from bot.services.training.arithmetic import expected_by
from bot.services.training.targets import Person, TargetRole, Targets, role_of

COURSE_KINDS = (MeetingKind.lecture, MeetingKind.training)
# Column and CTE names of the source queries, not messages.
MEMBER_ID, MEETING_ID, TENTHS, COURSES = "member_id", "meeting_id", "tenths", "course"
Scope = int | Sequence[int] | None  # a branch, some branches, or every branch


@dataclass(frozen=True, slots=True)
class Tally:
    """One member's 学时 this year by source, in tenths, and their target."""

    member_id: int
    name: str
    role: TargetRole
    meeting: int
    study: int
    external: int
    target: int
    expected: int  # the share of the target due by today

    @property
    def total(self) -> int:
        return self.meeting + self.study + self.external

    @property
    def behind(self) -> bool:
        return self.total < self.expected


def minutes_between(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    """Whole minutes from `start` to `end` in SQL (how each database subtracts times)."""
    if dialect == "postgresql":
        return cast(func.round(func.extract("epoch", end - start) / 60), Integer)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 1440), Integer)


def tenths_sql(dialect: str, minutes: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL of arithmetic.tenths_of_minutes: (minutes + 3) // 6 in integers."""
    if dialect == "postgresql":
        return cast(func.floor((minutes + 3) / 6.0), Integer)
    return cast((minutes + 3) / 6, Integer)  # SQLite divides integers exactly so


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def in_scope(query: Any, member_col: Any, scope: Scope) -> Any:
    """`query` limited to the members of the scope's branches (joined on `member_col`)."""
    if scope is None:
        return query
    query = query.join(Member, col(Member.id) == member_col)
    if isinstance(scope, int):
        return query.where(Member.branch_id == scope)
    return query.where(col(Member.branch_id).in_(list(scope)))


def meeting_query(dialect: str, *, scope: Scope, start: datetime, end: datetime) -> Any:
    """(member, tenths) from the 党课 and 培训 meetings they checked in to (late or not).

    For every branch, each course's length is worked out once, in a materialised CTE,
    rather than once per check-in (the date arithmetic on every attendance row cost as
    much as the join); for some branches the members' own check-ins are few, and are
    reached from the members through the attendance index instead.
    """
    tenths = tenths_sql(dialect, minutes_between(dialect, Meeting.starts_at, Meeting.ends_at))
    courses_of_year = (
        col(Meeting.kind).in_(COURSE_KINDS),
        Meeting.status == MeetingStatus.scheduled,
        Meeting.starts_at >= start,
        Meeting.starts_at < end,
    )
    checked_in = col(Attendance.checked_in_at).is_not(None)
    if scope is not None:
        query = _per_member(Attendance.member_id, tenths)
        query = query.join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        return in_scope(query.where(*courses_of_year, checked_in), Attendance.member_id, scope)
    courses = (
        select(col(Meeting.id).label(MEETING_ID), tenths.label(TENTHS))
        .where(*courses_of_year)
        .cte(COURSES)
        .prefix_with("MATERIALIZED")
    )
    query = _per_member(Attendance.member_id, courses.c[TENTHS]).select_from(courses)
    query = query.join(Attendance, col(Attendance.meeting_id) == courses.c[MEETING_ID])
    return query.where(checked_in)


def _per_member(member_col: Any, tenths: Any) -> Any:
    """SELECT member, sum(tenths) … GROUP BY member."""
    query: Any = select(col(member_col).label(MEMBER_ID), func.sum(tenths).label(TENTHS))
    return query.group_by(col(member_col))


def study_query(*, scope: Scope, start: datetime, end: datetime) -> Any:
    """(member, tenths) from the study items they completed (已学习) in [start, end)."""
    query = _per_member(StudyRecord.member_id, StudyItem.hours_tenths)
    query = query.join(StudyItem, col(StudyItem.id) == StudyRecord.item_id).where(
        col(StudyRecord.completed_at).is_not(None),
        col(StudyRecord.completed_at) >= start,
        col(StudyRecord.completed_at) < end,
    )
    return in_scope(query, StudyRecord.member_id, scope)


def external_query(*, scope: Scope, first: date, last: date) -> Any:
    """(member, tenths) of their approved 外部培训记录 held in [first, last]."""
    query = _per_member(TrainingRecord.member_id, TrainingRecord.hours_tenths).where(
        TrainingRecord.state == RecordState.approved,
        TrainingRecord.held_on >= first,
        TrainingRecord.held_on <= last,
    )
    return in_scope(query, TrainingRecord.member_id, scope)


async def _by_member(session: AsyncSession, query: Any) -> dict[int, int]:
    return {int(m): int(n or 0) for m, n in await session.exec(query)}


async def meeting_tenths(
    session: AsyncSession, *, scope: Scope, start: datetime, end: datetime
) -> dict[int, int]:
    """Member → tenths from the 党课 and 培训 meetings they checked in to (late or not)."""
    query = meeting_query(dialect_of(session), scope=scope, start=start, end=end)
    return await _by_member(session, query)


async def study_tenths(
    session: AsyncSession, *, scope: Scope, start: datetime, end: datetime
) -> dict[int, int]:
    """Member → tenths from the study items they completed (已学习) in [start, end)."""
    return await _by_member(session, study_query(scope=scope, start=start, end=end))


async def external_tenths(
    session: AsyncSession, *, scope: Scope, first: date, last: date
) -> dict[int, int]:
    """Member → tenths of their approved 外部培训记录 held in [first, last]."""
    return await _by_member(session, external_query(scope=scope, first=first, last=last))


@dataclass(frozen=True, slots=True)
class Year:
    """The local calendar year being counted, its UTC bounds and today's date."""

    year: int
    start: datetime
    end: datetime
    today: date

    @property
    def first(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, 12, 31)


def year_of(now: datetime, tz: Any) -> Year:
    """The local year holding `now`."""
    today = now.astimezone(tz).date()
    start, end = year_period(today.year).bounds(tz)
    return Year(today.year, start, end, today)


async def people_of(session: AsyncSession, scope: Scope, *, ordered: bool = True) -> list[Person]:
    """The active members of the scope (org.people_query), as light rows; unordered for
    counts (sorting 10,000 names by a Chinese collation costs more than the counting)."""
    people = org.people_query(scope)
    if not ordered:
        people = people.order_by(None)
    query = people.with_only_columns(
        col(Member.id), col(Member.name), col(Member.branch_id), col(Member.role),
        col(Member.is_committee),
    )  # fmt: skip
    return [Person(*row) for row in (await session.execute(query)).all()]


async def tallies(
    session: AsyncSession,
    *,
    people: Sequence[Member | Person],
    scope: Scope,
    year: Year,
    targets: Targets,
) -> list[Tally]:
    """Each of `people`'s tally (sources read once for the whole `scope`)."""
    meetings = await meeting_tenths(session, scope=scope, start=year.start, end=year.end)
    study = await study_tenths(session, scope=scope, start=year.start, end=year.end)
    external = await external_tenths(session, scope=scope, first=year.first, last=year.last)
    out = []
    for m in people:
        assert m.id is not None
        target = targets.for_member(m)
        out.append(
            Tally(
                member_id=m.id,
                name=m.name,
                role=role_of(m),
                meeting=meetings.get(m.id, 0),
                study=study.get(m.id, 0),
                external=external.get(m.id, 0),
                target=target,
                expected=expected_by(target, min(year.today, year.last)),
            )
        )
    return out
