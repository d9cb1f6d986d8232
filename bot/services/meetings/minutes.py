"""会议记录: the minutes of a held meeting (text or a document), and 第一议题 studied or not."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import MediaFile, Meeting, MeetingStatus, Member, Role
from bot.services import access, audit
from bot.services.errors import Refused, clean_text, found
from bot.services.meetings.manage import meeting_of_branch

MINUTES_TEXT_MAX = 4000
MINUTES_FILE_MAX = 20 * 1024 * 1024


async def meeting_for_minutes(
    session: AsyncSession, *, actor: Member | None, meeting_id: int, now: datetime
) -> Meeting:
    """A meeting of the branch that has started and was not cancelled."""
    meeting = await meeting_of_branch(session, actor=actor, meeting_id=meeting_id)
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now < meeting.starts_at:
        raise Refused("not_held_yet")
    return meeting


async def set_minutes(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    now: datetime,
    text: str | None = None,
    media: MediaFile | None = None,
) -> Meeting:
    """Keep the 会议记录 as text or a document (a new one replaces the old)."""
    meeting = await meeting_for_minutes(session, actor=actor, meeting_id=meeting_id, now=now)
    assert actor is not None
    if media is not None:
        session.add(media)
        await session.flush()
        meeting.minutes_media_id, meeting.minutes_filename = media.id, media.filename
        meeting.minutes_text = text.strip() if text and text.strip() else None
    else:
        meeting.minutes_text = clean_text(
            text, MINUTES_TEXT_MAX, "minutes_too_long", empty="minutes_empty"
        )
        meeting.minutes_media_id, meeting.minutes_filename = None, None
    meeting.changed_at = now
    await audit.saved(session, meeting, by=actor, action="meeting.minutes", now=now)
    return meeting


async def set_first_topic_studied(
    session: AsyncSession, *, actor: Member | None, meeting_id: int, studied: bool, now: datetime
) -> Meeting:
    """Whether 第一议题 was studied at the meeting."""
    meeting = await meeting_for_minutes(session, actor=actor, meeting_id=meeting_id, now=now)
    meeting.first_topic_studied = studied
    session.add(meeting)
    return meeting


async def minutes_file(
    session: AsyncSession, *, actor: Member | None, meeting_id: int
) -> tuple[Meeting, MediaFile]:
    """The minutes document, for an admin or the secretary of the meeting's branch."""
    leader = access.require_leader(actor)
    meeting = await session.get(Meeting, meeting_id)
    if (
        meeting is None
        or meeting.minutes_media_id is None
        or (leader.role == Role.secretary and meeting.branch_id != leader.branch_id)
    ):
        raise Refused("no_minutes_file")
    media = await session.get(MediaFile, meeting.minutes_media_id)
    return meeting, found(media, "no_minutes_file")
