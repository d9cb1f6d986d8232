"""What invitees answer (出席 / 请假 with a reason) and the secretary's leave decisions.

The leave request to the secretary and the decision back to the member are outbox rows
written with the change, so the person who acted is answered whatever happens to the
other person's copy (they may have blocked the bot).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    LeaveStatus,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
    Role,
    Rsvp,
)
from bot.services import access, audit, org
from bot.services.errors import Refused, clean_text
from bot.services.meetings.announce import Compose, tell

REASON_MAX = 500


@dataclass(slots=True)
class Invitation:
    meeting: Meeting
    attendance: Attendance


async def invitation(
    session: AsyncSession, *, member: Member | None, meeting_id: int, lock: bool = False
) -> Invitation:
    """The member's invitation to a meeting; refuses strangers and forged ids."""
    if member is None or member.status == MemberStatus.left:
        raise Refused("not_invited")
    query = (
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(Meeting.id == meeting_id, Attendance.member_id == member.id)
    )
    if lock:
        query = query.with_for_update()
    row = (await session.exec(query)).first()
    if row is None:
        raise Refused("not_invited")
    return Invitation(*row)


def open_for_answers(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now >= meeting.starts_at:
        raise Refused("answers_closed")


async def attend(
    session: AsyncSession, *, member: Member | None, meeting_id: int, now: datetime
) -> tuple[Invitation, bool]:
    """出席; returns (invitation, changed). An answer may change until the start."""
    inv = await invitation(session, member=member, meeting_id=meeting_id, lock=True)
    open_for_answers(inv.meeting, now)
    a = inv.attendance
    if a.rsvp == Rsvp.attend:
        return inv, False
    a.rsvp, a.answered_at = Rsvp.attend, now
    a.leave_reason = a.leave_status = a.leave_decided_by = None
    session.add(a)
    return inv, True


async def can_request_leave(
    session: AsyncSession, *, member: Member | None, meeting_id: int, now: datetime
) -> Invitation:
    """Checks before asking for a reason: invited, not started, not already on leave."""
    inv = await invitation(session, member=member, meeting_id=meeting_id)
    open_for_answers(inv.meeting, now)
    if inv.attendance.rsvp == Rsvp.leave:
        raise Refused("leave_already", status=inv.attendance.leave_status or "")
    return inv


async def decider_of(session: AsyncSession, meeting: Meeting) -> Member | None:
    """Who gets the leave request: the secretary who scheduled it, else one of the branch."""
    creator = await session.get(Member, meeting.created_by) if meeting.created_by else None
    if (
        creator is not None
        and creator.role == Role.secretary
        and creator.branch_id == meeting.branch_id
        and creator.status != MemberStatus.left
    ):
        return creator
    # The longest-serving secretary (the lowest id), as before people_query existed.
    query = org.people_query(meeting.branch_id, roles=(Role.secretary,))
    return (await session.exec(query.order_by(None).order_by(col(Member.id)))).first()


def leave_token(a: Attendance) -> str:
    """A short digest naming one leave request of an attendance row (for 批准 / 不批准).

    A withdrawn and renewed request reuses the row, so the id alone would let the first
    request's message decide the second; the request's time and reason tell them apart.
    """
    at = a.answered_at.astimezone(UTC).isoformat() if a.answered_at else ""
    raw = f"{a.id}|{at}|{a.leave_reason or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class LeaveRequest:
    """A member's 请假 as the secretary receives it; `token` names this very request."""

    meeting: Meeting
    attendance: Attendance
    member: Member
    token: str


@dataclass(frozen=True, slots=True)
class LeaveRequested:
    request: LeaveRequest
    decider: Member | None  # None: the branch has no secretary to ask


async def request_leave(
    session: AsyncSession,
    *,
    member: Member | None,
    meeting_id: int,
    reason: str,
    compose: Compose[LeaveRequest],
    now: datetime,
) -> LeaveRequested:
    """请假 with a reason; the request goes to the secretary through the outbox."""
    inv = await can_request_leave(session, member=member, meeting_id=meeting_id, now=now)
    assert member is not None
    reason = clean_text(reason, REASON_MAX, "reason_too_long", empty="reason_empty")
    a = inv.attendance
    a.rsvp, a.answered_at = Rsvp.leave, now
    a.leave_reason, a.leave_status = reason, LeaveStatus.pending
    a.leave_decided_by = None
    session.add(a)
    request = LeaveRequest(inv.meeting, a, member, leave_token(a))
    decider = await decider_of(session, inv.meeting)
    if decider is not None:
        await _tell_leave(session, "meetings.leave_request", request, decider, member, compose, now)
    return LeaveRequested(request, decider)


@dataclass(slots=True)
class LeaveDecision:
    meeting: Meeting
    attendance: Attendance
    member: Member
    changed: bool

    @property
    def approved(self) -> bool:
        return self.attendance.leave_status == LeaveStatus.approved


async def _leave_request(
    session: AsyncSession, secretary: Member, attendance_id: int, token: str
) -> tuple[Attendance, Meeting, Member]:
    """The pending-or-decided request `token` names, locked, of the secretary's branch."""
    a = (
        await session.exec(
            select(Attendance).where(Attendance.id == attendance_id).with_for_update()
        )
    ).first()
    meeting = await session.get(Meeting, a.meeting_id) if a else None
    if a is None or meeting is None or meeting.branch_id != secretary.branch_id:
        raise Refused("no_such_request")
    member = await session.get(Member, a.member_id)
    assert member is not None
    if a.rsvp != Rsvp.leave or a.leave_status is None:
        raise Refused("leave_withdrawn")
    if token != leave_token(a):
        raise Refused("leave_superseded")
    return a, meeting, member


async def decide_leave(
    session: AsyncSession,
    *,
    actor: Member | None,
    attendance_id: int,
    token: str,
    approve: bool,
    compose: Compose[LeaveDecision],
    now: datetime,
) -> LeaveDecision:
    """批准 / 不批准 the pending leave request `token` names; the member is told."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    a, meeting, member = await _leave_request(session, secretary, attendance_id, token)
    if a.leave_status != LeaveStatus.pending:
        return LeaveDecision(meeting, a, member, changed=False)
    a.leave_status = LeaveStatus.approved if approve else LeaveStatus.rejected
    a.leave_decided_by = secretary.id
    action = "leave.approved" if approve else "leave.rejected"
    await audit.saved(session, a, by=secretary, action=action, now=now)
    decision = LeaveDecision(meeting, a, member, changed=True)
    await _tell_leave(session, "meetings.leave_decision", decision, member, secretary, compose, now)
    return decision


Leave = TypeVar("Leave", LeaveRequest, LeaveDecision)


async def _tell_leave(
    session: AsyncSession,
    kind: str,
    what: Leave,
    to: Member,
    by: Member,
    compose: Compose[Leave],
    now: datetime,
) -> None:
    """`to`'s copy of the leave request or decision `by` made, through the outbox."""
    await tell(
        session,
        kind=kind,
        what=what,
        members=[to],
        compose=compose,
        now=now,
        subject_id=what.attendance.id,
        created_by=by.id,
    )
