"""Telling other people about a request: outbox rows in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import MediaFile, Member, Role
from bot.services import org
from bot.services.requests.cards import Card


class Event(StrEnum):
    """Why a message about a request goes out."""

    new = "new"  # to the branch's secretaries (or the admins)
    accepted = "accepted"  # to the member: 已受理
    forwarded = "forwarded"  # to the member (已转交) and to the admins
    resolved = "resolved"  # to the member: 已办结, with the rating buttons
    reopened = "reopened"  # to the handler: 退回 with the member's reason
    rated = "rated"  # to the handler: the member's rating
    taken = "taken"  # to the member and the branch's secretaries: an admin took it over
    overdue_accept = "overdue_accept"  # to the admins: not accepted in time
    overdue_resolve = "overdue_resolve"  # to the admins: not resolved in time


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send after the message, by Telegram's file_id (media_id is the row)."""

    media_id: int
    media_kind: str


@dataclass(frozen=True, slots=True)
class Change:
    """What a recipient's message is about: the event, the request, an optional file."""

    event: Event
    card: Card
    attachment: Attachment | None = None


# Renders one recipient's messages (the text, then the attachment if any) in their
# language; the capability's views provide it.
Compose = Callable[[Member, Change], list[OutgoingMessage]]


async def attachment(
    session: AsyncSession, *, file_id: str | None, media_kind: str | None, now: datetime
) -> Attachment | None:
    """A media row carrying only the file_id: the outbox sends it on without uploading."""
    if not file_id:
        return None
    media = MediaFile(filename="", content=b"", telegram_file_id=file_id, created_at=now)
    session.add(media)
    await session.flush()
    assert media.id is not None
    return Attachment(media.id, media_kind or "document")


async def send(
    session: AsyncSession,
    *,
    recipients: Sequence[Member],
    change: Change,
    compose: Compose,
    now: datetime,
    actor_id: int | None = None,
) -> int:
    """Enqueue each recipient's messages (part i of everyone in batch i); how many people."""
    people = list({m.id: m for m in recipients if m.id is not None}.values())
    if not people:
        return 0
    parts = {m.id: compose(m, change) for m in people}
    count = max(len(p) for p in parts.values())
    for i in range(count):
        await outbox.enqueue(
            session,
            kind=f"requests.{change.event}"[:32] if i == 0 else "requests.file",
            recipients=[
                Recipient(m.telegram_user_id, parts[m.id][i], m.id)
                for m in people
                if i < len(parts[m.id])
            ],
            now=now,
            subject_id=change.card.id,
            created_by=actor_id,
        )
    return len(people)


async def secretaries(session: AsyncSession, branch_id: int) -> list[Member]:
    return await org.active_members(session, branch_id, roles=(Role.secretary,))


async def admins(session: AsyncSession) -> list[Member]:
    return await org.active_members(session, None, roles=(Role.admin,))
