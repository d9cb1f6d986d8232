"""Three `dangjian run` processes in webhook mode on one PostgreSQL database (issue 17).

The simulator posts every update to a small round-robin balancer the test owns, which
passes it to one of the processes. The processes' clock is moved to a Monday morning
late in December (tests/clockshift), where every kind of timed work is due at once
(tests/e2e/workers_scene.py): a notice that needs 收到, a meeting's reminder with 签到,
a study push and nudge, training reminders, the oversight calendar reminder and the
weekly digest. While those go out, people press 收到 and 签到 (some press 签到 twice,
reaching two workers) and strangers send /me; one process is SIGKILLed mid-broadcast
and a second scheduled notice comes due after it.

Every update is answered once, every press recorded once, every job's message enqueued
once and sent once (a send in flight at the kill may be sent twice, no more), the killed
process's claims are taken over by the others, one process calls setWebhook and none
deletes it.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.db import Sessions, make_sessions
from bot.models import Delivery, DeliveryStatus
from simulator import BotAPISimulator, RateLimits
from tests.e2e import workers_scene as scene_
from tests.e2e.workers_scene import ADMIN, ADMIN_KINDS, MEMBER_KINDS, SECRETARY, SECRETARY_KINDS
from tests.procs import Balancer, bot_runs, free_port, port_open, stamp_head, unstamp

HANG = 180  # only so that a bug fails the test instead of hanging CI
SECRET = "workers-test-secret-0123456789"
MEMBERS = 150
PRESSERS = 50
TWICE = 10  # of the pressers, these press 签到 twice
ASKERS = 24


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


async def unsent(sessions: Sessions) -> int:
    async with sessions() as s:
        return (
            await s.exec(
                select(func.count()).where(
                    col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending])
                )
            )
        ).one()


async def settled(sessions: Sessions, chats: list[int]) -> bool:
    """Every member has every job's message enqueued, and nothing is left to send."""
    kinds = Counter(k for k, _s, chat in await scene_.enqueued(sessions) if chat in set(chats))
    expected = len(chats) * (len(MEMBER_KINDS) + 1)  # two notices
    return sum(kinds[k] for k in MEMBER_KINDS) >= expected and await unsent(sessions) == 0


async def wait_for(check: object, what: str) -> None:
    for _ in range(HANG * 10):
        result = check()  # type: ignore[operator]
        if await result if asyncio.iscoroutine(result) else result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def sent_to(sim: BotAPISimulator) -> Counter[int]:
    return Counter(
        c.chat_id for c in sim.calls if c.method == "sendMessage" and c.ok and c.chat_id is not None
    )


async def test_three_webhook_workers_handle_and_send_everything_once(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several processes share one PostgreSQL database")
    sim.limits = RateLimits(enabled=True, global_per_second=100, per_chat_per_second=2)
    chats = [70_000 + i for i in range(MEMBERS)]
    people = [sim.user(c, f"党员{c}") for c in chats]
    sim.user(ADMIN, "管理员")
    sim.user(SECRETARY, "书记")
    pressers = people[:PRESSERS]
    twice = {p.user_id for p in pressers[:: PRESSERS // TWICE]}
    askers = [sim.user(60_000 + i, f"访客{i}") for i in range(ASKERS)]
    await stamp_head(engine)
    sessions = make_sessions(engine)
    shift, clock_env = scene_.shifted_clock()
    scene = await scene_.seed(sessions, chats, scene_.shifted_now(shift))
    ports = [free_port() for _ in range(3)]
    async with (
        Balancer(ports) as lb,
        bot_runs(
            sim,
            engine,
            3,
            **clock_env,
            **scene_.SETTINGS,
            WEBHOOK_URL=f"http://127.0.0.1:{lb.port}/hook",
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
        await wait_for(lambda: any(c.method == "setWebhook" for c in sim.calls), "setWebhook")
        # While the jobs' messages go out: half the askers and half the pressers.
        half = PRESSERS // 2
        for a in askers[: ASKERS // 2]:
            await a.send("/me")
        presses = await scene_.answer_and_check_in(pressers[:half], twice, HANG)
        await wait_for(lambda: all(a.bot_messages for a in askers[: ASKERS // 2]), "answers")
        await wait_for(lambda: scene_.answered(pressers[:half], presses), "press answers")
        # Mid-broadcast, with no update in flight: SIGKILL one worker.
        assert await unsent(sessions) > 0, "the broadcast was through before the kill"
        victim = runs[1]
        in_flight = await held_by(sessions, victim.pid)
        victim.signal(signal.SIGKILL)
        assert await victim.wait() == -signal.SIGKILL
        # A job comes due after the kill; the others press and ask (the balancer passes
        # over the dead worker).
        await scene_.release_later(sessions, scene, scene_.shifted_now(shift))
        for a in askers[ASKERS // 2 :]:
            await a.send("/me")
        presses += await scene_.answer_and_check_in(pressers[half:], twice, HANG)
        await wait_for(lambda: all(a.bot_messages for a in askers), "answers")
        await wait_for(lambda: scene_.answered(pressers, presses), "press answers")
        await wait_for(lambda: settled(sessions, chats), "every job's messages sent")
        for r in (runs[0], runs[2]):
            r.signal(signal.SIGTERM)
        assert [await runs[0].wait(), await runs[2].wait()] == [0, 0]
    await unstamp(engine)
    # Every update answered once; each went to one worker.
    assert [len(a.bot_messages) for a in askers] == [1] * len(askers)
    assert [len(p.callback_answers) for p in pressers] == [presses[p.user_id] for p in pressers]
    assert len(lb.forwarded) == len(askers) + sum(presses.values())
    assert len(set(lb.forwarded)) >= 2
    # Every press recorded once, for those who pressed and no one else.
    acks, checked = await scene_.recorded(sessions, scene)
    pressed = Counter({scene.member_ids[p.user_id]: 1 for p in pressers})
    assert (acks, checked) == (pressed, pressed)
    # Every job's message enqueued exactly once per person, and sent.
    rows = await scene_.enqueued(sessions)
    assert [k for k, n in rows.items() if n != 1] == []
    kinds: dict[int, Counter[str]] = {}
    for kind, _subject, chat in rows:
        kinds.setdefault(chat, Counter())[kind] += 1
    every = Counter({k: 1 for k in MEMBER_KINDS}) + Counter({"notice": 1})
    assert [c for c in chats if kinds.get(c) != every] == []
    assert set(SECRETARY_KINDS) <= set(kinds[SECRETARY])
    assert set(ADMIN_KINDS) <= set(kinds[ADMIN])
    async with sessions() as s:
        statuses = Counter((await s.exec(select(Delivery.status))).all())
    assert statuses == Counter({DeliveryStatus.sent: len(rows)})
    # Every message sent once; a duplicate only for a send in flight at the kill.
    per_chat = sent_to(sim)
    enqueued_to = Counter(chat for _k, _s, chat in rows)
    assert [c for c in enqueued_to if per_chat[c] < enqueued_to[c]] == []
    assert sum(per_chat[c] - enqueued_to[c] for c in enqueued_to) <= in_flight
    calls = Counter(c.method for c in sim.calls)
    assert calls["setWebhook"] == 1
    assert calls["deleteWebhook"] == 0
