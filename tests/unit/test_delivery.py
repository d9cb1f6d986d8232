"""Delivery engine units: pacing arithmetic on an injected clock, retry policy, ETA."""

from __future__ import annotations

import asyncio
import bisect
import math
from collections import Counter
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import pytest
from aiohttp.client_reqrep import ConnectionKey
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery.http import POOL_TIMEOUT
from bot.delivery.limiter import (
    GLOBAL_HEADROOM,
    HEADROOM,
    Lane,
    Limits,
    Pacer,
    maybe_delivered,
)
from bot.delivery.message import Button, OutgoingMessage
from bot.delivery.outbox import BatchProgress, backoff, eta_seconds
from bot.models import BatchState, DeliveryStatus


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer instead of sleeping.

    The pacer's own timers (call_later) and its clock both run on this time, so a test
    drives the real acquire()/_run() code through seconds of sending in milliseconds.
    """

    START = 1000.0

    def __init__(self) -> None:
        super().__init__()
        self._now = self.START
        select = self._selector.select  # type: ignore[attr-defined]

        def jump(timeout: float | None = None) -> list[object]:
            if timeout:
                self._now += timeout
            return select(0)

        self._selector.select = jump  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._now


def paced(
    limits: Limits, chats: int, send: Callable[[Pacer, VirtualTimeLoop, int], Awaitable[float]]
) -> list[float]:
    """`send(pacer, loop, chat)` for each of `chats` chats at once, on virtual time, through
    the real pacer; the times they return."""
    loop = VirtualTimeLoop()
    try:
        pacer = Pacer(limits, clock=loop.time)

        async def main() -> list[float]:
            times = await asyncio.gather(*(send(pacer, loop, c) for c in range(1, chats + 1)))
            await pacer.close()
            return list(times)

        return loop.run_until_complete(main())
    finally:
        loop.close()


def granted_times(limits: Limits, chats: int, *, lane: Lane = Lane.bulk) -> list[float]:
    """Times at which the real pacer let each of `chats` sends (one per chat) go."""

    async def one(pacer: Pacer, loop: VirtualTimeLoop, chat_id: int) -> float:
        await pacer.acquire(chat_id, lane)
        return loop.time()

    return paced(limits, chats, one)


def busiest_second(times: list[float]) -> int:
    """The most grants in any one-second window [t, t + 1)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


@pytest.mark.parametrize("per_second", [30, 300, 1000])
def test_the_pacer_never_grants_more_than_the_limit_in_any_second(per_second: int) -> None:
    times = granted_times(Limits(per_second=per_second), chats=per_second * 4)
    assert len(times) == per_second * 4
    assert busiest_second(times) <= per_second
    span = max(times) - min(times)
    # ... and keeps close to it: four seconds' worth goes out in about four seconds.
    assert span <= 4 / HEADROOM + 0.05
    assert busiest_second(times) >= int(per_second * HEADROOM) - 1


def test_the_interactive_lane_is_paced_under_the_same_cap() -> None:
    times = granted_times(Limits(per_second=30), chats=90, lane=Lane.interactive)
    assert busiest_second(times) <= 30


