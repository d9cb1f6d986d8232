"""Attendance of 三会一课: one meeting by name, a period per member and per kind, and
the secretary marking someone present or absent by hand.

Definitions used in every report:
- present: checked in (by button, code or marked by the secretary); late when after the start.
- leave: asked for leave and the secretary approved it (a pending or rejected request with
  no check-in counts as absent once the meeting is over).
- rate: present / invited, over meetings that have started and were not cancelled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Branch,
    CheckinMethod,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    MemberStatus,
    Role,
    Rsvp,
)
from bot.services import access, audit
from bot.services.errors import Refused
from bot.services.meetings.checkin import opens_at
from bot.services.periods import Period, year_period


class Outcome:
    present = "present"
    late = "late"
    leave = "leave"
    absent = "absent"
    attending = "attending"  # said 出席, the meeting has not ended yet
    no_answer = "no_answer"


def outcome(a: Attendance, meeting: Meeting, now: datetime) -> str:
    """Where one invitee stands for one meeting."""
    if a.checked_in_at is not None:
        return Outcome.late if a.late else Outcome.present
    if a.marked_absent:
        return Outcome.absent
    if a.rsvp == Rsvp.leave:
        return Outcome.leave
    if a.rsvp == Rsvp.attend:
        return Outcome.absent if now >= meeting.ends_at else Outcome.attending
    return Outcome.no_answer


@dataclass(slots=True)
class MeetingRow:
    member: Member
    attendance: Attendance
    outcome: str


@dataclass(slots=True)
class MeetingReport:
    meeting: Meeting
    rows: list[MeetingRow]

    def by(self, kind: str) -> list[MeetingRow]:
        return [r for r in self.rows if r.outcome == kind]


def viewer_branch(viewer: Member | None, branch: Branch | None) -> int:
    """The branch a report may cover: the secretary's own; an admin's chosen one."""
    if viewer is None or viewer.status == MemberStatus.left:
        raise Refused("not_allowed")
    if viewer.role == Role.admin:
        if branch is None or branch.id is None:
            raise Refused("admin_needs_branch")
        return branch.id
    if viewer.role == Role.secretary and viewer.branch_id is not None:
        return viewer.branch_id
    raise Refused("not_allowed")


async def meeting_report(
    session: AsyncSession, *, branch_id: int, meeting_id: int, now: datetime
) -> MeetingReport:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.branch_id != branch_id:
        raise Refused("no_such_meeting", id=meeting_id)
    rows = await session.exec(
        select(Member, Attendance)
        .join(Attendance, col(Attendance.member_id) == col(Member.id))
        .where(Attendance.meeting_id == meeting_id)
        .order_by(col(Member.name), col(Member.id))
    )
    return MeetingReport(meeting, [MeetingRow(m, a, outcome(a, meeting, now)) for m, a in rows])


@dataclass(slots=True)
class Tally:
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0

    @property
    def invited(self) -> int:
        """Every invitation counts once: present, on leave or absent."""
        return self.present + self.leave + self.absent

    @property
    def rate(self) -> float:
        return self.present / self.invited if self.invited else 0.0

    def add(self, a: Attendance | Any) -> None:
        """Count one invitation (an Attendance or a row with the same columns)."""
        if a.checked_in_at is not None:
            self.present += 1
            self.late += int(a.late)
        elif (
            a.rsvp == Rsvp.leave and a.leave_status == LeaveStatus.approved and not a.marked_absent
        ):
            self.leave += 1
        else:
            self.absent += 1


@dataclass(slots=True)
class PeriodReport:
    period: Period
    meetings: int
    by_member: list[tuple[Member, Tally]]
    by_kind: dict[MeetingKind, Tally]
    meetings_by_kind: dict[MeetingKind, int] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)


async def period_report(
    session: AsyncSession, *, branch_id: int, period: Period, tz: ZoneInfo, now: datetime
) -> PeriodReport:
    """Per member and per meeting kind over the meetings held in the period."""
    start, end = period.bounds(tz)
    # Plain columns, not ORM objects: a quarter of a large branch is thousands of rows.
    rows = (
        await session.execute(
            sa_select(
                col(Meeting.id),
                col(Meeting.kind),
                col(Attendance.member_id),
                col(Attendance.checked_in_at),
                col(Attendance.late),
                col(Attendance.rsvp),
                col(Attendance.leave_status),
                col(Attendance.marked_absent),
            )
            .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
            .where(
                col(Meeting.branch_id) == branch_id,
                col(Meeting.status) == MeetingStatus.scheduled,
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
                col(Meeting.starts_at) <= now,
            )
        )
    ).all()
    people = {
        m.id: m
        for m in await session.exec(
            select(Member).where(col(Member.id).in_({r.member_id for r in rows}))
        )
    }
    members: dict[int, tuple[Member, Tally]] = {}
    by_kind: dict[MeetingKind, Tally] = defaultdict(Tally)
    meetings: dict[int, MeetingKind] = {}
    total = Tally()
    for r in rows:
        kind = MeetingKind(r.kind)
        meetings[r.id] = kind
        members.setdefault(r.member_id, (people[r.member_id], Tally()))[1].add(r)
        by_kind[kind].add(r)
        total.add(r)
    per_kind_meetings: dict[MeetingKind, int] = defaultdict(int)
    for kind in meetings.values():
        per_kind_meetings[kind] += 1
    ordered = sorted(members.values(), key=lambda mt: (mt[0].name, mt[0].id or 0))
    return PeriodReport(
        period, len(meetings), ordered, dict(by_kind), dict(per_kind_meetings), total
    )


async def year_record(
    session: AsyncSession, *, member: Member, year: int, tz: ZoneInfo, now: datetime
) -> dict[MeetingKind, Tally]:
    """A member's own year by kind (for /me)."""
    start, end = year_period(year).bounds(tz)
    rows = (
        await session.exec(
            select(Meeting, Attendance)
            .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
            .where(
                Attendance.member_id == member.id,
                Meeting.status == MeetingStatus.scheduled,
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
                col(Meeting.starts_at) <= now,
            )
        )
    ).all()
    out: dict[MeetingKind, Tally] = defaultdict(Tally)
    for meeting, a in rows:
        out[meeting.kind].add(a)
    return dict(out)


async def branch_by_name(session: AsyncSession, name: str) -> Branch | None:
    """The branch an admin names in `/attendance <branch> …`."""
    return (await session.exec(select(Branch).where(Branch.name == name))).first()


@dataclass(frozen=True, slots=True)
class Marked:
    attendance: Attendance
    member: Member
    present: bool


async def mark(
    session: AsyncSession,
    *,
    actor: Member | None,
    attendance_id: int,
    present: bool,
    now: datetime,
) -> Marked:
    """The secretary marks a person present or absent by hand (once check-in has opened)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    a = await session.get(Attendance, attendance_id)
    meeting = await session.get(Meeting, a.meeting_id) if a else None
    if a is None or meeting is None or meeting.branch_id != secretary.branch_id:
        raise Refused("no_such_request")
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now < opens_at(meeting):
        raise Refused("checkin_not_open", opens=opens_at(meeting))
    person = await session.get(Member, a.member_id)
    assert person is not None
    if present:
        if a.checked_in_at is None:
            a.checked_in_at, a.method, a.late = now, CheckinMethod.manual, False
        a.marked_absent = False
    else:
        a.checked_in_at, a.method, a.late, a.marked_absent = None, None, False, True
    marked = {"present": present}
    await audit.saved(session, a, by=secretary, action="attendance.marked", now=now, details=marked)
    return Marked(a, person, present)
