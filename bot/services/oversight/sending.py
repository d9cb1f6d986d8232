"""One message to each person through the outbox: oversight's asks, reminders and digests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import Member

T = TypeVar("T")


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


class PerPerson(Generic[T]):
    """What a job run has for each person, sent at the end as one message each."""

    def __init__(self) -> None:
        self._people: dict[int, Member] = {}
        self._items: dict[int, list[T]] = {}

    def add(self, person: Member, item: T) -> None:
        assert person.id is not None
        self._people.setdefault(person.id, person)
        self._items.setdefault(person.id, []).append(item)

    async def send(
        self,
        session: AsyncSession,
        *,
        kind: str,
        compose: Callable[[Member, list[T]], OutgoingMessage],
        now: datetime,
    ) -> int:
        """One message per person, in the order they were first added; how many."""
        return await send_each(
            session,
            kind=kind,
            people=list(self._people.values()),
            compose=lambda m: compose(m, self._items[m.id or 0]),
            now=now,
        )
