"""Telling other people about a request: outbox rows in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import Member, Role
from bot.services import fanout, org
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


# What a recipient's message is about: the event, the request, an optional file.
Change = fanout.Change[Event, Card]


# Renders one recipient's messages (the text, then the attachment if any) in their
# language; the capability's views provide it.
Compose = Callable[[Member, Change], list[OutgoingMessage]]


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
    return await fanout.send(
        session,
        capability="requests",
        recipients=recipients,
        change=change,
        compose=compose,
        now=now,
        actor_id=actor_id,
    )


async def secretaries(session: AsyncSession, branch_id: int) -> list[Member]:
    return await org.active_members(session, branch_id, roles=(Role.secretary,))


async def admins(session: AsyncSession) -> list[Member]:
    return await org.active_members(session, None, roles=(Role.admin,))
