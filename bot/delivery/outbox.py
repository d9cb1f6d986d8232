"""The outbox's database API: fan-out writes Delivery rows, callers read their progress.

Services import this module (never the worker): it has no telegram import, directly or
through its imports. The worker that claims and sends the rows is `bot.delivery.worker`.

A row is claimed (status ``sending`` with a lease) in its own committed transaction
before the HTTP call, so a crash leaves it visible: on restart it goes back to
``pending`` marked ``ambiguous`` — the only case in which a person may get a message
twice, and it is counted. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so
several bot processes never send the same row.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import BatchState, Delivery, DeliveryBatch, DeliveryStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recipient:
    chat_id: int
    message: OutgoingMessage
    member_id: int | None = None


class _ByStatus(Protocol):
    by_status: Counter[DeliveryStatus]


class StatusCount:
    """The count of one status in an object's `by_status`, read as an attribute
    (`progress.sent`)."""

    def __init__(self, status: DeliveryStatus) -> None:
        self.status = status

    def __get__(self, counted: _ByStatus, owner: object = None) -> int:
        return counted.by_status[self.status]


@dataclass(slots=True)
class BatchProgress:
    """One batch's rows by status, and how many are ambiguous or waiting to retry."""

    batch_id: int
    state: BatchState
    by_status: Counter[DeliveryStatus]
    ambiguous: int
    retrying: int  # pending rows that already failed at least once

    pending = StatusCount(DeliveryStatus.pending)
    sending = StatusCount(DeliveryStatus.sending)
    sent = StatusCount(DeliveryStatus.sent)
    failed = StatusCount(DeliveryStatus.failed)
    blocked = StatusCount(DeliveryStatus.blocked)
    cancelled = StatusCount(DeliveryStatus.cancelled)

    @property
    def total(self) -> int:
        return self.by_status.total()

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked + self.cancelled

    @property
    def remaining(self) -> int:
        return self.pending + self.sending

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.sending == 0


def eta_seconds(p: BatchProgress, rate_per_second: float) -> float | None:
    """Seconds until the batch is through at `rate_per_second` (e.g. the overall limit).

    None while the batch is paused (it will not finish on its own); 0 once finished. A
    lower bound: retries wait out their backoff and other batches share the rate.
    """
    if p.finished:
        return 0.0
    if p.state != BatchState.active or rate_per_second <= 0:
        return None
    return math.ceil(p.remaining / rate_per_second)


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    recipients: Iterable[Recipient],
    now: datetime,
    subject_id: int | None = None,
    created_by: int | None = None,
    not_before: datetime | None = None,
) -> DeliveryBatch:
    """Write one batch and a Delivery per recipient (one per chat); the caller commits.

    Call it in the same transaction as what is delivered, so both exist or neither.
    """
    batch = DeliveryBatch(kind=kind, subject_id=subject_id, created_by=created_by, created_at=now)
    session.add(batch)
    await session.flush()
    assert batch.id is not None
    due = not_before or now
    seen: set[int] = set()
    rows = []
    for r in recipients:
        if r.chat_id in seen:
            continue
        seen.add(r.chat_id)
        rows.append(
            {
                "batch_id": batch.id,
                "member_id": r.member_id,
                "chat_id": r.chat_id,
                "payload": r.message.to_json(),
                "status": DeliveryStatus.pending,
                "attempts": 0,
                "ambiguous": False,
                "next_attempt_at": due,
                "updated_at": now,
            }
        )
    if rows:
        table = Delivery.__table__  # type: ignore[attr-defined]
        await session.execute(table.insert(), rows)
    batch.total = len(rows)
    return batch


async def progress(session: AsyncSession, batch_id: int) -> BatchProgress:
    """Counts per status of one batch (one grouped query)."""
    batch = await session.get(DeliveryBatch, batch_id)
    if batch is None:
        raise LookupError(f"no delivery batch {batch_id}")
    rows = await session.execute(
        select(
            Delivery.status,
            func.count(),
            func.count().filter(col(Delivery.ambiguous)),
            func.count().filter(col(Delivery.attempts) > 0),
        )
        .where(Delivery.batch_id == batch_id)
        .group_by(Delivery.status)
    )
    by_status: Counter[DeliveryStatus] = Counter()
    ambiguous = retrying = 0
    for status, count, ambiguous_count, tried in rows.all():
        by_status[DeliveryStatus(status)] = count
        ambiguous += ambiguous_count
        if status == DeliveryStatus.pending:
            retrying = tried
    return BatchProgress(batch_id, batch.state, by_status, ambiguous, retrying)


async def set_batch_state(
    session: AsyncSession, *, batch_id: int, state: BatchState, now: datetime
) -> DeliveryBatch:
    """Pause, resume or cancel a batch; cancelling withdraws what is still pending."""
    batch = await session.get(DeliveryBatch, batch_id)
    if batch is None:
        raise LookupError(f"no delivery batch {batch_id}")
    if batch.state == BatchState.cancelled:
        return batch
    batch.state = state
    if state == BatchState.cancelled:
        await session.execute(
            update(Delivery)
            .where(
                col(Delivery.batch_id) == batch_id, col(Delivery.status) == DeliveryStatus.pending
            )
            .values(status=DeliveryStatus.cancelled, updated_at=now)
        )
    return batch


# Hooks let capabilities react to outcomes without sending code of their own.
Hook = Callable[[AsyncSession, Delivery, DeliveryBatch], Awaitable[None]]


@dataclass
class DeliveryHooks:
    """Callbacks by (batch kind, event); events: sent, blocked, failed."""

    _hooks: dict[tuple[str, str], list[Hook]] = field(default_factory=dict)

    def on(self, kind: str, event: str, hook: Hook) -> None:
        self._hooks.setdefault((kind, event), []).append(hook)

    def has(self, kind: str, event: str) -> bool:
        return bool(self._hooks.get((kind, event)))

    async def fire(
        self, session: AsyncSession, event: str, delivery: Delivery, batch: DeliveryBatch
    ) -> None:
        """Run the hooks in the transaction that records the outcome.

        A failing hook is logged and skipped: the send happened and must be recorded, or
        the row would be sent again after recovery. Each hook runs in a savepoint, so a
        failed statement (which on PostgreSQL aborts the whole transaction) undoes only
        that hook's changes.
        """
        for hook in self._hooks.get((batch.kind, event), []):
            try:
                async with session.begin_nested():
                    await hook(session, delivery, batch)
            except Exception:
                log.exception(
                    "delivery hook %s/%s failed for delivery %s", batch.kind, event, delivery.id
                )


@dataclass(slots=True)
class Outcome:
    delivery_id: int
    status: DeliveryStatus
    message_id: int | None = None
    error: str | None = None
    retry_in: float | None = None
    ambiguous: bool = False  # the failed call may still have reached the person


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): 2, 4, 8 … capped at 5 minutes."""
    return float(min(2**attempt, 300))
