"""The outbox: fan-out writes Delivery rows; the worker sends them on the bulk lane.

A row is claimed (status ``sending`` with a lease) in its own committed transaction
before the HTTP call, so a crash leaves it visible: on restart it goes back to
``pending`` marked ``ambiguous`` — the only case in which a person may get a message
twice, and it is counted. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so
several bot processes never send the same row.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot as TelegramBot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.db import Sessions
from bot.delivery.limiter import Lane
from bot.delivery.message import OutgoingMessage
from bot.delivery.sender import send
from bot.models import (
    BatchState,
    Delivery,
    DeliveryBatch,
    DeliveryStatus,
    MediaFile,
    Member,
    MemberStatus,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recipient:
    chat_id: int
    message: OutgoingMessage
    member_id: int | None = None


@dataclass(slots=True)
class BatchProgress:
    batch_id: int
    state: BatchState
    total: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    ambiguous: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked + self.cancelled

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.sending == 0


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
        await session.execute(Delivery.__table__.insert(), rows)  # type: ignore[attr-defined]
    batch.total = len(rows)
    return batch


async def progress(session: AsyncSession, batch_id: int) -> BatchProgress:
    """Counts per status of one batch."""
    batch = await session.get(DeliveryBatch, batch_id)
    if batch is None:
        raise LookupError(f"no delivery batch {batch_id}")
    result = BatchProgress(batch_id=batch_id, state=batch.state)
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.batch_id == batch_id)
        .group_by(Delivery.status)
    )
    for status, count in rows.all():
        setattr(result, DeliveryStatus(status).value, count)
        result.total += count
    result.ambiguous = (
        await session.execute(
            select(func.count()).where(Delivery.batch_id == batch_id, Delivery.ambiguous)
        )
    ).scalar_one()
    return result


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
            .where(Delivery.batch_id == batch_id, Delivery.status == DeliveryStatus.pending)
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

    async def fire(
        self, session: AsyncSession, event: str, delivery: Delivery, batch: DeliveryBatch
    ) -> None:
        for hook in self._hooks.get((batch.kind, event), []):
            await hook(session, delivery, batch)


@dataclass(slots=True)
class Outcome:
    delivery_id: int
    status: DeliveryStatus
    message_id: int | None = None
    error: str | None = None
    retry_in: float | None = None


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): 2, 4, 8 … capped at 5 minutes."""
    return float(min(2**attempt, 300))


