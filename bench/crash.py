"""Benchmark 3, crash: SIGKILL the bot halfway through a 5,000-recipient fan-out, restart.

The bot (the outbox worker) runs as a child process on a SQLite file. When half the
recipients have the message it is killed with SIGKILL (no shutdown code runs), the rows
still in `sending` are counted as the sends in flight, and a new process is started on the
same file. Reported from the simulator's call log against the Delivery rows: lost (goal 0),
duplicates (goal ≤ sends in flight) and the ambiguous rows the restart counted.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from sqlmodel import func, select

from bench.common import (
    RATE,
    BotProcess,
    Watch,
    enqueue_broadcast,
    fresh_database,
    quiet_logs,
    recipient_ids,
    scaled_limits,
    wait_for,
)
from bot.db import make_sessions
from bot.delivery import outbox
from bot.models import Delivery, DeliveryStatus
from simulator import BotAPISimulator

TEXT = "<b>提醒</b> 请于本周内完成第一议题学习。"


async def main() -> None:
    quiet_logs()
    chats = recipient_ids()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crash.db"
        url = f"sqlite+aiosqlite:///{path}"
        engine = await fresh_database(path)
        sessions = make_sessions(engine)
        async with BotAPISimulator() as sim:
            sim.limits = scaled_limits()
            for c in chats:
                sim.user(c, f"党员{c}")
            watch = Watch(sim, chats, TEXT)
            batch_id = await enqueue_broadcast(sessions, chats, TEXT)
            first = BotProcess(sim, url)
            await first.start()
            try:
                await wait_for(lambda: watch.poll() >= len(chats) // 2, timeout=120, step=0.01)
            finally:
                first.kill()
            at_kill = watch.poll()
            async with sessions() as s:
                in_flight = (
                    await s.exec(
                        select(func.count()).where(Delivery.status == DeliveryStatus.sending)
                    )
                ).one()
            started = time.monotonic()
            second = BotProcess(sim, url)
            await second.start()
            try:
                await wait_for(watch.done, timeout=120)
                await asyncio.sleep(1.0)  # let stragglers (duplicates) show up
            finally:
                await second.stop()
            resumed_in = time.monotonic() - started
            report = watch.report()
            async with sessions() as s:
                progress = await outbox.progress(s, batch_id)
        await engine.dispose()
    print(f"crash: SIGKILL after {at_kill} of {len(chats)} recipients, limit {RATE:.0f}/s")
    print(f"  sends in flight at the kill  {in_flight:6d}   (rows left in `sending`)")
    print(f"  lost                         {report.lost:6d}   (goal 0)")
    print(
        f"  duplicated                   {report.duplicated:6d}   (goal ≤ {in_flight}, the sends in flight)"
    )
    print(f"  counted ambiguous            {progress.ambiguous:6d}   (recovered at restart)")
    print(
        f"  rows sent/failed/pending     {progress.sent}/{progress.failed}/{progress.pending + progress.sending}"
    )
    print(f"  restart to last message      {resumed_in:6.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
