"""签到: by the notice's button, or `/checkin <code>` for meetings that use a code.

Check-in opens 30 minutes before the start and closes at the end; after the start it
counts as late. Each person is checked in once, whatever races or redeliveries occur.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    CheckinBy,
    CheckinMethod,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
)
from bot.services.errors import Refused
from bot.services.meetings.answers import Invitation, invitation

CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
MAX_CODE_TRIES = 5
_CODE = re.compile(r"^\d{4,6}$")


@dataclass(slots=True)
class CheckIn:
    meeting: Meeting
    at: datetime
    late: bool
    recorded: bool  # False: it had been recorded before


def opens_at(meeting: Meeting) -> datetime:
    return meeting.starts_at - CHECKIN_OPENS_BEFORE


def _check_window(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now < opens_at(meeting):
        raise Refused("checkin_not_open", opens=opens_at(meeting))
    if now >= meeting.ends_at:
        raise Refused("checkin_closed")


async def _record(
    session: AsyncSession, inv: Invitation, method: CheckinMethod, now: datetime
) -> CheckIn:
    late = now > inv.meeting.starts_at
    # A conditional UPDATE: of two racing presses exactly one finds the row still open.
    result = await session.execute(
        update(Attendance)
        .where(col(Attendance.id) == inv.attendance.id, col(Attendance.checked_in_at).is_(None))
        .values(checked_in_at=now, method=method, late=late, marked_absent=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) == 1:
        return CheckIn(inv.meeting, now, late, recorded=True)
    await session.refresh(inv.attendance)
    at = inv.attendance.checked_in_at or now
    return CheckIn(inv.meeting, at, inv.attendance.late, recorded=False)


def _earlier(meeting: Meeting, a: Attendance) -> CheckIn:
    assert a.checked_in_at is not None
    return CheckIn(meeting, a.checked_in_at, a.late, recorded=False)


async def check_in_button(
    session: AsyncSession, *, member: Member | None, meeting_id: int, now: datetime
) -> CheckIn:
    """签到 by button, once; a second press reports the first."""
    inv = await invitation(session, member=member, meeting_id=meeting_id)
    if inv.attendance.checked_in_at is not None:
        return _earlier(inv.meeting, inv.attendance)
    if inv.meeting.checkin_by == CheckinBy.code:
        raise Refused("use_code")
    _check_window(inv.meeting, now)
    return await _record(session, inv, CheckinMethod.button, now)


async def _open_by_code(
    session: AsyncSession, member: Member, now: datetime
) -> list[tuple[Meeting, Attendance]]:
    """The member's code meetings whose check-in window is open now, earliest first."""
    rows = await session.exec(
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(
            Attendance.member_id == member.id,
            Meeting.status == MeetingStatus.scheduled,
            Meeting.checkin_by == CheckinBy.code,
            col(Meeting.starts_at) <= now + CHECKIN_OPENS_BEFORE,
            col(Meeting.ends_at) > now,
        )
        .order_by(col(Meeting.starts_at))
    )
    return list(rows.all())


async def _wrong_code(
    session: AsyncSession, candidates: list[tuple[Meeting, Attendance]]
) -> NoReturn:
    """Count a wrong code against the first meeting still accepting tries, and refuse."""
    if all(a.code_tries >= MAX_CODE_TRIES for _, a in candidates):
        raise Refused("code_locked")
    a = next(x for _, x in candidates if x.code_tries < MAX_CODE_TRIES)
    left = MAX_CODE_TRIES - a.code_tries - 1  # before the UPDATE refreshes `a`
    await session.execute(
        update(Attendance)
        .where(col(Attendance.id) == a.id)
        .values(code_tries=Attendance.code_tries + 1)
    )
    raise Refused("code_wrong", left=left)


async def check_in_code(
    session: AsyncSession, *, member: Member | None, code: str, now: datetime
) -> CheckIn:
    """`/checkin <code>` for the member's meeting whose check-in window is open now.

    A wrong code is counted (the caller commits even on refusal); after five the member
    asks the secretary to mark them present.
    """
    if member is None or member.status == MemberStatus.left:
        raise Refused("not_invited")
    code = code.strip()
    if not _CODE.match(code):
        raise Refused("code_format")
    rows = await _open_by_code(session, member, now)
    if not rows:
        raise Refused("no_open_meeting")
    for meeting, a in rows:
        if a.checked_in_at is not None and meeting.checkin_code == code:
            return _earlier(meeting, a)
    candidates = [(m, a) for m, a in rows if a.checked_in_at is None]
    if not candidates:
        return _earlier(*rows[0])
    for meeting, a in candidates:
        if a.code_tries < MAX_CODE_TRIES and meeting.checkin_code == code:
            return await _record(session, Invitation(meeting, a), CheckinMethod.code, now)
    await _wrong_code(session, candidates)
