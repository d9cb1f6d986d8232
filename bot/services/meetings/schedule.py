"""Saving a confirmed draft: the meeting, an Attendance per invitee, a notice to each."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Attendance, CheckinBy, Meeting, MeetingKind, Member, PartyGroup, Role
from bot.services import access, audit
from bot.services.errors import Refused
from bot.services.meetings import drafts
from bot.services.meetings.announce import Announcement, Compose, Occasion, announce


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A saved meeting, its party group (for a 党小组会) and how many are being told."""

    meeting: Meeting
    group: PartyGroup | None
    told: int


def new_code() -> str:
    return f"{secrets.randbelow(900_000) + 100_000}"


async def _checked_group(
    session: AsyncSession, secretary: Member, draft: drafts.Draft
) -> PartyGroup | None:
    if draft.kind != MeetingKind.group:
        return None
    group = await drafts.group_of(session, draft)
    if group is None or group.branch_id != secretary.branch_id:
        raise Refused("no_such_group")
    return group


async def _add_invitees(session: AsyncSession, meeting_id: int, members: list[Member]) -> None:
    await session.execute(
        Attendance.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "meeting_id": meeting_id,
                "member_id": m.id,
                "late": False,
                "marked_absent": False,
                "code_tries": 0,
            }
            for m in members
        ],
    )


async def schedule(
    session: AsyncSession,
    *,
    actor: Member | None,
    draft: drafts.Draft,
    tz: ZoneInfo,
    compose: Compose[Announcement],
    now: datetime,
) -> Scheduled:
    """Save the meeting, one Attendance per invitee, and a notice to each in the outbox."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    assert secretary.branch_id is not None
    if draft.kind is None or draft.day is None or draft.at is None:
        raise Refused("draft_incomplete")
    starts = drafts.starts_in_future(draft.day, draft.at, tz, now)
    group = await _checked_group(session, secretary, draft)
    invited = (await drafts.invitees(session, branch_id=secretary.branch_id, draft=draft)).chosen
    if not invited:
        raise Refused("no_invitees")
    meeting = Meeting(
        branch_id=secretary.branch_id,
        kind=draft.kind,
        party_group_id=group.id if group else None,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=draft.duration),
        place=draft.place,
        first_topic=draft.topic,
        checkin_by=draft.checkin_by,
        checkin_code=new_code() if draft.checkin_by == CheckinBy.code else None,
        created_by=secretary.id,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    await _add_invitees(session, meeting.id, invited)
    told = await announce(
        session,
        announcement=Announcement(Occasion.notice, meeting, group),
        members=invited,
        compose=compose,
        now=now,
        created_by=secretary.id,
    )
    details = {"kind": draft.kind.value, "invitees": len(invited)}
    await audit.entry(
        session, by=secretary, action="meeting.scheduled", about=meeting, now=now, details=details
    )
    return Scheduled(meeting, group, told)
