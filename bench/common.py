"""What every benchmark needs: a simulator with scaled limits, a fresh database, the bot."""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from telegram.ext import BaseRateLimiter

import bot.models  # noqa: F401  (registers every table)
import handlers
from bot.app import build_application
from bot.config import Settings
from bot.context import BotApplication
from bot.db import Sessions, make_engine
from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.models import Branch, Member, Role
from simulator import BotAPISimulator, RateLimits

ROOT = Path(__file__).resolve().parent.parent

# Telegram's limits scaled up so that 5,000 messages take well under a minute.
RATE = 300.0
PER_CHAT = 1.0
GROUP_PER_MINUTE = 20
RECIPIENTS = 5_000
FIRST_RECIPIENT = 1_000_000


def scaled_limits(rate: float = RATE) -> RateLimits:
    return RateLimits(
        enabled=True,
        global_per_second=rate,
        per_chat_per_second=PER_CHAT,
        per_group_per_minute=GROUP_PER_MINUTE,
    )


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "telegram", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def recipient_ids(n: int = RECIPIENTS) -> list[int]:
    return list(range(FIRST_RECIPIENT, FIRST_RECIPIENT + n))


async def fresh_database(path: Path) -> AsyncEngine:
    """A new SQLite file with every table (the migrations are not what is measured)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    return engine


async def seed_members(sessions: Sessions, user_ids: Iterable[int]) -> None:
    """A branch whose members are `user_ids`, so /me answers them as it would anyone."""
    now = datetime.now(UTC)
    async with sessions() as s:
        branch = Branch(name="基准党支部", created_at=now)
        s.add(branch)
        await s.flush()
        for uid in user_ids:
            s.add(
                Member(
                    telegram_user_id=uid,
                    branch_id=branch.id,
                    name=f"党员{uid}",
                    role=Role.member,
                    joined_at=now,
                )
            )
        await s.commit()


async def enqueue_broadcast(sessions: Sessions, chat_ids: Iterable[int], text: str) -> int:
    """One fan-out of `text` to every chat, as a notice would write it."""
    async with sessions() as s:
        batch = await outbox.enqueue(
            s,
            kind="bench.notice",
            recipients=[outbox.Recipient(c, OutgoingMessage(text=text)) for c in chat_ids],
            now=datetime.now(UTC),
        )
        await s.commit()
        assert batch.id is not None
        return batch.id


def bench_settings(sim: BotAPISimulator, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": sim.token,
        "bot_api_url": sim.base_url,
        "bot_api_file_url": sim.base_file_url,
        "database_url": database_url,
        "rate_global_per_second": RATE,
        "rate_per_chat_per_second": PER_CHAT,
        "rate_group_per_minute": GROUP_PER_MINUTE,
        "error_report_interval_seconds": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def register_all(app: BotApplication) -> None:
    """Every handler; no scheduled jobs, whose periodic work would blur the measurement."""
    handlers.register_all(app)


@asynccontextmanager
async def running_bot(
    sim: BotAPISimulator,
    engine: AsyncEngine,
    *,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[BotApplication]:
    """The real Application, polling `sim`, with its outbox worker running on a real clock.

    `rate_limiter` swaps the bot's limiter (the baseline); it is set before the bot is
    initialised, which is when python-telegram-bot starts using it.
    """
    settings = bench_settings(sim, engine.url.render_as_string(hide_password=False), **overrides)
    app = build_application(
        settings, register=register_all, engine=engine, migrate=False, run_outbox=True
    )
    if rate_limiter is not None:
        app.bot._rate_limiter = rate_limiter
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        assert app.post_stop is not None
        await app.post_stop(app)
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)


@dataclass
class FanOutReport:
    """What the simulator saw of one fan-out."""

    delivered: int
    lost: int
    duplicated: int
    first: float
    last: float
    rate: float
    refused_429: int
    peak_second: int  # most sends the simulator accepted within any 1-second window


async def wait_for(predicate: Any, timeout: float, step: float = 0.05) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark did not finish in time")
        await asyncio.sleep(step)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


class BotProcess:
    """The bot in a child process (bench/botproc.py), so it has a core of its own."""

    def __init__(
        self,
        sim: BotAPISimulator,
        database_url: str,
        *,
        baseline: bool = False,
        ptb_broadcast: bool = False,
        jobs: bool = False,
        rate: float = RATE,
        extra: Sequence[str] = (),
    ) -> None:
        self.sim = sim
        self.args = [
            sys.executable,
            "-m",
            "bench.botproc",
            "--api",
            sim.base_url,
            "--file-api",
            sim.base_file_url,
            "--token",
            sim.token,
            "--database-url",
            database_url,
            "--rate",
            str(rate),
        ]
        if baseline:
            self.args.append("--baseline")
        if ptb_broadcast:
            self.args.append("--ptb-broadcast")
        if jobs:
            self.args.append("--jobs")
        self.args.extend(extra)
        # Polling processes are ready at their first getUpdates; others print "bot ready".
        self.polls = not any(a in extra for a in ("--outbox-only", "--webhook-port"))
        self.ready = threading.Event()
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    async def start(self) -> None:
        mark = len(self.sim.calls)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(  # noqa: ASYNC220
            self.args, cwd=ROOT, env=env, stdout=subprocess.PIPE
        )
        threading.Thread(target=self._read, daemon=True).start()
        _started.append(self)
        try:
            if self.polls:
                await wait_for(
                    lambda: any(c.method == "getUpdates" for c in self.sim.calls[mark:]),
                    timeout=60,
                )
            else:
                await wait_for(self.ready.is_set, timeout=60)
        except BaseException:
            self.kill()
            raise
        steady_simulator()

    def _read(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(b"bot ready"):
                self.ready.set()
            sys.stdout.buffer.write(line)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _ended(self) -> None:
        gc.enable()
        gc.unfreeze()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._ended()

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self._ended()
            return
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(300):
            if self.proc.poll() is not None:
                self._ended()
                return
            await asyncio.sleep(0.05)
        self.kill()


_started: list[BotProcess] = []


@atexit.register
def _no_bot_left_behind() -> None:
    """A benchmark that failed or was interrupted still ends the bots it started."""
    for child in _started:
        if child.proc is not None and child.proc.poll() is None:
            child.kill()


def steady_simulator() -> None:
    """No garbage-collector pauses in the simulator while a benchmark measures.

    With 5,000 people and every call recorded, a full collection in this process took
    ~0.2 s; requests queued meanwhile were then stamped within a few milliseconds, so the
    simulator counted 300+ sends in one second that the bot had spaced at 291/s and
    answered 429 (seen in the pacing benchmark). Telegram's intake has no such pause.
    """
    gc.collect()
    gc.freeze()
    gc.disable()


class Watch:
    """Follows the simulator's call log incrementally: which chats got `text`, how often."""

    def __init__(self, sim: BotAPISimulator, chat_ids: Iterable[int], text: str) -> None:
        self.sim = sim
        self.wanted = set(chat_ids)
        self.text = text
        self.seen = 0
        self.per_chat: Counter[int] = Counter()
        self.times: list[float] = []
        self.refused = 0
        self.last_call = time.monotonic()  # the last attempt to send `text` anywhere

    def poll(self) -> int:
        calls = self.sim.calls
        end = len(calls)
        for c in calls[self.seen : end]:
            if c.chat_id not in self.wanted or c.method != "sendMessage":
                continue
            if c.params.get("text") == self.text:
                self.last_call = max(self.last_call, c.t)
            if c.ok and c.params.get("text") == self.text:
                self.per_chat[c.chat_id] += 1
                self.times.append(c.t)
            elif c.error_code == 429:
                self.refused += 1
        self.seen = end
        return len(self.per_chat)

    def done(self) -> bool:
        return self.poll() >= len(self.wanted)

    def settled(self, quiet: float = 5.0) -> bool:
        """Everyone has it, or nobody was even tried for `quiet` seconds (a sender gave up)."""
        return self.done() or time.monotonic() - self.last_call > quiet

    def report(self) -> FanOutReport:
        self.poll()
        times = sorted(self.times)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return FanOutReport(
            delivered=len(self.per_chat),
            lost=len(self.wanted - set(self.per_chat)),
            duplicated=sum(n - 1 for n in self.per_chat.values()),
            first=times[0] if times else 0.0,
            last=times[-1] if times else 0.0,
            rate=(len(times) - 1) / span if span > 0 else 0.0,
            refused_429=self.refused,
            peak_second=peak_window(times, 1.0),
        )


def peak_window(times: list[float], span: float) -> int:
    """The most events of the sorted `times` inside any window of `span` seconds."""
    best = start = 0
    for end, t in enumerate(times):
        while times[start] <= t - span:
            start += 1
        best = max(best, end - start + 1)
    return best
