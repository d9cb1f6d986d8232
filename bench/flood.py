"""Flooding: one person sends 50 messages a second while others use the bot (not a test).

``python -m bench.flood [--seconds 5] [--others 20]``

The real Application polls the Bot API simulator (one process, SQLite). One member sends
/me 50 times a second; the others each send /me twice a second. Figures: how many of the
flooder's messages were answered and how many times they were asked to slow down, and the
others' send → reply latency p50/p95 against the 0.5 s goal.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import make_engine
from bot.demo.stage import running_bot
from simulator import BotAPISimulator, SimUser
from tests.harness import register_everything

GOAL_P95 = 0.5


async def _reply_time(user: SimUser) -> float:
    before = len(user.bot_messages)
    started = time.monotonic()
    await user.send("/me")
    while len(user.bot_messages) == before:  # noqa: ASYNC110 - polling what the person sees
        await asyncio.sleep(0.002)
    return time.monotonic() - started


async def run(seconds: float, others: int, flooding: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        async with (
            BotAPISimulator(bot_username="bench_bot") as sim,
            running_bot(sim, engine, register_everything) as stage,
        ):
            branch = await stage.setup_branch("第一党支部", members=others + 1)
            flooder, people = branch.members[0], branch.members[1:]
            await stage.settle()
            before = len(flooder.bot_messages)
            latencies: list[float] = []

            async def flood() -> int:
                sent = 0
                end = time.monotonic() + seconds
                while flooding and time.monotonic() < end:
                    await flooder.send(f"/me {sent}")
                    sent += 1
                    await asyncio.sleep(1 / 50)
                return sent

            async def use(person: SimUser) -> None:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    latencies.append(await _reply_time(person))
                    await asyncio.sleep(0.5)

            sent, *_ = await asyncio.gather(flood(), *(use(p) for p in people))
            await stage.settle()
            said = [m.text for m in flooder.bot_messages[before:]]
            slow = sum("太快" in t for t in said)
            latencies.sort()
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            label = "with the flooder" if flooding else "baseline, nobody flooding"
            print(f"{label}:")
            print(
                f"flooder: sent {sent} in {seconds:g} s, answered {len(said) - slow}, "
                f"asked to slow down {slow} time(s), dropped {sent - len(said)}"
            )
            print(
                f"{len(people)} others: {len(latencies)} replies, p50 "
                f"{statistics.median(latencies):.3f} s, p95 {p95:.3f} s, max {latencies[-1]:.3f} s; "
                f"p95/goal {p95 / GOAL_P95:.2f}"
            )
            assert not sim.violations, sim.violations
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--others", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.others, flooding=True))
    asyncio.run(run(args.seconds, args.others, flooding=False))


if __name__ == "__main__":
    main()
