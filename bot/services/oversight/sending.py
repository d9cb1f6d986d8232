"""What a job run has for each person, sent as one message each (oversight's reminders)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import Member
from bot.services.fanout import send_each

T = TypeVar("T")


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
