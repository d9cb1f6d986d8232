"""Delivery engine through the simulator: lanes, spacing, scoped 429s, outcomes, crashes.

Outbox timing runs on the harness's FixedClock (backoff, leases); only the pacing tests
take real time, bounded by the simulator's short limits (about a second each). Nothing
here sleeps to wait or asserts how long something took: tests wait for conditions (an
event set by a delivery hook, the pacer's queue) and compare the order of events.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import ExtBot

from bot.app import build_application
from bot.config import Settings
from bot.context import BotApplication
from bot.delivery import outbox
from bot.delivery.limiter import DeliveryRateLimiter, Lane, Limits
from bot.delivery.message import Button, OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.delivery.sender import send
from bot.delivery.worker import RECORD_TRIES, OutboxWorker
from bot.models import (
    BatchState,
    Delivery,
    DeliveryBatch,
    DeliveryStatus,
    MediaFile,
    Member,
    MemberStatus,
)
from simulator import BotAPISimulator, RateLimits
from tests.harness import Harness


@pytest.fixture
async def paced_bot(sim: BotAPISimulator) -> AsyncIterator[ExtBot[None]]:
    """A bare bot with our limiter at 20/s overall and 2/s per chat, the simulator enforcing it."""
    sim.limits = RateLimits(enabled=True, global_per_second=20, per_chat_per_second=2)
    limiter = DeliveryRateLimiter(Limits(per_second=20, per_chat_per_second=2))
    bot: ExtBot[None] = ExtBot(sim.token, base_url=sim.base_url, rate_limiter=limiter)
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Bounded polling on a condition the test cannot be told about (the pacer's queue)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"{what}: never happened")


def recorded(h: Harness, kind: str, count: int) -> asyncio.Event:
    """An event set once `count` deliveries of batch kind `kind` are recorded as sent."""
    done = asyncio.Event()
    seen = 0

    async def on_sent(_s: AsyncSession, _d: Delivery, _b: DeliveryBatch) -> None:
        nonlocal seen
        seen += 1
        if seen >= count:
            done.set()

    h.app.bot_data.hooks.on(kind, "sent", on_sent)
    return done


def ok_sends(sim: BotAPISimulator) -> list[tuple[float, int | None, str]]:
    return [
        (c.t, c.chat_id, str(c.params.get("text")))
        for c in sim.calls
        if c.method == "sendMessage" and c.ok
    ]


async def test_a_reply_overtakes_a_queued_fan_out(
    sim: BotAPISimulator, paced_bot: ExtBot[None]
) -> None:
    people = [sim.user(5000 + i, f"p{i}") for i in range(30)]
    asker = sim.user(4999, "asker")
    bulk = [
        asyncio.create_task(send(paced_bot, p.id, OutgoingMessage(text="notice"), lane=Lane.bulk))
        for p in people
    ]
    limiter = paced_bot.rate_limiter
    assert isinstance(limiter, DeliveryRateLimiter)
    assert limiter.pacer is not None
    pacer = limiter.pacer
    # The fan-out is queued in the pacer (30 at 20/s) before the reply asks for a slot.
    await until(lambda: pacer.queued(Lane.bulk) + sum(pacer.stats.granted) >= 30, "queued")
    await send(paced_bot, asker.id, OutgoingMessage(text="reply"))
    await asyncio.gather(*bulk)
    order = [text for _, _, text in ok_sends(sim)]
    assert order.index("reply") <= 4, order  # a few notices left before it, not 28 more
    assert sim.stats["429"] == 0


async def test_sends_into_one_chat_are_spaced(
    sim: BotAPISimulator, paced_bot: ExtBot[None]
) -> None:
    p = sim.user(6000, "p")
    await asyncio.gather(*(send(paced_bot, p.id, OutgoingMessage(text=f"m{i}")) for i in range(3)))
    times = [t for t, chat, _ in ok_sends(sim) if chat == p.id]
    assert len(times) == 3
    assert all(b - a >= 0.5 for a, b in itertools.pairwise(times)), times
    assert sim.stats["429"] == 0


async def test_a_429_pauses_only_its_chat(sim: BotAPISimulator, paced_bot: ExtBot[None]) -> None:
    flooded = sim.user(7000, "flooded")
    others = [sim.user(7001 + i, f"o{i}") for i in range(8)]
    sim.faults.add("sendMessage", "flood", chat_id=flooded.id, delay=2)
    await asyncio.gather(
        send(paced_bot, flooded.id, OutgoingMessage(text="to flooded"), lane=Lane.bulk),
        *(send(paced_bot, o.id, OutgoingMessage(text="to other"), lane=Lane.bulk) for o in others),
    )
    refused = [c for c in sim.calls if c.error_code == 429]
    assert len(refused) == 1
    sends = ok_sends(sim)
    flooded_at = next(t for t, chat, _ in sends if chat == flooded.id)
    others_done = max(t for t, chat, _ in sends if chat != flooded.id)
    assert flooded_at - refused[0].t >= 2.0  # it waited out retry_after …
    assert others_done < flooded_at  # … while the other chats went on meanwhile
    assert paced_bot.rate_limiter is not None
    pacer = paced_bot.rate_limiter.pacer  # type: ignore[attr-defined]
    assert pacer.stats.chat_pauses == 1
    assert pacer.stats.global_pauses == 0


async def fan_out(h: Harness, chat_ids: list[int], kind: str = "test.notice", **kw: object) -> int:
    async with h.sessions() as s:
        batch = await outbox.enqueue(
            s,
            kind=kind,
            recipients=[
                Recipient(c, OutgoingMessage(text="请确认", buttons=[[Button("收到", "ack:1")]]))
                for c in chat_ids
            ],
            now=h.clock.now(),
            **kw,  # type: ignore[arg-type]
        )
        await s.commit()
        assert batch.id is not None
        return batch.id


async def rows(h: Harness, batch_id: int) -> dict[int, Delivery]:
    async with h.sessions() as s:
        found = await s.exec(select(Delivery).where(Delivery.batch_id == batch_id))
        return {d.chat_id: d for d in found}


def worker(h: Harness) -> OutboxWorker:
    assert h.app.bot_data.outbox is not None
    return h.app.bot_data.outbox


async def test_fan_out_sends_once_with_buttons_and_records_message_ids(h: Harness) -> None:
    people = [h.person(f"p{i}") for i in range(5)]
    batch_id = await fan_out(h, [p.id for p in people] + [people[0].id])  # duplicate chat
    assert await h.deliver() == 5
    for p in people:
        assert [m.text for m in p.bot_messages] == ["请确认"]
        assert p.last.flat_buttons == ["收到"]
    found = await rows(h, batch_id)
    assert all(d.status == DeliveryStatus.sent and d.message_id for d in found.values())
    async with h.sessions() as s:
        progress = await outbox.progress(s, batch_id)
    assert (progress.total, progress.sent, progress.finished) == (5, 5, True)
    assert outbox.eta_seconds(progress, 30) == 0


async def test_blocked_person_is_marked_and_not_retried(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    gone, stays = branch.members
    gone.blocked = True  # blocked without the bot hearing of it: the 403 is the news
    seen: list[int] = []

    async def on_blocked(_s: object, d: Delivery, _b: DeliveryBatch) -> None:
        seen.append(d.chat_id)

    h.app.bot_data.hooks.on("test.notice", "blocked", on_blocked)
    batch_id = await fan_out(h, [gone.id, stays.id])
    await h.deliver()
    h.clock.advance(hours=1)
    await h.deliver()
    found = await rows(h, batch_id)
    assert found[gone.id].status == DeliveryStatus.blocked
    assert found[gone.id].attempts == 1
    assert found[stays.id].status == DeliveryStatus.sent
    assert len([c for c in h.sim.calls if c.chat_id == gone.id and c.error_code == 403]) == 1
    assert seen == [gone.id]
    async with h.sessions() as s:
        member = (await s.exec(select(Member).where(Member.telegram_user_id == gone.id))).one()
    assert member.status == MemberStatus.blocked


async def test_server_errors_are_retried_with_backoff_then_failed(h: Harness) -> None:
    p = h.person("unlucky")
    h.sim.faults.add("sendMessage", "error500", count=50, chat_id=p.id)
    batch_id = await fan_out(h, [p.id])
    waits = []
    for _ in range(10):
        await h.deliver()
        d = (await rows(h, batch_id))[p.id]
        if d.status != DeliveryStatus.pending:
            break
        waits.append((d.next_attempt_at - h.clock.now()).total_seconds())
        h.clock.advance(seconds=waits[-1] - 1)
        assert await worker(h).drain() == 0  # not due yet: backoff holds
        h.clock.advance(seconds=1)
    assert waits == [2.0, 4.0, 8.0, 16.0]
    assert d.status == DeliveryStatus.failed
    assert d.attempts == 5
    assert d.last_error is not None
    assert "Internal Server Error" in d.last_error
    assert len([c for c in h.sim.calls if c.chat_id == p.id]) == 5


async def test_a_lost_response_is_retried_and_counted_ambiguous(h: Harness) -> None:
    p, q = h.person("p"), h.person("q")
    h.sim.faults.add("sendMessage", "drop_after", chat_id=p.id)
    batch_id = await fan_out(h, [p.id, q.id])
    await h.deliver()
    d = (await rows(h, batch_id))[p.id]
    assert d.status == DeliveryStatus.pending
    assert d.ambiguous
    h.clock.advance(seconds=2)
    await h.deliver()
    async with h.sessions() as s:
        progress = await outbox.progress(s, batch_id)
    assert (progress.sent, progress.ambiguous) == (2, 1)
    assert len(p.bot_messages) == 2  # the one duplicate the Bot API cannot prevent, counted


async def test_unknown_chat_fails_at_once(h: Harness) -> None:
    batch_id = await fan_out(h, [987654321])
    await h.deliver()
    d = (await rows(h, batch_id))[987654321]
    assert d.status == DeliveryStatus.failed
    assert d.attempts == 1
    assert d.last_error is not None
    assert "chat not found" in d.last_error.lower()


async def test_paused_batches_wait_and_cancelled_ones_withdraw(h: Harness) -> None:
    people = [h.person(f"p{i}") for i in range(3)]
    batch_id = await fan_out(h, [p.id for p in people])
    async with h.sessions() as s:
        await outbox.set_batch_state(
            s, batch_id=batch_id, state=BatchState.paused, now=h.clock.now()
        )
        await s.commit()
        assert outbox.eta_seconds(await outbox.progress(s, batch_id), 30) is None
    assert await h.deliver() == 0
    async with h.sessions() as s:
        await outbox.set_batch_state(
            s, batch_id=batch_id, state=BatchState.cancelled, now=h.clock.now()
        )
        await s.commit()
        progress = await outbox.progress(s, batch_id)
    assert (progress.cancelled, progress.sent, progress.finished) == (3, 0, True)
    assert await h.deliver() == 0
    assert all(not p.bot_messages for p in people)


async def test_crash_resume_loses_nothing_and_counts_ambiguous(h: Harness) -> None:
    people = [h.person(f"p{i}") for i in range(6)]
    batch_id = await fan_out(h, [p.id for p in people])
    w = worker(h)
    in_flight = await w.claim(2)  # the process dies while these two are being sent
    assert [d.status for d in in_flight] == [DeliveryStatus.sending] * 2
    assert await w.recover() == 0  # leases still live: another process may be sending them
    h.clock.advance(minutes=3)
    assert await w.recover() == 2
    await h.deliver()
    found = await rows(h, batch_id)
    assert all(d.status == DeliveryStatus.sent for d in found.values())
    assert sum(d.ambiguous for d in found.values()) == 2
    assert all(len(p.bot_messages) == 1 for p in people)


async def test_run_keeps_sending_until_everything_is_recorded(h: Harness) -> None:
    people = [h.person(f"p{i}") for i in range(60)]
    w = worker(h)
    w.concurrency = 8
    stop = asyncio.Event()
    all_recorded = recorded(h, "test.notice", 60)
    task = asyncio.create_task(w.run(stop, poll_interval=0.05))
    batch_id = await fan_out(h, [p.id for p in people])
    w.wake()
    await all_recorded.wait()
    stop.set()
    await task
    async with h.sessions() as s:
        assert (await outbox.progress(s, batch_id)).finished
    assert Counter(len(p.bot_messages) for p in people) == Counter({1: 60})
    assert w.stats.sent == 60
    assert w.stats.in_flight == 0


async def test_paid_broadcast_asks_for_paid_limits(h: Harness) -> None:
    p = h.person("p")
    w = worker(h)
    w.paid_broadcast = True
    await fan_out(h, [p.id])
    await h.deliver()
    call = next(c for c in h.sim.calls if c.method == "sendMessage" and c.chat_id == p.id)
    assert call.params.get("allow_paid_broadcast") is True


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="row locks need PostgreSQL (TEST_DATABASE_URL)"
)
async def test_two_workers_never_send_the_same_row(h: Harness) -> None:
    people = [h.person(f"p{i}") for i in range(150)]
    batch_id = await fan_out(h, [p.id for p in people])
    first = worker(h)
    second = OutboxWorker(first.bot, h.sessions, h.clock, concurrency=16, worker_id="second")
    first.concurrency = 16
    handled = await asyncio.gather(first.drain(), second.drain())
    assert sum(handled) == 150
    assert all(handled)
    assert Counter(len(p.bot_messages) for p in people) == Counter({1: 150})
    found = await rows(h, batch_id)
    assert all(d.status == DeliveryStatus.sent and not d.ambiguous for d in found.values())


async def test_expired_lease_returns_for_any_worker(h: Harness) -> None:
    p = h.person("p")
    await fan_out(h, [p.id])
    w = worker(h)
    (row,) = await w.claim(10)
    h.clock.advance(minutes=1)
    assert await w.renew_leases() == 1  # run() does this while its sends wait in the pacer
    h.clock.advance(minutes=1, seconds=30)
    assert await w.recover() == 0
    h.clock.advance(minutes=1)
    assert await w.recover() == 1
    assert row.attempts == 1
    await h.deliver()
    assert len(p.bot_messages) == 1
    assert timedelta(minutes=2) == w.lease


async def test_stopping_mid_fan_out_records_every_send_and_strands_none(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    """Stopped the way run_polling stops (stop, post_stop, shutdown, post_shutdown)."""
    sim.limits = RateLimits(enabled=True, global_per_second=20, per_chat_per_second=2)
    people = [sim.user(8000 + i, f"p{i}") for i in range(80)]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=sim.token,
        bot_api_url=sim.base_url,
        database_url=engine.url.render_as_string(hide_password=False),
        rate_global_per_second=20,
        rate_per_chat_per_second=2,
        error_report_interval_seconds=0,
    )

    def nothing(_app: BotApplication) -> None:
        return None

    app = build_application(
        settings, register=nothing, engine=engine, migrate=False, run_outbox=True
    )
    await app.initialize()
    assert app.post_init is not None
    assert app.post_stop is not None
    assert app.post_shutdown is not None
    await app.post_init(app)
    await app.start()
    sessions = app.bot_data.sessions
    async with sessions() as s:
        batch = await outbox.enqueue(
            s,
            kind="test.notice",
            recipients=[Recipient(p.id, OutgoingMessage(text="通知")) for p in people],
            now=app.bot_data.clock.now(),
        )
        await s.commit()
    app.bot_data.outbox.wake()
    await sim.wait_until(lambda: len(ok_sends(sim)) >= 10, timeout=10)
    await app.stop()
    await app.post_stop(app)
    await app.shutdown()
    await app.post_shutdown(app)
    async with sessions() as s:
        found = list(await s.exec(select(Delivery).where(Delivery.batch_id == batch.id)))
    received = Counter(chat for _, chat, _ in ok_sends(sim))
    assert all(n == 1 for n in received.values())
    statuses = Counter(d.status for d in found)
    assert set(statuses) <= {DeliveryStatus.sent, DeliveryStatus.pending}, statuses
    assert not any(d.ambiguous for d in found)
    # Nothing claimed was given up on: what was not sent was never tried.
    assert all(d.attempts == 0 for d in found if d.status == DeliveryStatus.pending)
    assert {d.chat_id for d in found if d.status == DeliveryStatus.sent} == set(received)


async def test_a_document_fan_out_uploads_once_and_holds_no_connection_while_sending(
    h: Harness,
) -> None:
    people = [h.person(f"p{i}") for i in range(20)]
    async with h.sessions() as s:
        media = MediaFile(filename="学习材料.pdf", content=b"%PDF-1.4 x", created_at=h.clock.now())
        s.add(media)
        await s.flush()
        assert media.id is not None
        msg = OutgoingMessage(
            text="请阅读 <b>附件</b>",
            buttons=[[Button("收到", "ack:1")]],
            media_id=media.id,
            media_kind="document",
        )
        batch = await outbox.enqueue(
            s,
            kind="test.notice",
            recipients=[Recipient(p.id, msg) for p in people],
            now=h.clock.now(),
        )
        await s.commit()
    h.sim.faults.add("sendDocument", "slow", count=20, delay=0.2)
    pool = h.engine.sync_engine.pool
    out = busiest = 0

    def checkout(*_: object) -> None:
        nonlocal out, busiest
        out += 1
        busiest = max(busiest, out)

    def checkin(*_: object) -> None:
        nonlocal out
        out -= 1

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        await h.deliver()
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
    assert busiest <= 3, busiest  # claim/record and one media read, not one per send
    for p in people:
        got = p.last
        assert got.document is not None
        assert (got.document.filename, got.document.content) == ("学习材料.pdf", b"%PDF-1.4 x")
        assert got.flat_buttons == ["收到"]
    docs = [c.params.get("document") for c in h.sim.calls if c.method == "sendDocument"]
    uploads = [d for d in docs if not isinstance(d, str)]
    assert len(uploads) == 1
    async with h.sessions() as s:
        stored = await s.get(MediaFile, media.id)
        assert stored is not None
        assert stored.telegram_file_id is not None
        assert (await outbox.progress(s, batch.id)).sent == 20


async def test_outcomes_whose_recording_failed_are_recorded_later(h: Harness) -> None:
    people = [h.person(f"p{i}") for i in range(10)]
    w = worker(h)
    real_record = w._record
    failures = 0

    async def flaky(outcomes: list[outbox.Outcome]) -> None:
        nonlocal failures
        if failures < RECORD_TRIES:  # the database is away for one whole record()
            failures += 1
            raise ConnectionError("database went away")
        await real_record(outcomes)

    w._record = flaky  # type: ignore[method-assign,assignment]
    stop = asyncio.Event()
    all_recorded = recorded(h, "test.notice", 10)
    task = asyncio.create_task(w.run(stop, poll_interval=0.05))
    batch_id = await fan_out(h, [p.id for p in people])
    w.wake()
    await all_recorded.wait()
    stop.set()
    await task
    async with h.sessions() as s:
        progress = await outbox.progress(s, batch_id)
    assert failures == RECORD_TRIES
    assert (progress.sent, progress.sending, progress.ambiguous) == (10, 0, 0)
    assert all(len(p.bot_messages) == 1 for p in people)


async def test_a_failing_hook_undoes_only_its_own_changes(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    (member,) = branch.members
    seen: list[int] = []

    async def broken(s: AsyncSession, d: Delivery, _b: DeliveryBatch) -> None:
        await s.execute(
            text("UPDATE member SET name = 'half done' WHERE telegram_user_id = :uid"),
            {"uid": d.chat_id},
        )
        await s.execute(text("SELECT * FROM no_such_table"))

    async def fine(_s: AsyncSession, d: Delivery, _b: DeliveryBatch) -> None:
        seen.append(d.chat_id)

    h.app.bot_data.hooks.on("test.notice", "sent", broken)
    h.app.bot_data.hooks.on("test.notice", "sent", fine)
    batch_id = await fan_out(h, [member.id])
    await h.deliver()
    d = (await rows(h, batch_id))[member.id]
    assert d.status == DeliveryStatus.sent  # recorded although a hook failed
    assert seen == [member.id]
    async with h.sessions() as s:
        names = set((await s.exec(select(Member.name))).all())
    assert "half done" not in names


async def test_text_with_entities_is_not_parsed_as_html_also_as_a_caption(h: Harness) -> None:
    p = h.person("p")
    bold = [{"type": "bold", "offset": 0, "length": 2}]
    media = MediaFile(filename="a.pdf", content=b"%PDF-1.4", created_at=h.clock.now())
    for kwargs in ({}, {"media_kind": "document", "media_id": 1}):
        msg = OutgoingMessage(text="通知 a < b & c", entities=bold, **kwargs)  # type: ignore[arg-type]
        await send(h.app.bot, p.id, msg, media=media if kwargs else None)
    await h.settle()
    assert [m.text for m in p.bot_messages] == ["通知 a < b & c"] * 2
