"""Benchmark: three `dangjian run` processes in webhook mode on one PostgreSQL database.

The simulator posts updates to a round-robin balancer (tests/procs.py) in front of the
three processes. A broadcast to 2,000 members runs while 200 people send /me; halfway
one process is SIGKILLed. Printed: updates answered exactly once, messages sent once
(duplicates ≤ the sends in flight at the kill), the seconds from the kill until the
others had taken over its rows and until the broadcast was through, setWebhook and
deleteWebhook calls. Database: BENCH_DATABASE_URL (default test_h6_bench, recreated).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter

from bench.common import RATE, enqueue_broadcast, quiet_logs, scaled_limits, wait_for
from bench.takeover import claimed_by, database_url, fresh_postgresql
from bot.db import make_engine, make_sessions
from bot.models import Delivery, DeliveryStatus
from simulator import BotAPISimulator
from tests.procs import Balancer, bot_runs, free_port, port_open, stamp_head

MEMBERS = 2_000
ASKERS = 200
PROCESSES = 3
TEXT = "<b>通知</b> 本周五下午三点召开支部党员大会。"
SECRET = "bench-workers-secret-0123456789"


async def main() -> None:
    quiet_logs()
    url = database_url()
    await fresh_postgresql(url)
    engine = make_engine(url)
    await stamp_head(engine)
    sessions = make_sessions(engine)
    chats = list(range(2_000_000, 2_000_000 + MEMBERS))
    ports = [free_port() for _ in range(PROCESSES)]
    async with BotAPISimulator() as sim, Balancer(ports) as lb:
        sim.limits = scaled_limits()
        for c in chats:
            sim.user(c, f"党员{c}")
        askers = [sim.user(3_000_000 + i, f"访客{i}") for i in range(ASKERS)]
        started = time.monotonic()
        async with bot_runs(
            sim,
            engine,
            PROCESSES,
            WEBHOOK_URL=f"http://127.0.0.1:{lb.port}/hook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_PORT=lambda i: str(ports[i]),
            HEALTH_SERVER="off",
            RATE_GLOBAL_PER_SECOND=str(RATE / PROCESSES),
            RATE_PER_CHAT_PER_SECOND="1",
        ) as runs:

            async def all_open() -> bool:
                return all([await port_open(p) for p in ports])

            while not await all_open():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            start_up = time.monotonic() - started
            await enqueue_broadcast(sessions, chats, TEXT)
            sent = lambda: sum(  # noqa: E731
                1
                for c in sim.calls
                if c.ok and c.method == "sendMessage" and c.params.get("text") == TEXT
            )
            for a in askers[: ASKERS // 2]:
                await a.send("/me")
            await wait_for(lambda: sent() >= MEMBERS // 2, timeout=300)
            victim = runs[1]
            held = await claimed_by(sessions, victim.pid)
            victim.signal(signal.SIGKILL)
            killed = time.monotonic()
            await victim.wait()
            for a in askers[ASKERS // 2 :]:
                await a.send("/me")
            while await claimed_by(sessions, victim.pid):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            taken_over = time.monotonic() - killed
            got = lambda: {  # noqa: E731
                c.chat_id
                for c in sim.calls
                if c.ok and c.method == "sendMessage" and c.params.get("text") == TEXT
            }
            await wait_for(lambda: len(got()) >= MEMBERS, timeout=300)
            through = time.monotonic() - killed
            await wait_for(lambda: all(a.bot_messages for a in askers), timeout=120)
            await asyncio.sleep(1.0)
            for r in (runs[0], runs[2]):
                r.signal(signal.SIGTERM)
            codes = [await runs[0].wait(), await runs[2].wait()]
        per_chat = Counter(
            c.chat_id
            for c in sim.calls
            if c.ok and c.method == "sendMessage" and c.params.get("text") == TEXT
        )
        calls = Counter(c.method for c in sim.calls)
        answers = Counter(len(a.bot_messages) for a in askers)
        async with sessions() as s:
            from sqlmodel import func, select

            sending = (
                await s.exec(select(func.count()).where(Delivery.status == DeliveryStatus.sending))
            ).one()
    await engine.dispose()
    print(f"workers: {PROCESSES} dangjian run processes (webhook) on PostgreSQL, {MEMBERS} members")
    print(f"  start-up of all three                 {start_up:6.1f} s")
    print(
        f"  updates answered once                 {answers[1]:6d} of {ASKERS}   (other counts: {dict(answers)})"
    )
    print(f"  updates per worker                    {dict(Counter(lb.forwarded))}")
    print(f"  lost                                  {MEMBERS - len(per_chat):6d}   (goal 0)")
    print(
        f"  duplicated                            {sum(per_chat.values()) - len(per_chat):6d}   (goal ≤ {len(held)}, its claims at the kill)"
    )
    print(f"  kill to its rows taken over           {taken_over:6.2f} s   (goal < 5 s)")
    print(f"  kill to broadcast through             {through:6.1f} s")
    print(
        f"  setWebhook / deleteWebhook calls      {calls['setWebhook']} / {calls['deleteWebhook']}"
    )
    print(f"  left in sending / exit codes          {sending} / {codes}")


if __name__ == "__main__":
    asyncio.run(main())
