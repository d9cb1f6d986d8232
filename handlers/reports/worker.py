"""Where an export's workbook is made: in the bot for a branch, in a process of its own
for the committee.

A committee-wide year is ~800,000 rows: even written straight into XML that is seconds
of Python, and threads would hold the GIL the bot's event loop needs to answer everyone
else (measured: /me p95 1.7–2.2 s during such an export in threads). So the committee's
export runs in a spawned child process with its own database connection, reading the
same streams with the same code (`produce`); the bot's loop only waits on a thread for
the bytes. A branch's export is small (< 1 s) and stays in the bot's session.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import make_engine, make_sessions
from bot.i18n import Catalogs, Translator
from bot.services.oversight.calendar import rules
from bot.services.oversight.indicators import Thresholds
from bot.services.periods import Period
from bot.services.reports import oversight_glue, records
from bot.services.reports.scope import Scope
from bot.services.reports.training_glue import training_rows
from handlers.reports import workbook


async def produce(
    s: AsyncSession,
    t: Translator,
    *,
    scope: Scope,
    period: Period,
    tz: ZoneInfo,
    now: datetime,
    thresholds: Thresholds,
    file: IO[bytes],
) -> None:
    """The workbook of one scope and period written into `file`: every sheet streamed
    from `s`."""
    section = await oversight_glue.oversight_section(
        s, branch_ids=scope.branch_ids, period=period, now=now, tz=tz, thresholds=thresholds
    )
    sources = workbook.Sources(
        meetings=records.meetings(s, scope=scope, period=period, tz=tz),
        attendance=records.attendance(s, scope=scope, period=period, tz=tz, now=now),
        study=records.study(s, scope=scope, period=period, tz=tz),
        pledges=records.pledges(s, scope=scope, year=period.first.year),
        notices=await records.notices(s, scope=scope, period=period, tz=tz),
        receipts=records.receipts(s, scope=scope, period=period, tz=tz),
        training=await training_rows(s, scope=scope, period=period, now=now, tz=tz),
        oversight=section,
    )
    await workbook.build(t, tz, sources, file)


@dataclass(frozen=True)
class Job:
    """Everything the child needs, picklable: where the data is, whose words, what."""

    database_url: str
    default_locale: str
    locale: str
    tz: ZoneInfo
    scope: Scope
    period: Period
    now: datetime
    thresholds: Thresholds


@functools.cache
def _catalogs(default_locale: str) -> Catalogs:
    """Compiled once per child process, not per export."""
    return Catalogs.load(default_locale)


async def _produce_alone(job: Job, file: IO[bytes]) -> None:
    engine = make_engine(job.database_url)
    try:
        t = _catalogs(job.default_locale).translator(job.locale, job.tz)
        async with make_sessions(engine)() as s:
            # The calendar's default rules are written the first time they are read:
            # committed now, so no write transaction is held open while the rows stream
            # (on SQLite it would keep the bot from writing for the whole export).
            await rules(s, now=job.now)
            await s.commit()
            await produce(
                s,
                t,
                scope=job.scope,
                period=job.period,
                tz=job.tz,
                now=job.now,
                thresholds=job.thresholds,
                file=file,
            )
    finally:
        await engine.dispose()


def _child(job: Job) -> str:
    """The child process's work: its own event loop, engine and catalogs. The workbook
    is written straight into a temporary file, whose path goes back (pickled bytes
    through the pipe would be copied twice more in the bot's memory)."""
    with tempfile.NamedTemporaryFile(prefix="export-", suffix=".xlsx", delete=False) as f:
        try:
            asyncio.run(_produce_alone(job, f))
        except BaseException:
            Path(f.name).unlink(missing_ok=True)
            raise
        return f.name


def _lower_priority() -> None:
    """The child yields the CPU to the bot (and the database) when both want it: a
    committee export is one person waiting seconds, /me is everyone else waiting."""
    os.nice(NICE)


def _read_and_remove(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    finally:
        Path(path).unlink(missing_ok=True)


class _Worker:
    """One child process, started on the first committee export and kept while exports
    come (starting one imports the bot's modules: 1–5 s); closed after IDLE_SECONDS
    without one, so an idle bot does not keep a second process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None
        self.busy = 0
        self.timer: threading.Timer | None = None

    def run(self, job: Job) -> bytes:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.pool is None:
                # spawn, not fork: the bot's process has threads and an event loop running.
                context = multiprocessing.get_context("spawn")
                self.pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=_lower_priority
                )
            pool = self.pool
            self.busy += 1
        try:
            return _read_and_remove(pool.submit(_child, job).result())
        except BrokenProcessPool:  # the child died (killed, out of memory): start anew
            with self.lock:
                if self.pool is pool:
                    self.pool = None
            raise
        finally:
            with self.lock:
                self.busy -= 1
                if self.busy == 0 and self.pool is not None:
                    self.timer = threading.Timer(IDLE_SECONDS, self.close_idle)
                    self.timer.daemon = True
                    self.timer.start()

    def close_idle(self) -> None:
        with self.lock:
            if self.busy or self.pool is None:
                return
            pool, self.pool = self.pool, None
        pool.shutdown(wait=False)


IDLE_SECONDS = 600
NICE = 5  # the child's niceness: a third of the bot's share of a contended CPU
_worker = _Worker()


async def produce_elsewhere(job: Job) -> bytes:
    """The workbook made in a child process; a thread of the bot waits for it."""
    return await asyncio.to_thread(_worker.run, job)
