"""What needs a person's attention now, for the home screen (首页): a few grouped counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    LeaveStatus,
    Meeting,
    MeetingStatus,
    Member,
    Notice,
    NoticeReceipt,
    NoticeStatus,
    Pledge,
    PledgeStatus,
    Request,
    RequestState,
    Role,
)


@dataclass(frozen=True, slots=True)
class Attention:
    """Counts of what waits for this person; zero means nothing to show."""

    notices: int = 0  # notices to confirm (通知待确认)
    meetings: int = 0  # upcoming meetings not yet answered
    pledge_returned: bool = False  # their pledge was returned to fix
    requests_rate: int = 0  # their resolved requests waiting for a rating
    leaves: int = 0  # leave requests waiting for the secretary
    pledges_review: int = 0  # pledges submitted, waiting for the secretary
    requests_open: int = 0  # requests waiting for the secretary (or forwarded to the admin)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.notices,
                self.meetings,
                self.pledge_returned,
                self.requests_rate,
                self.leaves,
                self.pledges_review,
                self.requests_open,
            )
        )


async def _count(session: AsyncSession, query: Any) -> int:
    return int(await session.scalar(query) or 0)


async def _own(session: AsyncSession, member: Member, now: datetime) -> dict[str, int | bool]:
    """The person's own: notices, meetings, pledge, requests to rate."""
    assert member.id is not None
    notices = await _count(
        session,
        select(func.count())
        .select_from(NoticeReceipt)
        .join(Notice, col(Notice.id) == NoticeReceipt.notice_id)
        .where(
            col(NoticeReceipt.member_id) == member.id,
            col(NoticeReceipt.acked_at).is_(None),
            col(Notice.requires_ack).is_(True),
            col(Notice.status) != NoticeStatus.cancelled,
        ),
    )
    meetings = await _count(
        session,
        select(func.count())
        .select_from(Attendance)
        .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        .where(
            col(Attendance.member_id) == member.id,
            col(Attendance.rsvp).is_(None),
            col(Attendance.checked_in_at).is_(None),
            col(Meeting.status) == MeetingStatus.scheduled,
            col(Meeting.starts_at) > now,
        ),
    )
    returned = await _count(
        session,
        select(func.count())
        .select_from(Pledge)
        .where(Pledge.member_id == member.id, col(Pledge.status) == PledgeStatus.returned),
    )
    to_rate = await _count(
        session,
        select(func.count())
        .select_from(Request)
        .where(Request.member_id == member.id, col(Request.state) == RequestState.resolved),
    )
    return {
        "notices": notices,
        "meetings": meetings,
        "pledge_returned": returned > 0,
        "requests_rate": to_rate,
    }


async def _secretary(session: AsyncSession, branch_id: int, now: datetime) -> dict[str, int]:
    """What waits for the branch's secretary: leaves, pledges to review, requests."""
    leaves = await _count(
        session,
        select(func.count())
        .select_from(Attendance)
        .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        .where(
            col(Meeting.branch_id) == branch_id,
            col(Meeting.status) == MeetingStatus.scheduled,
            col(Meeting.ends_at) > now,
            col(Attendance.leave_status) == LeaveStatus.pending,
        ),
    )
    pledges = await _count(
        session,
        select(func.count())
        .select_from(Pledge)
        .where(Pledge.branch_id == branch_id, col(Pledge.status) == PledgeStatus.submitted),
    )
    requests = await _count(
        session,
        select(func.count())
        .select_from(Request)
        .where(
            col(Request.branch_id) == branch_id,
            col(Request.state).in_((RequestState.submitted, RequestState.reopened)),
        ),
    )
    return {"leaves": leaves, "pledges_review": pledges, "requests_open": requests}


async def attention(session: AsyncSession, *, member: Member, now: datetime) -> Attention:
    """What needs this member's attention now (their own, and their role's)."""
    counts: dict[str, Any] = {}
    if member.role in (Role.member, Role.secretary):
        counts.update(await _own(session, member, now))
    if member.role == Role.secretary and member.branch_id is not None:
        counts.update(await _secretary(session, member.branch_id, now))
    if member.role == Role.admin:
        counts["requests_open"] = await _count(
            session,
            select(func.count())
            .select_from(Request)
            .where(Request.state == RequestState.forwarded),
        )
    return Attention(**counts)
