"""A secretary's meetings after scheduling: move, call off, and the lists of /meetings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    PartyGroup,
    Role,
    Rsvp,
)
from bot.services import access, audit, org
from bot.services.errors import Refused
from bot.services.meetings import drafts
from bot.services.meetings.announce import Announcement, Compose, Occasion, announce, group_of


async def meeting_of_branch(
    session: AsyncSession, *, actor: Member | None, meeting_id: int
) -> Meeting:
    """A meeting of the secretary's own branch."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.branch_id != secretary.branch_id:
        raise Refused("no_such_meeting", id=meeting_id)
    return meeting


async def changeable(
    session: AsyncSession, actor: Member | None, meeting_id: int, now: datetime
) -> tuple[Member, Meeting]:
    """A meeting of the secretary's branch that is neither cancelled nor started."""
    meeting = await meeting_of_branch(session, actor=actor, meeting_id=meeting_id)
    assert actor is not None
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now >= meeting.starts_at:
        raise Refused("already_started")
    return actor, meeting


async def invitees_of(session: AsyncSession, meeting_id: int) -> list[Member]:
    """Everyone invited to a meeting who has not left."""
    query = org.people_query(roles=tuple(Role)).join(
        Attendance, col(Attendance.member_id) == col(Member.id)
    )
    return list(await session.exec(query.where(Attendance.meeting_id == meeting_id)))


@dataclass(frozen=True, slots=True)
class Changed:
    """A moved or cancelled meeting, its start before the change, and how many are told."""

    meeting: Meeting
    group: PartyGroup | None
    was: datetime
    told: int


async def _tell_invitees(
    session: AsyncSession,
    actor: Member,
    occasion: Occasion,
    meeting: Meeting,
    was: datetime,
    compose: Compose[Announcement],
    now: datetime,
) -> Changed:
    """Tell every invitee of the change, and keep it in the audit log."""
    group = await group_of(session, meeting)
    told = await announce(
        session,
        announcement=Announcement(occasion, meeting, group, was=was),
        members=await invitees_of(session, meeting.id or 0),
        compose=compose,
        now=now,
        created_by=actor.id,
    )
    moved = {"from": was.isoformat()} if occasion == Occasion.moved else None
    await audit.entry(
        session, by=actor, action=occasion.value, about=meeting, now=now, details=moved
    )
    return Changed(meeting, group, was, told)


async def cancel(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    compose: Compose[Announcement],
    now: datetime,
) -> Changed:
    """Call a meeting off before it starts; every invitee is told."""
    actor, meeting = await changeable(session, actor, meeting_id, now)
    meeting.status, meeting.changed_at = MeetingStatus.cancelled, now
    session.add(meeting)
    return await _tell_invitees(
        session, actor, Occasion.cancelled, meeting, meeting.starts_at, compose, now
    )


async def reschedule(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    day: date,
    at: time,
    tz: ZoneInfo,
    compose: Compose[Announcement],
    now: datetime,
) -> Changed:
    """Move a meeting (same length); answers and leave decisions carry over."""
    actor, meeting = await changeable(session, actor, meeting_id, now)
    starts = drafts.starts_in_future(day, at, tz, now)
    old, length = meeting.starts_at, meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.changed_at = starts, starts + length, now
    session.add(meeting)
    # Answers carry over; check-ins made in the 30 minutes before the old start do not
    # (nobody has attended the meeting at its new time yet).
    await session.execute(
        update(Attendance)
        .where(col(Attendance.meeting_id) == meeting.id)
        .values(checked_in_at=None, method=None, late=False, marked_absent=False, code_tries=0)
    )
    return await _tell_invitees(session, actor, Occasion.moved, meeting, old, compose, now)


async def _around(
    session: AsyncSession, base: Any, *, since: datetime, now: datetime, limit: int | None
) -> list[Any]:
    """The next `limit` meetings of `base` not yet ended, after up to `limit` ended since
    `since` (None: all of them): two queries, so a busy month of past meetings never
    pushes the upcoming out."""
    upcoming = await session.exec(
        base.where(col(Meeting.ends_at) >= now).order_by(col(Meeting.starts_at)).limit(limit)
    )
    recent = await session.exec(
        base.where(col(Meeting.ends_at) >= since, col(Meeting.ends_at) < now)
        .order_by(col(Meeting.starts_at).desc())
        .limit(limit)
    )
    return [*reversed(recent.all()), *upcoming.all()]


async def branch_meetings(
    session: AsyncSession,
    *,
    branch_id: int,
    since: datetime,
    now: datetime,
    limit: int | None = 20,
    kinds: Sequence[MeetingKind] | None = None,
) -> list[Meeting]:
    """The branch's meetings (of `kinds`, when given): upcoming, and those ended since
    `since`."""
    base = select(Meeting).where(Meeting.branch_id == branch_id)
    if kinds is not None:
        base = base.where(col(Meeting.kind).in_(kinds))
    return await _around(session, base, since=since, now=now, limit=limit)


@dataclass(slots=True)
class Counts:
    """How one meeting's invitees answered so far."""

    invited: int = 0
    attend: int = 0
    leave: int = 0
    checked_in: int = 0


async def counts(session: AsyncSession, meeting_ids: Sequence[int]) -> dict[int, Counts]:
    """Per meeting: invited, attend, leave, checked in."""
    out = {i: Counts() for i in meeting_ids}
    if not meeting_ids:
        return out
    checked = col(Attendance.checked_in_at).is_not(None)
    rows = await session.exec(
        select(Attendance.meeting_id, Attendance.rsvp, checked, func.count())
        .where(col(Attendance.meeting_id).in_(meeting_ids))
        .group_by(col(Attendance.meeting_id), col(Attendance.rsvp), checked)
    )
    for meeting_id, rsvp, is_in, n in rows.all():
        c = out[meeting_id]
        c.invited += n
        if rsvp == Rsvp.attend:
            c.attend += n
        elif rsvp == Rsvp.leave:
            c.leave += n
        if is_in:
            c.checked_in += n
    return out


async def member_meetings(
    session: AsyncSession, *, member: Member, since: datetime, now: datetime, limit: int = 20
) -> list[tuple[Meeting, Attendance]]:
    """Like branch_meetings, for the meetings the member is invited to."""
    base = (
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(Attendance.member_id == member.id)
    )
    rows = await _around(session, base, since=since, now=now, limit=limit)
    return [(m, a) for m, a in rows]
