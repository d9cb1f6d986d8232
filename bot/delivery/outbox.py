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
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.db import Sessions
from bot.delivery.limiter import Lane, maybe_delivered
from bot.delivery.message import OutgoingMessage
from bot.delivery.sender import TelegramBot, send
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
    retrying: int = 0  # pending rows that already failed at least once

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
            select(func.count()).where(Delivery.batch_id == batch_id, col(Delivery.ambiguous))
        )
    ).scalar_one()
    result.retrying = (
        await session.execute(
            select(func.count()).where(
                col(Delivery.batch_id) == batch_id,
                col(Delivery.status) == DeliveryStatus.pending,
                col(Delivery.attempts) > 0,
            )
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


@dataclass(slots=True)
class WorkerStats:
    """Counters since the worker started (logs, benchmarks, live progress)."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    recovered: int = 0
    in_flight: int = 0


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): 2, 4, 8 … capped at 5 minutes."""
    return float(min(2**attempt, 300))


RECORD_TRIES = 3
# How long finished sends may wait to be recorded together (run() only).
RECORD_EVERY = 0.05


class _Signal:
    """An event that can be awaited with a timeout without a task per wait (wait_for)."""

    def __init__(self) -> None:
        self._set = False
        self._fut: asyncio.Future[None] | None = None

    def set(self, _: object = None) -> None:
        self._set = True
        if self._fut is not None and not self._fut.done():
            self._fut.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109
        if self._set:
            return
        loop = asyncio.get_running_loop()
        self._fut = loop.create_future()
        timer = loop.call_later(timeout, self.set)
        try:
            await self._fut
        finally:
            timer.cancel()
            self._fut = None


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
        paid_broadcast: bool = False,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.lease = lease
        self.hooks = hooks or DeliveryHooks()
        self.worker_id = worker_id or f"{socket.gethostname()[:32]}:{os.getpid()}:{id(self):x}"
        self.paid_broadcast = paid_broadcast
        self._wake = asyncio.Event()
        self._file_ids: dict[int, str] = {}  # media id -> Telegram's file_id once uploaded
        self._uploads: dict[int, asyncio.Lock] = {}
        self.stats = WorkerStats()

    @property
    def sent_count(self) -> int:
        return self.stats.sent

    def wake(self) -> None:
        """Start sending now rather than at the next poll (call after committing rows)."""
        self._wake.set()

    async def recover(self, *, all_sending: bool = False) -> int:
        """Put back rows whose sender died mid-send; they are marked ambiguous.

        `all_sending` is for a single process at start-up (SQLite): nobody else can own them.
        Otherwise only rows whose lease ran out come back (run() renews its own leases).
        """
        now = self.clock.now()
        cond = col(Delivery.status) == DeliveryStatus.sending
        if not all_sending:
            cond = and_(cond, col(Delivery.lease_until) < now)
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
            self.stats.recovered += count
            log.warning("outbox: %d in-flight sends recovered as ambiguous", count)
        return count

    async def renew_leases(self) -> int:
        """Extend the lease of every row this worker is sending (a long 429 pause)."""
        now = self.clock.now()
        async with self.sessions() as s:
            res = await s.execute(
                update(Delivery)
                .where(
                    col(Delivery.status) == DeliveryStatus.sending,
                    col(Delivery.claimed_by) == self.worker_id,
                )
                .values(lease_until=now + self.lease)
            )
            await s.commit()
        return int(getattr(res, "rowcount", 0) or 0)

    async def claim(self, limit: int) -> list[Delivery]:
        """Mark up to `limit` due rows as ours (status sending, with a lease) and commit.

        The UPDATE re-checks `pending` and returns only the rows it changed, so two claims
        racing on SQLite (no row locks) cannot both take a row; PostgreSQL additionally
        skips rows another worker has locked instead of waiting for them.
        """
        now = self.clock.now()
        async with self.sessions() as s:
            query = (
                select(Delivery.id)
                .join(DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id))
                .where(
                    col(Delivery.status) == DeliveryStatus.pending,
                    col(Delivery.next_attempt_at) <= now,
                    col(DeliveryBatch.state) == BatchState.active,
                )
                .order_by(col(Delivery.id))
                .limit(limit)
            )
            if s.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Delivery)
            ids = list((await s.execute(query)).scalars())
            if not ids:
                await s.commit()
                return []
            claimed = (
                await s.execute(
                    update(Delivery)
                    .where(
                        col(Delivery.id).in_(ids),
                        col(Delivery.status) == DeliveryStatus.pending,
                    )
                    .values(
                        status=DeliveryStatus.sending,
                        claimed_by=self.worker_id,
                        lease_until=now + self.lease,
                        attempts=col(Delivery.attempts) + 1,
                        updated_at=now,
                    )
                    .returning(col(Delivery.id))
                )
            ).scalars()
            got = sorted(claimed)
            await s.commit()
            if not got:
                return []
            rows = (
                await s.execute(
                    select(Delivery).where(col(Delivery.id).in_(got)).order_by(col(Delivery.id))
                )
            ).scalars()
            result = list(rows)
        self.stats.claimed += len(result)
        return result

    async def _send_one(self, row: Delivery) -> Outcome:
        assert row.id is not None
        self.stats.in_flight += 1
        try:
            return await self._attempt(row)
        finally:
            self.stats.in_flight -= 1

    async def _attempt(self, row: Delivery) -> Outcome:
        assert row.id is not None
        msg = OutgoingMessage.from_json(row.payload)
        paid = self.paid_broadcast
        try:
            if msg.media_id is None:
                sent = await send(self.bot, row.chat_id, msg, lane=Lane.bulk, paid_broadcast=paid)
            else:
                sent = await self._send_with_media(row.chat_id, msg, msg.media_id)
            return Outcome(row.id, DeliveryStatus.sent, message_id=sent.message_id)
        except Forbidden as exc:
            return Outcome(row.id, DeliveryStatus.blocked, error=exc.message[:500])
        except BadRequest as exc:
            # "chat not found", bad markup …: sending it again would fail the same way.
            return Outcome(row.id, DeliveryStatus.failed, error=exc.message[:500])
        except RetryAfter as exc:
            return self._retry(row, f"429: {exc.message}")
        except NetworkError as exc:
            return self._retry(
                row, f"{type(exc).__name__}: {exc.message}", ambiguous=maybe_delivered(exc)
            )
        except TelegramError as exc:
            return self._retry(row, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:  # a bug must not lose the row: it is retried, then failed
            log.exception("outbox: unexpected error sending delivery %s", row.id)
            return self._retry(row, f"{type(exc).__name__}: {exc}", ambiguous=True)

    async def _send_with_media(self, chat_id: int, msg: OutgoingMessage, media_id: int) -> Message:
        """Upload the file with the first send, then send Telegram's file_id to the rest.

        The media row is read and written in short sessions: one held across the send
        (which waits for its slot) kept a pooled connection per send in flight, so a
        document fan-out left none for the people using the bot meanwhile. Sends of a file
        not yet uploaded wait for the one upload instead of each uploading it again.
        """
        paid = self.paid_broadcast
        upload = self._uploads.setdefault(media_id, asyncio.Lock())
        if upload.locked() or media_id not in self._file_ids:
            async with upload:
                if media_id not in self._file_ids:
                    async with self.sessions() as s:
                        media = await s.get(MediaFile, media_id)
                    if media is not None and media.telegram_file_id is None:
                        sent = await send(
                            self.bot, chat_id, msg, lane=Lane.bulk, media=media, paid_broadcast=paid
                        )
                        if media.telegram_file_id is not None:
                            await self._keep_file_id(media_id, media.telegram_file_id)
                        return sent
                    if media is None:  # deleted meanwhile: the text still goes out
                        return await send(
                            self.bot, chat_id, msg, lane=Lane.bulk, paid_broadcast=paid
                        )
                    assert media.telegram_file_id is not None
                    self._file_ids[media_id] = media.telegram_file_id
        by_id = MediaFile(
            id=media_id,
            filename="",
            content=b"",
            telegram_file_id=self._file_ids[media_id],
            created_at=self.clock.now(),
        )
        return await send(self.bot, chat_id, msg, lane=Lane.bulk, media=by_id, paid_broadcast=paid)

    async def _keep_file_id(self, media_id: int, file_id: str) -> None:
        self._file_ids[media_id] = file_id
        try:
            async with self.sessions() as s:
                await s.execute(
                    update(MediaFile)
                    .where(col(MediaFile.id) == media_id, col(MediaFile.telegram_file_id).is_(None))
                    .values(telegram_file_id=file_id)
                )
                await s.commit()
        except Exception:  # the send happened; this process still remembers the file_id
            log.exception("outbox: could not store the file_id of media %s", media_id)

    def _retry(self, row: Delivery, error: str, *, ambiguous: bool = False) -> Outcome:
        assert row.id is not None
        if row.attempts >= self.max_attempts:
            return Outcome(row.id, DeliveryStatus.failed, error=error[:500], ambiguous=ambiguous)
        return Outcome(
            row.id,
            DeliveryStatus.pending,
            error=error[:500],
            retry_in=backoff(row.attempts),
            ambiguous=ambiguous,
        )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write the outcomes of a group of sends in one transaction and fire hooks.

        Retried a few times: a send that happened but was never recorded would come back
        as ambiguous and reach the person twice.
        """
        if not outcomes:
            return
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                await self._record(outcomes)
                return
            except Exception:
                if attempt == RECORD_TRIES:
                    raise
                log.warning("outbox: recording outcomes failed (try %d); retrying", attempt)
                await asyncio.sleep(0.1 * attempt)

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        now = self.clock.now()
        async with self.sessions() as s:
            rows = {
                d.id: d
                for d in (
                    await s.execute(
                        select(Delivery).where(
                            col(Delivery.id).in_([o.delivery_id for o in outcomes])
                        )
                    )
                ).scalars()
            }
            batches = {
                b.id: b
                for b in (
                    await s.execute(
                        select(DeliveryBatch).where(
                            col(DeliveryBatch.id).in_({d.batch_id for d in rows.values()})
                        )
                    )
                ).scalars()
            }
            blocked_chats: list[int] = []
            fired: list[tuple[Outcome, Delivery]] = []
            counts = {status: 0 for status in DeliveryStatus}
            for o in outcomes:
                d = rows.get(o.delivery_id)
                if d is None or d.status in (DeliveryStatus.sent, DeliveryStatus.blocked):
                    continue  # already final (recorded by whoever re-claimed it)
                d.status = o.status
                d.last_error = o.error
                d.updated_at = now
                d.claimed_by = None
                d.lease_until = None
                d.ambiguous = d.ambiguous or o.ambiguous
                counts[o.status] += 1
                if o.status == DeliveryStatus.sent:
                    d.message_id = o.message_id
                    d.sent_at = now
                elif o.status == DeliveryStatus.pending:
                    d.next_attempt_at = now + timedelta(seconds=o.retry_in or 1.0)
                elif o.status == DeliveryStatus.blocked:
                    blocked_chats.append(d.chat_id)
                if o.status != DeliveryStatus.pending:
                    fired.append((o, d))
            if blocked_chats:
                await s.execute(
                    update(Member)
                    .where(
                        col(Member.telegram_user_id).in_(blocked_chats),
                        col(Member.status) == MemberStatus.active,
                    )
                    .values(status=MemberStatus.blocked, status_changed_at=now)
                )
            for o, d in fired:
                await self.hooks.fire(s, o.status.value, d, batches[d.batch_id])
            await s.commit()
        self.stats.sent += counts[DeliveryStatus.sent]
        self.stats.failed += counts[DeliveryStatus.failed]
        self.stats.blocked += counts[DeliveryStatus.blocked]
        self.stats.retried += counts[DeliveryStatus.pending]

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
        """Keep up to `concurrency` sends in flight until `stop` is set.

        Rows are claimed in chunks (whenever a quarter of the slots is free) and finished
        sends are recorded together every RECORD_EVERY seconds, so the database sees a few
        dozen transactions per second at any rate. Claims and records run as tasks beside
        the sends, one database call of the worker at a time: under load each took ~25 ms
        (p50, up to 0.4 s), and run inline they kept the worker from refilling the sends,
        which cost a quarter of the rate in bench.broadcast. Every lease/4 the worker
        renews its own leases and takes back rows whose owner died (PostgreSQL, several
        processes).
        """
        loop = asyncio.get_running_loop()
        inflight: set[asyncio.Task[Outcome]] = set()
        finished: list[Outcome] = []
        first_finished = 0.0
        exhausted = False
        refill = max(1, self.concurrency // 4)
        upkeep_every = max(self.lease.total_seconds() / 4, 1.0)
        next_upkeep = time.monotonic() + upkeep_every
        claiming: asyncio.Task[list[Delivery]] | None = None
        claim_limit = 0
        recording: asyncio.Task[None] | None = None
        recording_outcomes: list[Outcome] = []
        record_again_at = 0.0
        db = asyncio.Lock()  # SQLite's busy handler sleeps in coarse steps; queue here instead
        changed = _Signal()

        def sent(task: asyncio.Task[Outcome]) -> None:
            nonlocal first_finished
            inflight.discard(task)
            if task.cancelled():
                return  # run() itself was cancelled: the row stays `sending` for recovery
            if not finished:
                first_finished = time.monotonic()
            finished.append(task.result())  # _send_one never raises
            changed.set()

        async def locked_claim(limit: int) -> list[Delivery]:
            async with db:
                return await self.claim(limit)

        async def locked_record(outcomes: list[Outcome]) -> None:
            async with db:
                await self.record(outcomes)

        try:
            while not (
                stop.is_set()
                and not inflight
                and not finished
                and claiming is None
                and not recording
            ):
                changed.clear()
                if claiming is not None and claiming.done():
                    try:
                        rows = claiming.result()
                    except Exception:
                        log.exception("outbox: claim failed; retrying shortly")
                        rows = []
                        exhausted = True
                    else:
                        exhausted = exhausted or len(rows) < claim_limit
                    claiming = None
                    for row in rows:
                        task = loop.create_task(self._send_one(row))
                        inflight.add(task)
                        task.add_done_callback(sent)
                if recording is not None and recording.done():
                    if recording.cancelled() or recording.exception() is not None:
                        # Recorded again shortly: dropped, these rows would stay `sending`
                        # under leases this worker keeps renewing, and sent ones come back
                        # as ambiguous duplicates after a restart.
                        log.error(
                            "outbox: recording %d outcomes failed; trying again",
                            len(recording_outcomes),
                            exc_info=None if recording.cancelled() else recording.exception(),
                        )
                        finished[:0] = recording_outcomes
                        first_finished = time.monotonic()
                        record_again_at = first_finished + 1.0
                    recording = None
                    recording_outcomes = []
                    if not inflight and not finished:
                        exhausted = False  # retries written back may be due again
                if self._wake.is_set():
                    self._wake.clear()
                    exhausted = False
                now = time.monotonic()
                # Lease renewal waits for a moment without claims or records; under a
                # steady stream it would otherwise never find one.
                upkeep_due = now >= next_upkeep
                free = self.concurrency - len(inflight)
                if (
                    claiming is None
                    and not upkeep_due
                    and not stop.is_set()
                    and not exhausted
                    and free > 0
                    and (free >= refill or not inflight)
                ):
                    claim_limit = free
                    claiming = loop.create_task(locked_claim(free))
                    claiming.add_done_callback(changed.set)
                if (
                    finished
                    and recording is None
                    and not upkeep_due
                    and now >= record_again_at
                    and (not inflight or stop.is_set() or now - first_finished >= RECORD_EVERY)
                ):
                    recording_outcomes, finished = finished, []
                    recording = loop.create_task(locked_record(recording_outcomes))
                    recording.add_done_callback(changed.set)
                if upkeep_due and claiming is None and recording is None:
                    async with db:
                        await self._upkeep()
                    next_upkeep = time.monotonic() + upkeep_every
                    exhausted = False
                    continue
                if not inflight and not finished and claiming is None and recording is None:
                    # Nothing to do: sleep until woken, stopped, the next poll or the upkeep.
                    waiter = loop.create_task(self._wake.wait())
                    stopper = loop.create_task(stop.wait())
                    try:
                        await asyncio.wait(
                            {waiter, stopper},
                            timeout=min(poll_interval, max(next_upkeep - now, 0.0)),
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                    finally:
                        waiter.cancel()
                        stopper.cancel()
                    exhausted = False
                    continue
                timeout = RECORD_EVERY
                if finished and recording is None:
                    due = max(first_finished + RECORD_EVERY, record_again_at)
                    timeout = max(due - now, 0.001)
                await changed.wait(timeout)
        finally:
            # Cancelled (a shutdown that ran out of time): stop the sends too, rather than
            # leave them running unrecorded; their rows are recovered as ambiguous.
            for task in list(inflight):
                task.cancel()
            if claiming is not None:
                claiming.cancel()

    async def _upkeep(self) -> None:
        try:
            await self.renew_leases()
            await self.recover()
        except Exception:
            log.exception("outbox: lease upkeep failed")
