"""Telling other people, through the outbox in the caller's transaction: one message each
(`send_each`), or about a change to a card (a 诉求, a training record: each person's
messages — the text, then the file if any — part i of everyone in batch i)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import MediaFile, Member


class _Card(Protocol):
    @property
    def id(self) -> int: ...


EventT = TypeVar("EventT", bound=StrEnum)
CardT = TypeVar("CardT", bound=_Card)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send after the message, by Telegram's file_id (media_id is the row)."""

    media_id: int
    media_kind: str


# No slots: made through an alias such as Change[Event, Card](...), which sets
# __orig_class__ on the instance (with slots, Python 3.11 then fails in __setattr__).
@dataclass(frozen=True)
class Change(Generic[EventT, CardT]):
    """What a recipient's message is about: the event, the card, an optional file."""

    event: EventT
    card: CardT
    attachment: Attachment | None = None


MEDIA_KINDS = ("photo", "document")


@dataclass(frozen=True, slots=True)
class SentFile:
    """A photo or document a person sent the bot, kept by Telegram's file_id."""

    file_id: str
    kind: str  # one of MEDIA_KINDS

    @classmethod
    def of(cls, file_id: object, kind: object) -> SentFile | None:
        """From stored columns or form data: none without an id; the id cut to its column
        (255), any kind but a photo sent on as a document."""
        if not file_id:
            return None
        return cls(str(file_id)[:255], str(kind) if kind in MEDIA_KINDS else "document")


def columns(file: SentFile | None) -> tuple[str | None, str | None]:
    """(file_id, kind) for the two nullable columns a row keeps a file in."""
    return (file.file_id, file.kind) if file is not None else (None, None)


async def attachment(
    session: AsyncSession, *, file: SentFile | None, now: datetime
) -> Attachment | None:
    """A media row carrying only the file_id: the outbox sends it on without uploading."""
    if file is None:
        return None
    media = MediaFile(filename="", content=b"", telegram_file_id=file.file_id, created_at=now)
    session.add(media)
    await session.flush()
    assert media.id is not None
    return Attachment(media.id, file.kind)


async def send(
    session: AsyncSession,
    *,
    capability: str,
    recipients: Sequence[Member],
    change: Change[EventT, CardT],
    compose: Callable[[Member, Change[EventT, CardT]], list[OutgoingMessage]],
    now: datetime,
    actor_id: int | None = None,
) -> int:
    """Enqueue each recipient's messages (outbox kind "<capability>.<event>", then
    "<capability>.file"); how many people."""
    people = list({m.id: m for m in recipients if m.id is not None}.values())
    if not people:
        return 0
    return await enqueue_parts(
        session,
        parts=[(m, compose(m, change)) for m in people],
        kind=f"{capability}.{change.event}"[:32],
        later_kind=f"{capability}.file",
        now=now,
        subject_id=change.card.id,
        created_by=actor_id,
    )


async def enqueue_parts(
    session: AsyncSession,
    *,
    parts: Sequence[tuple[Member, Sequence[OutgoingMessage]]],
    kind: str,
    later_kind: str | None = None,
    now: datetime,
    subject_id: int | None,
    created_by: int | None,
) -> int:
    """Each person's messages, part i of everyone in batch i (a batch holds one delivery
    per chat); the parts after the first go as `later_kind` when given. How many people."""
    for i in range(max((len(p) for _, p in parts), default=0)):
        await outbox.enqueue(
            session,
            kind=kind if i == 0 or later_kind is None else later_kind,
            recipients=[Recipient(m.telegram_user_id, p[i], m.id) for m, p in parts if i < len(p)],
            now=now,
            subject_id=subject_id,
            created_by=created_by,
        )
    return len(parts)


async def send_each(
    session: AsyncSession,
    *,
    kind: str,
    people: Sequence[Member],
    compose: Callable[[Member], OutgoingMessage],
    now: datetime,
    subject_id: int | None = None,
) -> int:
    """Queue `compose(person)` for each person (no batch when nobody); how many were queued."""
    if not people:
        return 0
    recipients = [Recipient(m.telegram_user_id, compose(m), m.id) for m in people]
    await outbox.enqueue(session, kind=kind, recipients=recipients, now=now, subject_id=subject_id)
    return len(recipients)