def test_the_cap_check_fails_when_the_pacer_bursts(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same measurement on a pacer without spacing: it must see the burst.
    monkeypatch.setattr(Pacer, "_global_ready_at", lambda self, now: now)
    times = granted_times(Limits(per_second=30), chats=90)
    assert busiest_second(times) > 30


def test_private_chat_and_group_windows() -> None:
    clock = FakeClock()
    pacer = Pacer(Limits(per_chat_per_second=1, group_per_minute=2), clock=clock)
    pacer._grant(7, clock.t)
    assert pacer._ready_at(7, clock.t) == pytest.approx(clock.t + 1 / HEADROOM)
    assert pacer._ready_at(8, clock.t) <= clock.t  # other chats are not held
    pacer._grant(-5, 100.0)
    clock.t = 102.0
    pacer._grant(-5, 102.0)
    # the third message into the group waits for the first to leave the minute (+ margin)
    assert pacer._ready_at(-5, 103.0) == pytest.approx(161.0)


def test_429_scope_is_the_chat_unless_many_chats_are_refused_at_once() -> None:
    clock = FakeClock()
    pacer = Pacer(Limits(), clock=clock)
    for chat in range(100, 115):  # sending at half the limit: the budget may be spent
        pacer._grant(chat, clock.t)
    pacer.on_retry_after(1, 5)
    pacer.on_retry_after(2, 5)
    assert pacer._global_paused_until == 0.0
    assert pacer._ready_at(1, clock.t) == pytest.approx(105.0)
    assert pacer._ready_at(3, clock.t) <= clock.t
    pacer.on_retry_after(3, 5)  # three chats within a second: the overall budget is spent
    assert pacer._global_paused_until == pytest.approx(105.0)
    assert pacer.stats.global_pauses == 1


def test_429s_of_a_pacer_that_barely_sends_are_per_chat() -> None:
    """A process just started (or nearly idle) cannot have spent the overall budget: its
    429s come from chats another process has just answered, and pause only those."""
    clock = FakeClock()
    pacer = Pacer(Limits(), clock=clock)
    pacer._grant(100, clock.t)
    for chat in (1, 2, 3, 4):
        pacer.on_retry_after(chat, 1)
    assert pacer._global_paused_until == 0.0
    assert pacer.stats.chat_pauses == 4
    assert pacer._ready_at(4, clock.t) == pytest.approx(101.0)
    assert pacer._ready_at(5, clock.t) <= clock.t


def test_an_unanswered_send_counts_until_a_second_after_its_answer() -> None:
    clock = FakeClock()
    pacer = Pacer(Limits(per_second=10), clock=clock)
    full = pacer._per_window
    for chat in range(full):
        pacer._grant(chat, clock.t, until_answered=True)
    clock.t = 101.5  # a second and a half later, none answered yet: all may still arrive
    assert pacer._global_ready_at(clock.t) == math.inf
    pacer.answered()
    assert pacer._global_ready_at(clock.t) == pytest.approx(102.5)
    clock.t = 102.6
    assert pacer._global_ready_at(clock.t) <= clock.t


def arrival_times(
    limits: Limits, chats: int, stall: tuple[float, float], *, answers: bool
) -> list[float]:
    """When `chats` sends paced by the real pacer reach an intake that stalls
    (`stall`: start and length, in seconds of virtual time) and then takes the queued
    requests at once; each is answered 5 ms after it arrives. `answers`: the pacer hears
    of the answers (acquire(until_answered=True) … answered()), as the rate limiter does;
    without, each send counts from its slot only."""
    begin = VirtualTimeLoop.START

    async def one(pacer: Pacer, loop: VirtualTimeLoop, chat_id: int) -> float:
        await pacer.acquire(chat_id, Lane.bulk, until_answered=answers)
        t = loop.time() - begin
        if stall[0] <= t < stall[0] + stall[1]:
            t = stall[0] + stall[1]
        await asyncio.sleep(t + 0.005 - (loop.time() - begin))
        if answers:
            pacer.answered()
        return t

    return paced(limits, chats, one)


@pytest.mark.parametrize("per_second", [30, 1000])
def test_a_stalled_intake_never_sees_more_than_the_limit_in_a_second(per_second: int) -> None:
    limits = Limits(per_second=per_second)
    stall = (1.5, 0.2)
    arrivals = arrival_times(limits, per_second * 4, stall, answers=True)
    assert len(arrivals) == per_second * 4
    assert busiest_second(arrivals) <= per_second
    # the stall costs about its own length, not more
    assert max(arrivals) <= 4 / GLOBAL_HEADROOM + stall[1] + 0.1
    # Counted from the slot only, the requests queued in the stall arrive together with
    # the next second's: the intake sees more than the limit (Telegram answers 429).
    assert busiest_second(arrival_times(limits, per_second * 4, stall, answers=False)) > per_second


async def test_a_send_cancelled_after_its_slot_is_not_left_unanswered() -> None:
    pacer = Pacer(Limits(per_second=30))
    waiting = asyncio.create_task(pacer.acquire(7, Lane.bulk, until_answered=True))
    await asyncio.sleep(0)  # it queues and starts the pacer
    await asyncio.sleep(0)  # the pacer grants it; it has not resumed yet
    assert sum(pacer.stats.granted) == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert pacer._in_window(pacer._clock()) == 1  # counted as arrived now, not in flight
    assert pacer._unanswered == 0
    await pacer.close()


def test_which_failures_may_have_reached_the_person() -> None:
    assert maybe_delivered(TimedOut())
    assert not maybe_delivered(TimedOut("Pool timeout: all connections are occupied"))
    assert not maybe_delivered(NetworkError("Internal Server Error (500)"))
    assert not maybe_delivered(BadRequest("Chat not found"))
    dropped = NetworkError("httpx.RemoteProtocolError")
    dropped.__cause__ = httpx.RemoteProtocolError("connection closed mid-response")
    assert maybe_delivered(dropped)
    refused = NetworkError("httpx.ConnectError")
    refused.__cause__ = httpx.ConnectError("refused")
    assert not maybe_delivered(refused)


def test_which_aiohttp_failures_may_have_reached_the_person() -> None:
    dropped = NetworkError("aiohttp.ServerDisconnectedError")
    dropped.__cause__ = aiohttp.ServerDisconnectedError()
    assert maybe_delivered(dropped)
    refused = NetworkError("aiohttp.ClientConnectorError")
    refused.__cause__ = aiohttp.ClientConnectorError(
        ConnectionKey("127.0.0.1", 1, False, True, None, None, None), OSError(111, "refused")
    )
    assert not maybe_delivered(refused)
    no_connection = TimedOut(POOL_TIMEOUT)
    no_connection.__cause__ = aiohttp.ConnectionTimeoutError()
    assert not maybe_delivered(no_connection)
    read_timeout = TimedOut()
    read_timeout.__cause__ = aiohttp.SocketTimeoutError()
    assert maybe_delivered(read_timeout)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(a) for a in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(20) == 300


def test_eta_from_progress_and_rate() -> None:
    counts = {DeliveryStatus.sent: 40, DeliveryStatus.pending: 55, DeliveryStatus.sending: 5}
    p = BatchProgress(1, BatchState.active, Counter(counts), ambiguous=0, retrying=0)
    assert (p.total, p.remaining) == (100, 60)
    assert eta_seconds(p, 30) == 2
    p.state = BatchState.paused
    assert eta_seconds(p, 30) is None
    p.by_status = Counter({DeliveryStatus.sent: 100})
    assert eta_seconds(p, 30) == 0


def test_messages_round_trip_through_json() -> None:
    msg = OutgoingMessage(
        text="<b>通知</b>",
        buttons=[[Button("收到", "ack:1"), Button("详情", url="https://example.org")]],
        media_id=3,
        media_kind="document",
    )
    assert OutgoingMessage.from_json(msg.to_json()) == msg
    with pytest.raises(ValueError, match="64 bytes"):
        Button("x", "y" * 65)


async def test_closing_the_pacer_fails_waiting_sends_instead_of_leaving_them_hanging() -> None:
    pacer = Pacer(Limits(per_second=30, per_chat_per_second=1))
    await pacer.acquire(7, Lane.bulk)
    waiting = asyncio.create_task(pacer.acquire(7, Lane.bulk))  # the chat's next slot is ~1 s off
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await pacer.close()
    with pytest.raises(NetworkError) as caught:
        await asyncio.wait_for(waiting, 1)
    assert not maybe_delivered(caught.value)  # the outbox retries it, not counted ambiguous
    with pytest.raises(NetworkError):
        await pacer.acquire(8, Lane.interactive)


def test_thirty_sends_queued_for_one_group_go_twenty_a_minute() -> None:
    """30 group notices queued at once: 20 in the first minute, the rest after it."""
    clock = FakeClock()
    pacer = Pacer(Limits(per_second=30, per_chat_per_second=100, group_per_minute=20), clock=clock)
    sent: list[float] = []
    while len(sent) < 30:
        ready = max(pacer._ready_at(-100, clock.t), pacer._global_ready_at(clock.t))
        clock.t = max(clock.t, ready)
        pacer._grant(-100, clock.t)
        sent.append(clock.t)
    start = sent[0]
    assert sum(1 for t in sent if t < start + 60) == 20
    assert sent[20] >= start + 60
    for i, t in enumerate(sent):  # no 60-second window ever holds more than 20
        assert sum(1 for u in sent[i:] if u < t + 60) <= 20
    assert sent[-1] < start + 62  # and the rest are not held longer than needed
