"""SIGTERM to a real `dangjian run` during a broadcast: in-flight work ends, exit 0 (issue 17)."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import make_sessions
from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.models import Delivery, DeliveryStatus, WorkerProcess
from simulator import BotAPISimulator, RateLimits
from tests.procs import bot_runs, stamp_head, unstamp

# Only so that a bug fails the test instead of hanging CI; never a measure of speed.
HANG = 120


def sends(sim: BotAPISimulator, chats: set[int]) -> Counter[int]:
    return Counter(
        c.chat_id
        for c in sim.calls
        if c.method == "sendMessage" and c.ok and c.chat_id in chats and c.chat_id is not None
    )


async def test_sigterm_mid_broadcast_finishes_sends_in_flight_and_strands_none(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    sim.limits = RateLimits(enabled=True, global_per_second=20, per_chat_per_second=2)
    chats = {9000 + i for i in range(80)}
    for c in chats:
        sim.user(c, f"p{c}")
    await stamp_head(engine)
    sessions = make_sessions(engine)
    async with bot_runs(sim, engine, RATE_GLOBAL_PER_SECOND="20", DELIVERY_CONCURRENCY="16") as (
        run,
    ):
        await sim.wait_until(
            lambda: any(c.method == "getUpdates" for c in sim.calls), HANG, "polling"
        )
        async with sessions() as s:
            batch = await outbox.enqueue(
                s,
                kind="test.notice",
                recipients=[outbox.Recipient(c, OutgoingMessage(text="通知")) for c in chats],
                now=datetime.now(UTC),
            )
            await s.commit()
        await sim.wait_until(lambda: sum(sends(sim, chats).values()) >= 10, HANG, "sending")
        run.signal(signal.SIGTERM)
        assert await run.wait() == 0
    async with sessions() as s:
        found = list(await s.exec(select(Delivery).where(Delivery.batch_id == batch.id)))
        (worker,) = list(await s.exec(select(WorkerProcess)))
    await unstamp(engine)
    received = sends(sim, chats)
    assert all(n == 1 for n in received.values()), received
    statuses = Counter(d.status for d in found)
    assert DeliveryStatus.sending not in statuses, statuses
    assert statuses[DeliveryStatus.pending] > 0  # it stopped mid-broadcast, not after it
    assert {d.chat_id for d in found if d.status == DeliveryStatus.sent} == set(received)
    assert not any(d.claimed_by for d in found)
    assert worker.stopped_at is not None  # others need not wait for its liveness
