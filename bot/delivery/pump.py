"""The worker's send loop: claims, sends and records overlapping, one database call at a time.

Rows are claimed in chunks (whenever a quarter of the slots is free) and finished sends are
recorded together every RECORD_EVERY seconds, so the database sees a few dozen
transactions per second at any rate. Claims and records run as tasks beside the sends,
on SQLite one database call of the worker at a time (on PostgreSQL a claim and a record
may overlap): under load each took ~25 ms (p50, up to
0.4 s), and run inline they kept the worker from refilling the sends, which cost a
quarter of the rate in bench.broadcast. Between them the worker does its upkeep (renews
its own leases, takes back rows whose owner died).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from bot.delivery.outbox import Outcome

if TYPE_CHECKING:
    from bot.delivery.worker import OutboxWorker
    from bot.models import Delivery

log = logging.getLogger(__name__)

# How long finished sends may wait to be recorded together.
RECORD_EVERY = 0.05


class Signal:
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


class Pump:
    """One run of OutboxWorker.run(): the state of the loop and its steps."""

    def __init__(self, worker: OutboxWorker, stop: asyncio.Event, poll_interval: float) -> None:
        self.w = worker
        self.stop = stop
        self.poll_interval = poll_interval
        self.loop = asyncio.get_running_loop()
        self.inflight: set[asyncio.Task[Outcome]] = set()
        self.finished: list[Outcome] = []
        self.first_finished = 0.0
        self.exhausted = False
        self.refill = max(1, worker.concurrency // 4)
        self.upkeep_every = worker.upkeep_interval()
        self.next_upkeep = time.monotonic() + self.upkeep_every
        self.claiming: asyncio.Task[list[Delivery]] | None = None
        self.claim_limit = 0
        self.recording: asyncio.Task[None] | None = None
        self.recording_outcomes: list[Outcome] = []
        self.record_again_at = 0.0
        # SQLite's busy handler sleeps in coarse steps: its claims and records queue here.
        # PostgreSQL takes a claim and a record at once (disjoint rows: pending vs ours).
        self.db: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if worker.serial_db else contextlib.nullcontext()
        )
        self.changed = Signal()

    @property
    def busy(self) -> bool:
        return bool(self.inflight or self.finished or self.claiming or self.recording)

    async def run(self) -> None:
        try:
            while not (self.stop.is_set() and not self.busy):
                await self.step()
        finally:
            # Cancelled (a shutdown that ran out of time): stop the sends too, rather than
            # leave them running unrecorded; their rows are recovered as ambiguous.
            for task in list(self.inflight):
                task.cancel()
            if self.claiming is not None:
                self.claiming.cancel()

    async def step(self) -> None:
        self.changed.clear()
        self.collect_claim()
        self.collect_record()
        if self.w._wake.is_set():
            self.w._wake.clear()
            self.exhausted = False
        now = time.monotonic()
        # Upkeep waits for a moment without claims or records; under a steady stream it
        # would otherwise never find one.
        upkeep_due = now >= self.next_upkeep
        if not upkeep_due:
            self.start_claim()
            self.start_record(now)
        if upkeep_due and self.claiming is None and self.recording is None:
            async with self.db:
                await self.w.upkeep()
            self.next_upkeep = time.monotonic() + self.upkeep_every
            self.exhausted = False
        elif not self.busy:
            await self.idle(now)
        else:
            timeout = RECORD_EVERY
            if self.finished and self.recording is None:
                due = max(self.first_finished + RECORD_EVERY, self.record_again_at)
                timeout = max(due - now, 0.001)
            await self.changed.wait(timeout)

    def on_sent(self, task: asyncio.Task[Outcome]) -> None:
        self.inflight.discard(task)
        if task.cancelled():
            return  # run() itself was cancelled: the row stays `sending` for recovery
        if not self.finished:
            self.first_finished = time.monotonic()
        self.finished.append(task.result())  # _send_one never raises
        self.changed.set()

    def collect_claim(self) -> None:
        if self.claiming is None or not self.claiming.done():
            return
        try:
            rows = self.claiming.result()
        except Exception:
            log.exception("outbox: claim failed; retrying shortly")
            rows = []
            self.exhausted = True
        else:
            self.exhausted = self.exhausted or len(rows) < self.claim_limit
        self.claiming = None
        for row in rows:
            task = self.loop.create_task(self.w._send_one(row))
            self.inflight.add(task)
            task.add_done_callback(self.on_sent)

    def collect_record(self) -> None:
        recording = self.recording
        if recording is None or not recording.done():
            return
        if recording.cancelled() or recording.exception() is not None:
            # Recorded again shortly: dropped, these rows would stay `sending` under leases
            # this worker keeps renewing, and sent ones come back as ambiguous duplicates
            # after a restart.
            log.error(
                "outbox: recording %d outcomes failed; trying again",
                len(self.recording_outcomes),
                exc_info=None if recording.cancelled() else recording.exception(),
            )
            self.finished[:0] = self.recording_outcomes
            self.first_finished = time.monotonic()
            self.record_again_at = self.first_finished + 1.0
        self.recording = None
        self.recording_outcomes = []
        if not self.inflight and not self.finished:
            self.exhausted = False  # retries written back may be due again

    def start_claim(self) -> None:
        free = self.w.concurrency - len(self.inflight)
        if (
            self.claiming is not None
            or self.stop.is_set()
            or self.exhausted
            or free <= 0
            or (free < self.refill and self.inflight)
        ):
            return
        self.claim_limit = free
        self.claiming = self.loop.create_task(self._locked_claim(free))
        self.claiming.add_done_callback(self.changed.set)

    def start_record(self, now: float) -> None:
        if not self.finished or self.recording is not None or now < self.record_again_at:
            return
        if self.inflight and not self.stop.is_set() and now - self.first_finished < RECORD_EVERY:
            return
        self.recording_outcomes, self.finished = self.finished, []
        self.recording = self.loop.create_task(self._locked_record(self.recording_outcomes))
        self.recording.add_done_callback(self.changed.set)

    async def idle(self, now: float) -> None:
        """Nothing to do: sleep until woken, stopped, the next poll or the upkeep."""
        waiter = self.loop.create_task(self.w._wake.wait())
        stopper = self.loop.create_task(self.stop.wait())
        try:
            await asyncio.wait(
                {waiter, stopper},
                timeout=min(self.poll_interval, max(self.next_upkeep - now, 0.0)),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiter.cancel()
            stopper.cancel()
        self.exhausted = False

    async def _locked_claim(self, limit: int) -> list[Delivery]:
        async with self.db:
            return await self.w.claim(limit)

    async def _locked_record(self, outcomes: list[Outcome]) -> None:
        async with self.db:
            await self.w.record(outcomes)
