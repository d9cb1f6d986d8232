"""The one way a meeting message reaches other people: outbox rows, worded by the caller.

Services decide who is told what (an `Announcement`, a leave request, a decision); the
caller's `compose(what, locale)` words it, once per language rather than per person,
and the rows are written in the same transaction as the change they report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.models import Meeting, Member, PartyGroup

T = TypeVar("T")

Compose = Callable[[T, str | None], OutgoingMessage]
"""(what happened, the recipient's locale) → their message."""


class Occasion(StrEnum):
    notice = "meeting.notice"
    moved = "meeting.rescheduled"
    cancelled = "meeting.cancelled"
    reminder = "meeting.reminder"


@dataclass(frozen=True, slots=True)
class Announcement:
    """What invitees are told about a meeting: a notice, a move, a cancellation, a reminder."""

    occasion: Occasion
    meeting: Meeting
    group: PartyGroup | None = None
    was: datetime | None = None  # a move: the old start
    minutes_left: int | None = None  # a reminder: the time actually left

    @property
    def answerable(self) -> bool:
        """Whether the message carries 出席 / 请假 / 签到 (not once the meeting is off)."""
        return self.occasion != Occasion.cancelled


async def tell(
    session: AsyncSession,
    *,
    kind: str,
    what: T,
    members: Iterable[Member],
    compose: Compose[T],
    now: datetime,
    subject_id: int | None,
    created_by: int | None,
) -> int:
    """Enqueue `what` for each of `members`; returns how many rows were written."""
    by_locale: dict[str | None, OutgoingMessage] = {}
    recipients = []
    for m in members:
        if m.locale not in by_locale:
            by_locale[m.locale] = compose(what, m.locale)
        recipients.append(outbox.Recipient(m.telegram_user_id, by_locale[m.locale], m.id))
    if not recipients:
        return 0
    batch = await outbox.enqueue(
        session,
        kind=kind,
        recipients=recipients,
        now=now,
        subject_id=subject_id,
        created_by=created_by,
    )
    return batch.total


async def announce(
    session: AsyncSession,
    *,
    announcement: Announcement,
    members: Iterable[Member],
    compose: Compose[Announcement],
    now: datetime,
    created_by: int | None,
) -> int:
    """Tell invitees about their meeting."""
    return await tell(
        session,
        kind=announcement.occasion.value,
        what=announcement,
        members=members,
        compose=compose,
        now=now,
        subject_id=announcement.meeting.id,
        created_by=created_by,
    )


async def group_of(session: AsyncSession, meeting: Meeting) -> PartyGroup | None:
    if meeting.party_group_id is None:
        return None
    return await session.get(PartyGroup, meeting.party_group_id)
