"""Requests past their limits go to the admins, once each, whatever restarts in between."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Request
from bot.models.requests import OPEN_STATES
from bot.services import fanout, once
from bot.services.requests import notify
from bot.services.requests.flow import tell
from bot.services.requests.notify import Compose, Event

CLAIM_KIND = "requests.escalate"


@dataclass(frozen=True, slots=True)
class Escalated:
    request_id: int
    event: Event
    told: int


def _slot(request: Request, now: datetime) -> tuple[Event, str] | None:
    """Which limit the request is past (受理 first), as an exactly-once slot."""
    if request.responded_at is None and request.accept_due_at <= now:
        return Event.overdue_accept, "accept"
    if request.resolve_due_at <= now:
        # A reopened request gets a new limit, so its own slot.
        return Event.overdue_resolve, f"resolve:{request.resolve_due_at:%Y%m%d%H%M}"
    return None


async def escalate_due(
    session: AsyncSession, *, compose: Compose, now: datetime
) -> list[Escalated]:
    """Tell the admins about every open request past a limit, each limit once."""
    rows = await session.exec(
        select(Request)
        .where(
            col(Request.state).in_(OPEN_STATES),
            or_(
                (col(Request.responded_at).is_(None)) & (col(Request.accept_due_at) <= now),
                col(Request.resolve_due_at) <= now,
            ),
        )
        .order_by(col(Request.id))
    )
    done: list[Escalated] = []
    admins = None
    for request in list(rows):
        due = _slot(request, now)
        if due is None:
            continue
        event, slot = due
        subject = f"request:{request.id}"
        # One claim for the request's limit, then one per admin: a crash between the
        # claims and the commit keeps neither, so nobody is told twice or never.
        if not await once.claim(session, kind=CLAIM_KIND, subject=subject, slot=slot, now=now):
            continue
        request.escalated_at = request.escalated_at or now
        request.updated_at = now
        session.add(request)
        if admins is None:
            admins = await notify.admins(session)
        newly = await once.claim_members(
            session, admins, kind=CLAIM_KIND, subject=subject, slot=slot, now=now
        )
        media = await fanout.attachment(
            session, file=fanout.SentFile.of(request.file_id, request.media_kind), now=now
        )
        told = (
            await tell(
                session, request, event, newly, media=media, compose=compose, now=now, actor=None
            )
        ).told
        assert request.id is not None
        done.append(Escalated(request.id, event, told))
    return done
