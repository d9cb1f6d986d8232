"""Benchmark 2, interactive latency during a fan-out: ours beside AIORateLimiter.

The same bot (same handlers) runs three times against the simulator with scaled limits,
while 5,000 recipients get a notice and 50 other members keep sending /me (1–2 s apart,
like people reading the answer); we time /me until its reply arrives.

1. ours: DeliveryRateLimiter, the notice written to the outbox (bulk lane).
2. the baseline, as PTB users broadcast: the bot built with python-telegram-bot's
   AIORateLimiter(overall_max_rate=300, overall_time_period=1, group_max_rate=20/min) and
   the broadcast fired the usual PTB way, one send_message task per chat gathered at once,
   so AIORateLimiter's queue holds the broadcast and a reply waits behind it.
3. AIORateLimiter behind our outbox: the same limiter, but the notice written to our
   outbox, which keeps at most 64 sends in flight; AIORateLimiter then never has more than
   64 bulk calls queued ahead of a reply. Shown to separate what the outbox alone buys.

Goal: our p95 under 1 s and at least 10× better than the baseline (run 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    RATE,
    BotProcess,
    Watch,
    enqueue_broadcast,
    fresh_database,
    percentile,
    quiet_logs,
    recipient_ids,
    scaled_limits,
    seed_members,
    wait_for,
)
from bot.db import make_sessions
from simulator import BotAPISimulator, SimUser

TEXT = "<b>通知</b> 本周五下午召开党员大会，请准时参加。"
ASKERS = 50
FIRST_ASKER = 2_000_000
ADMIN_ID = 999
REPLY_TIMEOUT = 60.0


@dataclass
class Run:
    name: str
    latencies: list[float]
    fan_out_rate: float
    refused_429: int
    lost: int
    duplicated: int


async def ask_until(sim: BotAPISimulator, user: SimUser, done: asyncio.Event) -> list[float]:
    """One member sends /me, waits for the answer, reads it, and asks again."""
    out: list[float] = []
    rng = random.Random(user.id)
    await asyncio.sleep(rng.uniform(0, 1.0))
    while not done.is_set():
        start = time.monotonic()
        await user.send("/me")
        seen = len(user.messages)
        # A reply that never comes is counted at the timeout: as bad as a late one.
        with contextlib.suppress(TimeoutError):
            await sim.wait_until(
                lambda seen=seen: len(user.messages) > seen,  # type: ignore[misc]
                timeout=REPLY_TIMEOUT,
            )
        out.append(time.monotonic() - start)
        await asyncio.sleep(rng.uniform(1.0, 2.0))
    return out


async def one_run(name: str, *, baseline: bool, ptb_broadcast: bool = False) -> Run:
    chats = recipient_ids()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "latency.db"
        engine = await fresh_database(path)
        sessions = make_sessions(engine)
        askers_ids = list(range(FIRST_ASKER, FIRST_ASKER + ASKERS))
        await seed_members(sessions, askers_ids)
        async with BotAPISimulator() as sim:
            sim.limits = scaled_limits()
            for c in chats:
                sim.user(c, f"党员{c}")
            askers = [sim.user(a, f"提问{a}") for a in askers_ids]
            bot = BotProcess(
                sim, f"sqlite+aiosqlite:///{path}", baseline=baseline, ptb_broadcast=ptb_broadcast
            )
            await bot.start()
            done = asyncio.Event()
            try:
                watch = Watch(sim, chats, TEXT)
                if ptb_broadcast:
                    admin = sim.user(ADMIN_ID, "管理员")
                    await admin.send(f"/benchcast {chats[0]} {len(chats)}\n{TEXT}")
                else:
                    await enqueue_broadcast(sessions, chats, TEXT)
                # Start asking once the fan-out is really under way.
                await wait_for(lambda: watch.poll() >= 50, timeout=30)
                tasks = [asyncio.create_task(ask_until(sim, u, done)) for u in askers]
                # AIORateLimiter gives up on a send after max_retries 429s: count it as lost.
                await wait_for(watch.settled, timeout=300)
                done.set()
                results = await asyncio.gather(*tasks)
            finally:
                done.set()
                await bot.stop()
            report = watch.report()
        await engine.dispose()
    return Run(
        name,
        [x for r in results for x in r],
        report.rate,
        report.refused_429,
        report.lost,
        report.duplicated,
    )


async def main() -> None:
    quiet_logs()
    ours = await one_run("ours (outbox, our limiter)", baseline=False)
    base = await one_run("AIORateLimiter, PTB gather", baseline=True, ptb_broadcast=True)
    mixed = await one_run("AIORateLimiter + our outbox", baseline=True)
    print(
        f"latency: /me from {ASKERS} members during a {len(recipient_ids())}-recipient fan-out,"
        f" limit {RATE:.0f}/s overall, 1/s per chat"
    )
    print(f"  {'':30} {'replies':>8} {'p50 s':>8} {'p95 s':>8} {'fan-out/s':>10} {'429s':>6}")
    for run in (ours, base, mixed):
        print(
            f"  {run.name:30} {len(run.latencies):8d} {percentile(run.latencies, 50):8.3f}"
            f" {percentile(run.latencies, 95):8.3f} {run.fan_out_rate:10.1f} {run.refused_429:6d}"
        )
    for label, other in (("baseline (PTB gather)", base), ("AIORateLimiter + outbox", mixed)):
        p95 = percentile(other.latencies, 95) / percentile(ours.latencies, 95)
        p50 = percentile(other.latencies, 50) / percentile(ours.latencies, 50)
        print(f"  {label} ÷ ours: p95 {p95:6.1f}×, p50 {p50:6.1f}×")
    print("  goal: p95 baseline (PTB gather) ÷ ours ≥ 10×, and ours < 1 s")
    print(
        "  fan-out lost/duplicated: "
        + ", ".join(f"{r.name} {r.lost}/{r.duplicated}" for r in (ours, base, mixed))
    )


if __name__ == "__main__":
    asyncio.run(main())