class OutboxWorker:
    """Claims due rows and sends them through the bulk lane."""

    def __init__(
        self,
        bot: TelegramBot,
        sessions: Sessions,
        clock: Clock,
        *,
        concurrency: int = 64,
        max_attempts: int = 5,
        lease: timedelta = timedelta(minutes=2),
        hooks: DeliveryHooks | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.lease = lease
        self.hooks = hooks or DeliveryHooks()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = asyncio.Event()
        self.sent_count = 0

    def wake(self) -> None:
        """Start sending now rather than at the next poll (call after committing rows)."""
        self._wake.set()

    async def recover(self, *, all_sending: bool = False) -> int:
        """Put back rows whose sender died mid-send; they are marked ambiguous.

        `all_sending` is for a single process at start-up (SQLite): nobody else can own them.
        """
        now = self.clock.now()
        cond = Delivery.status == DeliveryStatus.sending
        if not all_sending:
            cond = and_(cond, Delivery.lease_until < now)
        async with self.sessions() as s:
            res = await s.execute(
                update(Delivery)
                .where(cond)
                .values(
                    status=DeliveryStatus.pending,
                    ambiguous=True,
                    claimed_by=None,
                    lease_until=None,
                    next_attempt_at=now,
                    updated_at=now,
                )
            )
            await s.commit()
        count = int(getattr(res, "rowcount", 0) or 0)
        if count:
            log.warning("outbox: %d in-flight sends recovered as ambiguous", count)
        return count

    async def claim(self, limit: int) -> list[Delivery]:
        now = self.clock.now()
        async with self.sessions() as s:
            query = (
                select(Delivery.id)
                .join(DeliveryBatch, DeliveryBatch.id == Delivery.batch_id)  # type: ignore[arg-type]
                .where(
                    Delivery.status == DeliveryStatus.pending,
                    Delivery.next_attempt_at <= now,
                    DeliveryBatch.state == BatchState.active,
                )
                .order_by(Delivery.id)  # type: ignore[arg-type]
                .limit(limit)
            )
            if s.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Delivery)  # type: ignore[arg-type]
            ids = list((await s.execute(query)).scalars())
            if not ids:
                await s.commit()
                return []
            await s.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))  # type: ignore[union-attr]
                .values(
                    status=DeliveryStatus.sending,
                    claimed_by=self.worker_id,
                    lease_until=now + self.lease,
                    attempts=Delivery.attempts + 1,
                    updated_at=now,
                )
            )
            await s.commit()
            rows = (
                await s.execute(
                    select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)  # type: ignore[union-attr,arg-type]
                )
            ).scalars()
            return list(rows)

    async def _send_one(self, row: Delivery) -> Outcome:
        assert row.id is not None
        msg = OutgoingMessage.from_json(row.payload)
        try:
            media = None
            if msg.media_id is not None:
                async with self.sessions() as s:
                    media = await s.get(MediaFile, msg.media_id)
                    sent = await send(self.bot, row.chat_id, msg, lane=Lane.bulk, media=media)
                    await s.commit()  # keeps the file_id Telegram gave the first upload
            else:
                sent = await send(self.bot, row.chat_id, msg, lane=Lane.bulk)
            return Outcome(row.id, DeliveryStatus.sent, message_id=sent.message_id)
        except Forbidden as exc:
            return Outcome(row.id, DeliveryStatus.blocked, error=exc.message[:500])
        except BadRequest as exc:
            return Outcome(row.id, DeliveryStatus.failed, error=exc.message[:500])
        except RetryAfter as exc:
            return self._retry(row, f"429: {exc.message}")
        except (NetworkError, TelegramError) as exc:
            return self._retry(row, f"{type(exc).__name__}: {exc.message}")

    def _retry(self, row: Delivery, error: str) -> Outcome:
        assert row.id is not None
        if row.attempts >= self.max_attempts:
            return Outcome(row.id, DeliveryStatus.failed, error=error[:500])
        return Outcome(
            row.id, DeliveryStatus.pending, error=error[:500], retry_in=backoff(row.attempts)
        )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write the outcomes of a group of sends in one transaction and fire hooks."""
        if not outcomes:
            return
        now = self.clock.now()
        async with self.sessions() as s:
            rows = {
                d.id: d
                for d in (
                    await s.execute(
                        select(Delivery).where(Delivery.id.in_([o.delivery_id for o in outcomes]))  # type: ignore[union-attr]
                    )
                ).scalars()
            }
            batches = {
                b.id: b
                for b in (
                    await s.execute(
                        select(DeliveryBatch).where(
                            DeliveryBatch.id.in_({d.batch_id for d in rows.values()})  # type: ignore[union-attr]
                        )
                    )
                ).scalars()
            }
            blocked_chats: list[int] = []
            for o in outcomes:
                d = rows[o.delivery_id]
                d.status = o.status
                d.last_error = o.error
                d.updated_at = now
                d.claimed_by = None
                d.lease_until = None
                if o.status == DeliveryStatus.sent:
                    d.message_id = o.message_id
                    d.sent_at = now
                    self.sent_count += 1
                elif o.status == DeliveryStatus.pending:
                    d.next_attempt_at = now + timedelta(seconds=o.retry_in or 1.0)
                elif o.status == DeliveryStatus.blocked:
                    blocked_chats.append(d.chat_id)
            if blocked_chats:
                await s.execute(
                    update(Member)
                    .where(
                        Member.telegram_user_id.in_(blocked_chats),  # type: ignore[attr-defined]
                        Member.status == MemberStatus.active,
                    )
                    .values(status=MemberStatus.blocked, status_changed_at=now)
                )
            for o in outcomes:
                d = rows[o.delivery_id]
                if o.status in (DeliveryStatus.sent, DeliveryStatus.blocked, DeliveryStatus.failed):
                    await self.hooks.fire(s, o.status.value, d, batches[d.batch_id])
            await s.commit()

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due now, send it, record it; returns how many rows were handled."""
        rows = await self.claim(limit or self.concurrency)
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._send_one(r) for r in rows))
        await self.record(outcomes)
        return len(rows)

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Send until nothing is due at the clock's current time (tests, demo, jobs)."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            if not handled:
                break
            total += handled
        return total

    async def run(self, stop: asyncio.Event, poll_interval: float = 1.0) -> None:
        """Keep up to `concurrency` sends in flight until `stop` is set."""
        inflight: set[asyncio.Task[Outcome]] = set()
        exhausted = False
        while not (stop.is_set() and not inflight):
            if not stop.is_set() and not exhausted and len(inflight) < self.concurrency:
                try:
                    rows = await self.claim(self.concurrency - len(inflight))
                except Exception:
                    log.exception("outbox: claim failed; retrying shortly")
                    rows = []
                    exhausted = True
                exhausted = exhausted or len(rows) < self.concurrency - len(inflight)
                inflight.update(asyncio.create_task(self._send_one(r)) for r in rows)
            if not inflight:
                self._wake.clear()
                waiter = asyncio.create_task(self._wake.wait())
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait(
                    {waiter, stopper}, timeout=poll_interval, return_when=asyncio.FIRST_COMPLETED
                )
                waiter.cancel()
                stopper.cancel()
                exhausted = False
                continue
            done, inflight = await asyncio.wait(
                inflight, timeout=0.05, return_when=asyncio.FIRST_COMPLETED
            )
            if self._wake.is_set():
                self._wake.clear()
                exhausted = False
            if done:
                try:
                    await self.record([t.result() for t in done])
                except Exception:
                    log.exception("outbox: recording outcomes failed; the rows will be recovered")
                exhausted = exhausted and len(inflight) > 0
