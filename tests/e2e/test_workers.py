"""Three `dangjian run` processes in webhook mode on one PostgreSQL database (issue 17).

The simulator posts every update to a small round-robin balancer the test owns, which
passes it to one of the processes. Every update is answered once, every broadcast
message is sent once (a send in flight when a process is SIGKILLed may be sent twice,
no more), a killed process's claims are taken over by the others, one process calls
setWebhook and none deletes it.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import Sessions, make_sessions
from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.models import Delivery, DeliveryStatus
from simulator import BotAPISimulator, RateLimits
from tests.procs import Balancer, bot_runs, free_port, port_open, stamp_head, unstamp

HANG = 180  # only so that a bug fails the test instead of hanging CI
SECRET = "workers-test-secret-0123456789"
TEXT = "通知：本周五下午召开支部党员大会"


def received(sim: BotAPISimulator, chats: set[int]) -> Counter[int]:
    return Counter(
        c.chat_id
        for c in sim.calls
        if c.method == "sendMessage"
        and c.ok
        and c.chat_id in chats
        and c.params.get("text") == TEXT
        and c.chat_id is not None
    )


async def until_open(ports: list[int]) -> None:
    for _ in range(HANG * 20):
        if all([await port_open(p) for p in ports]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workers never listened")


async def held_by(sessions: Sessions, pid: int) -> int:
    async with sessions() as s:
        found = await s.exec(
            select(Delivery.id).where(
                Delivery.status == DeliveryStatus.sending,
                col(Delivery.claimed_by).like(f"%:{pid}:%"),
            )
        )
        return len(list(found))


async def test_three_webhook_workers_handle_and_send_everything_once(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several processes share one PostgreSQL database")
    sim.limits = RateLimits(enabled=True, global_per_second=100, per_chat_per_second=2)
    chats = {70_000 + i for i in range(120)}
    for c in chats:
        sim.user(c, f"党员{c}")
    askers = [sim.user(60_000 + i, f"访客{i}") for i in range(24)]
    await stamp_head(engine)
    sessions = make_sessions(engine)
    ports = [free_port() for _ in range(3)]
    async with (
        Balancer(ports) as lb,
        bot_runs(
            sim,
            engine,
            3,
            WEBHOOK_URL=f"http://127.0.0.1:{lb_port(lb)}/hook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=lambda i: str(ports[i]),
            HEALTH_SERVER="off",
            RATE_GLOBAL_PER_SECOND="20",
            DELIVERY_CONCURRENCY="8",
            SHUTDOWN_GRACE_SECONDS="5",
        ) as runs,
    ):
        await until_open(ports)
        await sim.wait_until(
            lambda: any(c.method == "setWebhook" for c in sim.calls), HANG, "setWebhook"
        )
        for a in askers[:12]:
            await a.send("/me")
        await sim.wait_until(lambda: all(a.bot_messages for a in askers[:12]), HANG, "answers")
        async with sessions() as s:
            await outbox.enqueue(
                s,
                kind="test.notice",
                recipients=[outbox.Recipient(c, OutgoingMessage(text=TEXT)) for c in chats],
                now=datetime.now(UTC),
            )
            await s.commit()
        await sim.wait_until(lambda: sum(received(sim, chats).values()) >= 30, HANG, "sending")
        victim = runs[1]
        in_flight = await held_by(sessions, victim.pid)
        victim.signal(signal.SIGKILL)
        assert await victim.wait() == -signal.SIGKILL
        for a in askers[12:]:  # the balancer passes over the dead worker
            await a.send("/me")
        await sim.wait_until(lambda: len(received(sim, chats)) == len(chats), HANG, "everyone")
        await sim.wait_until(lambda: all(a.bot_messages for a in askers), HANG, "answers")
        for r in (runs[0], runs[2]):
            r.signal(signal.SIGTERM)
        assert [await runs[0].wait(), await runs[2].wait()] == [0, 0]
    await unstamp(engine)
    # Every update answered once; each went to one worker.
    assert [len(a.bot_messages) for a in askers] == [1] * len(askers)
    assert len(lb.forwarded) == len(askers)
    assert len(set(lb.forwarded)) >= 2
    # Every recipient once; a duplicate only for a send in flight at the kill.
    counts = received(sim, chats)
    assert set(counts) == chats
    assert sum(counts.values()) - len(chats) <= in_flight
    async with sessions() as s:
        statuses = Counter((await s.exec(select(Delivery.status))).all())
    assert statuses == Counter({DeliveryStatus.sent: len(chats)})
    calls = Counter(c.method for c in sim.calls)
    assert calls["setWebhook"] == 1
    assert calls["deleteWebhook"] == 0


def lb_port(lb: Balancer) -> int:
    return lb.port
