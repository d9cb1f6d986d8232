"""A dead worker's claims are taken over at once, not after its 2-minute lease (issue 17)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.delivery.worker import OutboxWorker
from bot.models import Delivery, DeliveryStatus, WorkerProcess
from tests.e2e.test_delivery import fan_out, rows
from tests.harness import Harness


@pytest.fixture
async def workers(h: Harness) -> AsyncIterator[list[OutboxWorker]]:
    made: list[OutboxWorker] = []
    yield made
    for w in made:  # hand back the lock connections, dead or alive
        if w.liveness is not None:
            with contextlib.suppress(Exception):
                await w.liveness.stop()


def second_worker(h: Harness, name: str, made: list[OutboxWorker]) -> OutboxWorker:
    first = h.app.bot_data.outbox
    assert first is not None
    w = OutboxWorker(first.bot, h.sessions, h.clock, worker_id=name)
    made.append(w)
    return w


def on_postgresql(h: Harness) -> bool:
    return h.engine.dialect.name == "postgresql"


async def test_a_worker_that_died_loses_its_claims_to_the_others(
    h: Harness, workers: list[OutboxWorker]
) -> None:
    people = [h.person(f"p{i}") for i in range(6)]
    batch_id = await fan_out(h, [p.id for p in people])
    dying, survivor = second_worker(h, "dying", workers), second_worker(h, "survivor", workers)
    await dying.register()
    await survivor.register()
    claimed = await dying.claim(4)
    assert len(claimed) == 4
    await survivor.upkeep()  # alive: nothing to take
    assert await survivor.take_over() == 0
    assert dying.liveness is not None
    if on_postgresql(h):
        # SIGKILL: the server ends the backend, and the advisory lock with it. Nothing
        # else tells the survivor, and no time passes.
        lock = dying.liveness._lock_conn
        assert lock is not None
        await lock.invalidate()
    else:
        h.clock.advance(seconds=20)  # SQLite: the heartbeat has gone stale
        await survivor.liveness.beat()  # type: ignore[union-attr]
    assert await survivor.take_over() == 4
    await survivor.drain()
    found = await rows(h, batch_id)
    assert Counter(d.status for d in found.values()) == Counter({DeliveryStatus.sent: 6})
    assert sum(d.ambiguous for d in found.values()) == 4  # may have reached them: counted
    assert all(len(p.bot_messages) == 1 for p in people)


async def test_a_slow_worker_that_is_alive_keeps_its_claims(
    h: Harness, workers: list[OutboxWorker]
) -> None:
    if not on_postgresql(h):
        pytest.skip("the advisory lock is PostgreSQL's liveness")
    people = [h.person(f"p{i}") for i in range(3)]
    await fan_out(h, [p.id for p in people])
    slow, other = second_worker(h, "slow", workers), second_worker(h, "other", workers)
    await slow.register()
    await other.register()
    assert len(await slow.claim(3)) == 3
    h.clock.advance(minutes=1)  # no heartbeat for a minute: the lock still says alive
    assert await other.take_over() == 0
    await slow.drain()


async def test_a_clean_stop_releases_claims_and_says_so(
    h: Harness, workers: list[OutboxWorker]
) -> None:
    people = [h.person(f"p{i}") for i in range(3)]
    batch_id = await fan_out(h, [p.id for p in people])
    leaving = second_worker(h, "leaving", workers)
    await leaving.register()
    assert len(await leaving.claim(3)) == 3  # as if a shutdown deadline cut the sends short
    assert await leaving.release() == 3
    found = await rows(h, batch_id)
    assert all(d.status == DeliveryStatus.pending and d.claimed_by is None for d in found.values())
    async with h.sessions() as s:
        row = (await s.exec(select(WorkerProcess).where(WorkerProcess.name == "leaving"))).one()
    assert row.stopped_at is not None
    await h.deliver()
    assert all(len(p.bot_messages) == 1 for p in people)


async def test_the_rows_of_a_restarted_process_come_back_when_it_starts(
    h: Harness, workers: list[OutboxWorker]
) -> None:
    p = h.person("p")
    batch_id = await fan_out(h, [p.id])
    before = second_worker(h, "before-crash", workers)
    await before.register()
    assert len(await before.claim(1)) == 1
    if on_postgresql(h):
        assert before.liveness is not None
        assert before.liveness._lock_conn is not None
        await before.liveness._lock_conn.invalidate()
    else:
        h.clock.advance(seconds=20)
    after = second_worker(h, "after-restart", workers)
    await after.register()
    assert await after.take_over() == 1  # what bot.app does before the first claim
    await after.drain()
    (row,) = (await rows(h, batch_id)).values()
    assert isinstance(row, Delivery)
    assert row.status == DeliveryStatus.sent
    assert len(p.bot_messages) == 1
