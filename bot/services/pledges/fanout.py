"""Messages to other people, written to the outbox in the caller's transaction.

The convention every fan-out follows: the service decides who hears about what and
hands `compose(recipient, about)` the data the message is about; the caller's views
render it in the recipient's language. A handler's composer writes each language once
(`handlers.shape.per_language`), so a branch of hundreds costs one rendering per
language, not one per person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import Member
from bot.services import fanout

About = TypeVar("About")

# Renders the message about `About` for one recipient (in their language).
Compose = Callable[[Member, About], OutgoingMessage]
# The same for a message that may need several parts (a long publication).
ComposeParts = Callable[[Member, About], Sequence[OutgoingMessage]]


async def tell(
    session: AsyncSession,
    *,
    kind: str,
    people: Iterable[Member],
    compose: Compose[About],
    about: About,
    now: datetime,
    subject_id: int | None,
    created_by: int | None,
) -> int:
    """One message to each person through the outbox; how many were queued."""
    return await fanout.enqueue_parts(
        session,
        parts=[(m, [compose(m, about)]) for m in people],
        kind=kind,
        now=now,
        subject_id=subject_id,
        created_by=created_by,
    )
