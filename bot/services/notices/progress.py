"""The author's live view of a sending notice: counts, time left, and when it is done.

The view is the preview message itself, edited in place at most every few seconds; what
it says is written by the caller's `compose` (the capability's views).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import BatchProgress
from bot.models import Delivery, DeliveryStatus, Member, Notice, NoticeStatus
from bot.services.notices.drafts import Essentials, essentials

PROGRESS_EVERY = timedelta(seconds=3)
RATE_WINDOW = timedelta(minutes=1)
DONE = (DeliveryStatus.sent, DeliveryStatus.failed, DeliveryStatus.blocked)


@dataclass(slots=True)
class Progress:
    """A notice's deliveries so far and, while sending, the time still needed."""

    notice: Notice
    essentials: Essentials
    batch: BatchProgress | None
    eta: timedelta | None

    @property
    def finished(self) -> bool:
        return self.batch is None or self.batch.finished


async def _eta(
    session: AsyncSession, notice: Notice, remaining: int, now: datetime
) -> timedelta | None:
    """The pace of the last minute: time spent paused (or before a restart) is not
    sending time, and 429s slow the pace down as they happen."""
    first, recent = (
        await session.execute(
            select(func.min(Delivery.updated_at), func.count()).where(
                col(Delivery.batch_id) == notice.batch_id,
                col(Delivery.status).in_(DONE),
                col(Delivery.updated_at) > now - RATE_WINDOW,
            )
        )
    ).one()
    span = (now - first).total_seconds() if first is not None else 0
    if span > 0 and recent:
        return timedelta(seconds=math.ceil(remaining * span / recent))
    return None


async def progress(session: AsyncSession, notice: Notice, *, now: datetime) -> Progress:
    """Counts of the notice's deliveries and, while sending, the time still needed."""
    if notice.batch_id is None:
        return Progress(notice, await essentials(session, notice), None, None)
    counts = await outbox.progress(session, notice.batch_id)
    about = await essentials(session, notice, recipients=counts.total)
    remaining = counts.pending + counts.sending
    eta = None
    if notice.status == NoticeStatus.sending and remaining:
        eta = await _eta(session, notice, remaining, now)
    return Progress(notice, about, counts, eta)


def snapshot(p: Progress) -> dict[str, int | str]:
    """What the view shows, to tell whether an edit would change anything."""
    b = p.batch
    out: dict[str, int | str] = {"status": p.notice.status}
    if b is not None:
        out |= {
            "sent": b.sent,
            "blocked": b.blocked,
            "failed": b.failed,
            "pending": b.pending + b.sending,
            "cancelled": b.cancelled,
        }
    if p.eta is not None:
        out["eta"] = int(p.eta.total_seconds()) // 10
    return out


async def settle(session: AsyncSession, p: Progress, *, now: datetime) -> bool:
    """Mark a notice done when its deliveries are all out; True when this view is final."""
    notice = p.notice
    if notice.status == NoticeStatus.sending and p.finished:
        notice.status = NoticeStatus.done
        notice.finished_at = now
    final = notice.status in (NoticeStatus.done, NoticeStatus.cancelled) and p.finished
    notice.progress_shown = snapshot(p)
    notice.progress_final = final
    session.add(notice)
    return final


def _edit_due(now: datetime) -> ColumnElement[bool]:
    return or_(
        col(Notice.progress_edited_at).is_(None),
        col(Notice.progress_edited_at) <= now - PROGRESS_EVERY,
    )


async def progress_due(session: AsyncSession, *, now: datetime) -> list[int]:
    """Sending notices whose live view should be edited (and state settled) now, throttled."""
    rows = await session.exec(
        select(Notice.id).where(
            col(Notice.batch_id).is_not(None),
            col(Notice.progress_final).is_(False),
            _edit_due(now),
        )
    )
    return [notice_id for notice_id in rows if notice_id is not None]


async def claim_progress_edit(session: AsyncSession, *, notice_id: int, now: datetime) -> bool:
    """Take this notice's edit slot; False when it was edited (by anyone) too recently."""
    result = await session.execute(
        update(Notice)
        .where(col(Notice.id) == notice_id, _edit_due(now))
        .values(progress_edited_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class ProgressEdit:
    """One edit of an author's live view: where it is and what it should now say."""

    notice_id: int
    chat_id: int
    message_id: int
    message: OutgoingMessage


async def refresh(
    session: AsyncSession,
    *,
    notice_id: int,
    compose: Callable[[Member, Progress], OutgoingMessage],
    now: datetime,
) -> ProgressEdit | None:
    """Settle one notice and say how its view should change (None: no edit needed).

    The caller commits first and edits after: the notice is settled even when its view
    was deleted by its author.
    """
    if not await claim_progress_edit(session, notice_id=notice_id, now=now):
        return None
    notice = await session.get(Notice, notice_id)
    if notice is None:
        return None
    author = await session.get(Member, notice.created_by)
    p = await progress(session, notice, now=now)
    unchanged = notice.progress_shown == snapshot(p)
    final = await settle(session, p, now=now)
    if (unchanged and not final) or author is None:
        return None
    if notice.preview_chat_id is None or notice.preview_message_id is None:
        return None
    return ProgressEdit(
        notice_id, notice.preview_chat_id, notice.preview_message_id, compose(author, p)
    )


async def view_gone(session: AsyncSession, *, notice_id: int) -> None:
    """The view was deleted or is too old to edit: stop editing it (it still settles)."""
    notice = await session.get(Notice, notice_id)
    if notice is not None:
        notice.preview_message_id = None
        session.add(notice)


async def edit_failed(session: AsyncSession, *, notice_id: int) -> None:
    """What was recorded as shown never arrived: forget it, so the next tick edits."""
    notice = await session.get(Notice, notice_id)
    if notice is not None:
        notice.progress_shown = {}
        notice.progress_final = False
        session.add(notice)
