"""Benchmark: how fast a dead bot process's claims are taken over on PostgreSQL.

Two scenarios on one PostgreSQL database (BENCH_DATABASE_URL, default the local server's
``test_h6_bench``, created if missing), a broadcast to 3,000 recipients at 300/s:

1. restart: one bot process is SIGKILLed halfway; a new one is started. Figures: seconds
   from the restart to the first resumed send, and to the last of the killed process's
   claims being sent again (before liveness, 122 s: its 2-minute leases had to run out).
2. survivor: two worker processes share the broadcast; one is SIGKILLed. Figures:
   seconds from the kill until the survivor has taken back every row the dead one had
   claimed, and until the first of those is sent (goal < 5 s).

Lost (goal 0) and duplicated (goal ≤ the sends in flight at the kill) are counted from
the simulator's log.
"""

from __future__ import annotations

import asyncio
import os
import time

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, col, func, select

from bench.common import (
    RATE,
    BotProcess,
    Watch,
    enqueue_broadcast,
    quiet_logs,
    recipient_ids,
    scaled_limits,
    wait_for,
)
from bot.db import Sessions, make_engine, make_sessions
from bot.models import Delivery, DeliveryStatus
from simulator import BotAPISimulator

TEXT = "<b>通知</b> 请各党支部于周五前报送学习情况。"
RECIPIENTS = 3_000
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test_h6_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


async def fresh_postgresql(url: str) -> None:
    """Create the database if missing, then every table afresh."""
    name = make_url(url).database
    admin = make_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as conn:
        exists = (
            await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        ).scalar()
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()


async def claimed_by(sessions: Sessions, pid: int) -> set[int]:
    """Chats whose rows the process `pid` holds in `sending`."""
    async with sessions() as s:
        found = await s.exec(
            select(Delivery.chat_id).where(
                Delivery.status == DeliveryStatus.sending,
                col(Delivery.claimed_by).like(f"%:{pid}:%"),
            )
        )
        return set(found)


async def sending(sessions: Sessions) -> int:
    async with sessions() as s:
        return (
            await s.exec(select(func.count()).where(Delivery.status == DeliveryStatus.sending))
        ).one()


async def first_send_to(sim: BotAPISimulator, chats: set[int], since: float) -> float:
    """Seconds after `since` of the first successful send to one of `chats`."""
    while True:
        times = [
            c.t
            for c in sim.calls
            if c.ok and c.method == "sendMessage" and c.chat_id in chats and c.t >= since
        ]
        if times:
            return min(times) - since
        await asyncio.sleep(0.02)


async def restart(sim: BotAPISimulator, sessions: Sessions, url: str) -> None:
    chats = recipient_ids(RECIPIENTS)
    watch = Watch(sim, chats, TEXT)
    await enqueue_broadcast(sessions, chats, TEXT)
    first = BotProcess(sim, url)
    await first.start()
    await wait_for(lambda: watch.poll() >= len(chats) // 2, timeout=120, step=0.01)
    held = await claimed_by(sessions, first.pid)
    first.kill()
    killed = time.monotonic()
    watch.poll()
    remaining = set(chats) - set(watch.per_chat)
    in_flight = await sending(sessions)
    second = BotProcess(sim, url)
    await second.start()
    start_up = time.monotonic() - second.started_at
    resumed = await first_send_to(sim, remaining, second.started_at)
    held_back = await first_send_to(sim, held, killed)
    await wait_for(watch.done, timeout=120)
    await asyncio.sleep(1.0)  # let stragglers (duplicates) show up
    await second.stop()
    report = watch.report()
    print(f"takeover/restart: 1 process on PostgreSQL, SIGKILL after half of {len(chats)}")
    print(f"  sends in flight at the kill          {in_flight:6d}")
    print(
        f"  restart to first resumed send        {resumed:6.2f} s   (process start-up {start_up:.2f} s)"
    )
    print(f"  kill to first of its claims resent   {held_back:6.2f} s   (was 122 s with leases)")
    print(f"  lost                                 {report.lost:6d}   (goal 0)")
    print(f"  duplicated                           {report.duplicated:6d}   (goal ≤ {in_flight})")


async def survivor(sim: BotAPISimulator, sessions: Sessions, url: str) -> None:
    chats = recipient_ids(RECIPIENTS)
    sim.calls.clear()
    watch = Watch(sim, chats, TEXT)
    workers = [BotProcess(sim, url, extra=["--outbox-only"]) for _ in range(2)]
    for w in workers:
        await w.start()
    await enqueue_broadcast(sessions, chats, TEXT)
    await wait_for(lambda: watch.poll() >= len(chats) // 3, timeout=120, step=0.01)
    dying, alive = workers
    held = await claimed_by(sessions, dying.pid)
    dying.kill()
    killed = time.monotonic()
    while await claimed_by(sessions, dying.pid):  # noqa: ASYNC110  (polls the database)
        await asyncio.sleep(0.02)
    taken = time.monotonic() - killed
    first = await first_send_to(sim, held, killed) if held else float("nan")
    await wait_for(watch.done, timeout=120)
    await asyncio.sleep(1.0)
    await alive.stop()
    report = watch.report()
    print(f"takeover/survivor: 2 worker processes, one SIGKILLed after a third of {len(chats)}")
    print(f"  its claims at the kill               {len(held):6d}")
    print(f"  death to all its rows taken over     {taken:6.2f} s   (goal < 5 s)")
    print(f"  death to first of them sent          {first:6.2f} s")
    print(f"  lost                                 {report.lost:6d}   (goal 0)")
    print(f"  duplicated                           {report.duplicated:6d}   (goal ≤ {len(held)})")


async def main() -> None:
    quiet_logs()
    url = database_url()
    await fresh_postgresql(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        async with BotAPISimulator() as sim:
            sim.limits = scaled_limits()
            for c in recipient_ids(RECIPIENTS):
                sim.user(c, f"党员{c}")
            await restart(sim, sessions, url)
            await survivor(sim, sessions, url)
    finally:
        await engine.dispose()
    print(f"(limit {RATE:.0f}/s; liveness checked every second)")


if __name__ == "__main__":
    asyncio.run(main())
