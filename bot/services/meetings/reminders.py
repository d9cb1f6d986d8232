"""Reminders before a meeting (24 h and 1 h by default), each person and mark exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Attendance, LeaveStatus, Meeting, MeetingStatus, Member, Role, Rsvp
from bot.services import once, org
from bot.services.meetings.announce import Announcement, Compose, Occasion, announce, group_of


def reminder_slot(minutes: int, starts_at: datetime) -> str:
    # The start time is part of the slot, so a rescheduled meeting is reminded again.
    return f"{minutes}m@{starts_at:%Y%m%d%H%M}"


def _mark_reached(meeting: Meeting, offsets: Sequence[int], now: datetime) -> int | None:
    """The nearest reminder mark already reached that the last notice did not cover."""
    # A mark that passed before the notice (or the reschedule notice) went out is
    # covered by that notice: a meeting set up 3 h ahead gets no "24 h" reminder.
    told_at = max(meeting.created_at, meeting.changed_at or meeting.created_at)
    reached = [m for m in offsets if told_at <= meeting.starts_at - timedelta(minutes=m) <= now]
    return min(reached) if reached else None


async def _to_remind(session: AsyncSession, meeting_id: int) -> list[Member]:
    """The invitees who can be written to, except those whose leave was approved."""
    query = (
        org.people_query(roles=tuple(Role), reachable=True)
        .join(Attendance, col(Attendance.member_id) == col(Member.id))
        .where(
            Attendance.meeting_id == meeting_id,
            or_(
                col(Attendance.rsvp).is_(None),
                col(Attendance.rsvp) != Rsvp.leave,
                col(Attendance.leave_status).is_(None),
                col(Attendance.leave_status) != LeaveStatus.approved,
            ),
        )
    )
    return list(await session.exec(query))


async def _remind(
    session: AsyncSession,
    meeting: Meeting,
    offset: int,
    compose: Compose[Announcement],
    now: datetime,
) -> int:
    people = await _to_remind(session, meeting.id or 0)
    claimed = await once.claim_many(
        session,
        kind="meeting.remind",
        subject=f"meeting:{meeting.id}",
        slot=reminder_slot(offset, meeting.starts_at),
        member_ids=[m.id for m in people if m.id is not None],
        now=now,
    )
    if not claimed:
        return 0
    # The time actually left, not the mark: a bot that was down at the 24 h mark and
    # reminds 19 h before the start must not say "in 24 hours".
    left = max(1, round((meeting.starts_at - now).total_seconds() / 60))
    what = Announcement(
        Occasion.reminder, meeting, await group_of(session, meeting), minutes_left=left
    )
    return await announce(
        session,
        announcement=what,
        members=[m for m in people if m.id in claimed],
        compose=compose,
        now=now,
        created_by=None,
    )


async def send_due_reminders(
    session: AsyncSession,
    *,
    offsets_minutes: Sequence[int],
    compose: Compose[Announcement],
    now: datetime,
) -> int:
    """Enqueue the reminders due now, each (meeting, person, offset) exactly once.

    Only the nearest offset already reached is sent, so a bot that was down at the 24 h
    mark does not send a stale 24 h reminder next to the 1 h one.
    """
    if not offsets_minutes:
        return 0
    horizon = now + timedelta(minutes=max(offsets_minutes))
    meetings = await session.exec(
        select(Meeting).where(
            Meeting.status == MeetingStatus.scheduled,
            col(Meeting.starts_at) > now,
            col(Meeting.starts_at) <= horizon,
        )
    )
    total = 0
    for meeting in list(meetings):
        offset = _mark_reached(meeting, offsets_minutes, now)
        if offset is not None:
            total += await _remind(session, meeting, offset, compose, now)
    return total
