"""Benchmark 1, pacing: 5,000 recipients through the outbox against scaled Telegram limits.

Prints the achieved rate beside the configured limit (goal ≥ 0.95), the 429s the simulator
answered (goal 0), and how many recipients were lost or got the message twice (goal 0).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

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
from simulator import BotAPISimulator

TEXT = "<b>通知</b> 请各位党员按时参加本月主题党日活动。"


async def main(rate: float) -> None:
    quiet_logs()
    chats = recipient_ids()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pacing.db"
        engine = await fresh_database(path)
        async with BotAPISimulator() as sim:
            sim.limits = scaled_limits(rate)
            for c in chats:
                sim.user(c, f"党员{c}")
            bot = BotProcess(sim, f"sqlite+aiosqlite:///{path}", rate=rate)
            await bot.start()
            try:
                watch = Watch(sim, chats, TEXT)
                started = time.monotonic()
                await enqueue_broadcast(make_sessions(engine), chats, TEXT)
                await wait_for(watch.done, timeout=120)
                wall = time.monotonic() - started
                await asyncio.sleep(1.0)  # let stragglers (duplicates) show up
            finally:
                await bot.stop()
            report = watch.report()
        await engine.dispose()
    print(f"pacing: {len(chats)} recipients, limit {rate:.0f}/s overall, 1/s per chat")
    print(f"  achieved rate        {report.rate:8.1f} msg/s")
    print(f"  achieved ÷ limit     {report.rate / rate:8.3f}   (goal ≥ 0.95)")
    print(f"  429s received        {report.refused_429:8d}   (goal 0)")
    print(f"  busiest second       {report.peak_second:8d}   (the simulator allows {rate:.0f})")
    print(f"  lost                 {report.lost:8d}   (goal 0)")
    print(f"  duplicated           {report.duplicated:8d}   (goal 0)")
    print(f"  wall time            {wall:8.1f} s (enqueue to last message, incl. worker poll)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rate",
        type=float,
        default=RATE,
        help="overall limit (msg/s) the simulator enforces and the bot is configured with",
    )
    asyncio.run(main(parser.parse_args().rate))
