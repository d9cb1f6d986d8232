"""Pacing for every outbound call: two lanes, Telegram's limits, scoped 429 pauses.

python-telegram-bot's AIORateLimiter queues interactive replies behind a broadcast and
halts every request on a single 429. Here a reply (interactive lane) always takes the next
free slot before any fan-out message (bulk lane); each chat is spaced on its own; and a
429 pauses only what it concerns: that chat, or the overall budget when several chats
are refused at once while we send near our share of it.

The overall budget is counted where Telegram counts it, on arrival. A send arrives at some
moment between its slot and its answer, so a send counts against the last second from its
slot until one second after its answer: then no second of arrivals can hold more than the
limit, however the network or Telegram's intake bunches them (counted from the slot only,
a 0.17 s stall of the simulator's intake followed by the queued requests stamped together
made it count 1,000 in a second and answer 429; honoured, each such 429 paused every send
for a whole second, ~3% of a 50 s broadcast).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

import aiohttp
import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Methods that put a message into a chat and therefore count against Telegram's limits.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)

# Below this share of a chat's or group's limit we pace, so that jitter never crosses it.
HEADROOM = 0.97
# The same for the overall budget, which is counted until the answers (see above): the
# arrival jitter is covered by that, this margin is only for the edge of the second.
GLOBAL_HEADROOM = 0.99
# 429s from this many different chats within one second mean the overall budget is spent …
GLOBAL_429_CHATS = 3
# … if we were using at least this share of it. A process that has just started (or sends
# little) cannot have spent it; its 429s are per chat: people another process answered
# meanwhile (every worker spaces only its own sends into a chat). Taken for global, three
# of them at the start of a broadcast paused the second process twice for a second.
GLOBAL_429_BUSY = 0.5
# Extra wait after a group's per-minute window, so arrival jitter never crosses it.
GROUP_WINDOW_MARGIN = 1.0
# How late a wake-up may be and still be made up by the following slots. At 300/s a slot
# is 3.4 ms, less than one busy event-loop turn: half a slot of credit lost ~10% of the
# rate in the pacing benchmark. The one-second window below keeps the catch-up honest.
CATCH_UP = 0.02
# Given to sends still waiting for a slot when the bot shuts down; they never left.
SHUT_DOWN = "The bot is shutting down: the request was not sent to Telegram"


class Lane(IntEnum):
    interactive = 0
    bulk = 1


@dataclass(frozen=True, slots=True)
class Limits:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    group_per_minute: int = 20


@dataclass(slots=True)
class PacerStats:
    granted: list[int] = field(default_factory=lambda: [0, 0])
    retry_after: int = 0
    global_pauses: int = 0
    chat_pauses: int = 0


def maybe_delivered(exc: NetworkError) -> bool:
    """Whether Telegram may have executed a call that failed with `exc`.

    A timeout or a connection dropped after the request was written leaves it unknown;
    an HTTP error answer, a full connection pool or a refused connection mean it was not.
    """
    if isinstance(exc, BadRequest):
        return False
    if isinstance(exc, TimedOut):
        return "Pool timeout" not in exc.message
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.PoolTimeout):
        return False
    if isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return False
    return isinstance(cause, httpx.HTTPError | aiohttp.ClientError)


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Pacer:
    """Hands out send slots one at a time: interactive waiters first, then bulk."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._interval = 1.0 / (limits.per_second * GLOBAL_HEADROOM)
        self._chat_interval = 1.0 / (limits.per_chat_per_second * HEADROOM)
        self._tat = 0.0  # theoretical arrival time of the next global slot (GCRA)
        self._credit = max(self._interval / 2, CATCH_UP)
        # Telegram counts sends per second: never more than this in any second of arrivals.
        self._per_window = max(1, math.floor(limits.per_second * GLOBAL_HEADROOM))
        # When each send stopped possibly arriving: its slot, or its answer for sends
        # granted `until_answered` (answered()); appended as it happens, so in order. Plus
        # those still waiting for their answer: they may arrive any time.
        self._recent: deque[float] = deque()
        self._unanswered = 0
        self._waiting_for_answers = False
        self._chat_next: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._global_paused_until = 0.0
        self._recent_429: deque[tuple[float, int | None]] = deque()
        self._waiters: tuple[deque[tuple[int | None, asyncio.Future[None], bool]], ...] = (
            deque(),
            deque(),
        )
        self._wake: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.stats = PacerStats()

    def queued(self, lane: Lane) -> int:
        return len(self._waiters[lane])

    async def acquire(
        self, chat_id: int | None, lane: Lane = Lane.interactive, *, until_answered: bool = False
    ) -> None:
        """Wait for a slot to send into `chat_id` on `lane`.

        With `until_answered` the send counts against the overall budget until
        `answered()` is called (after its answer or failure: it may arrive until then);
        without, it counts as arriving at once (the caller sends nothing that can lag).
        """
        if self._closed:
            raise NetworkError(SHUT_DOWN)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (chat_id, fut, until_answered)
        self._waiters[lane].append(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="delivery-pacer")
        self._kick()
        try:
            await fut
        except asyncio.CancelledError:
            if not fut.done():
                self._waiters[lane].remove(entry)
            elif until_answered and not fut.cancelled():
                self.answered()  # granted, but the send never left
            raise

    def answered(self) -> None:
        """A send granted `until_answered` has its answer (or failed): it arrived by now."""
        self._unanswered -= 1
        self._recent.append(self._clock())
        if self._waiting_for_answers:
            self._waiting_for_answers = False
            self._kick()

    def on_retry_after(self, chat_id: int | None, seconds: float) -> None:
        """Pause the scope a 429 concerns: the chat, or everything when it is global."""
        now = self._clock()
        self.stats.retry_after += 1
        self._recent_429.append((now, chat_id))
        while self._recent_429 and self._recent_429[0][0] < now - 1.0:
            self._recent_429.popleft()
        chats = {c for _, c in self._recent_429}
        busy = self._in_window(now) >= self._per_window * GLOBAL_429_BUSY
        if chat_id is None or (len(chats) >= GLOBAL_429_CHATS and busy):
            self._global_paused_until = max(self._global_paused_until, now + seconds)
            self.stats.global_pauses += 1
        else:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + seconds)
            self.stats.chat_pauses += 1
        self._kick()

    def _kick(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def close(self) -> None:
        """Stop handing out slots; whoever still waits gets a NetworkError (nothing was sent)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # Left waiting, these sends would hang for ever: no slot is granted after this.
        for waiters in self._waiters:
            while waiters:
                _, fut, _ = waiters.popleft()
                if not fut.done():
                    fut.set_exception(NetworkError(SHUT_DOWN))

    def _ready_at(self, chat_id: int | None, now: float) -> float:
        if chat_id is None:
            return now
        ready = self._chat_next.get(chat_id, 0.0)
        if chat_id < 0:
            sends = self._group_sends.get(chat_id)
            if sends is not None:
                while sends and sends[0] <= now - 60.0 - GROUP_WINDOW_MARGIN:
                    sends.popleft()
                if len(sends) >= self.limits.group_per_minute:
                    ready = max(ready, sends[0] + 60.0 + GROUP_WINDOW_MARGIN)
        return ready

    def _grant(self, chat_id: int | None, now: float, *, until_answered: bool = False) -> None:
        # GCRA with CATCH_UP seconds of credit: a late wake-up (timer overshoot, a busy
        # loop) is made up by the next slots, so the rate holds; _global_ready_at caps any
        # second of arrivals at _per_window, so the catch-up can never exceed the limit.
        self._tat = max(self._tat, now - self._credit) + self._interval
        if until_answered:
            self._unanswered += 1
        else:
            self._recent.append(now)
        if chat_id is not None:
            self._chat_next[chat_id] = now + self._chat_interval
            if chat_id < 0:
                self._group_sends.setdefault(chat_id, deque()).append(now)
            if len(self._chat_next) > 50_000:
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    def _in_window(self, now: float) -> int:
        """Sends that may have arrived within the last second or may still arrive."""
        recent = self._recent
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        return len(recent) + self._unanswered

    def _global_ready_at(self, now: float) -> float:
        """When the next send may go; math.inf: not before an answer (answered() wakes us)."""
        ready = max(self._tat, self._global_paused_until)
        excess = self._in_window(now) - self._per_window
        if excess >= 0:
            recent = self._recent
            # The oldest `excess + 1` of them must leave the second; unanswered ones
            # leave only a second after their answer.
            ready = max(ready, recent[excess] + 1.0 if excess < len(recent) else math.inf)
        return ready

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = self._clock()
            wait: float | None = None
            global_ready = self._global_ready_at(now)
            if global_ready == math.inf:
                self._waiting_for_answers = True
            elif now < global_ready:
                wait = global_ready - now
            else:
                granted = False
                for lane in (Lane.interactive, Lane.bulk):
                    waiters = self._waiters[lane]
                    for entry in waiters:
                        chat_id, fut, until_answered = entry
                        if fut.done():
                            continue
                        ready = self._ready_at(chat_id, now)
                        if ready <= now:
                            waiters.remove(entry)
                            self._grant(chat_id, now, until_answered=until_answered)
                            self.stats.granted[lane] += 1
                            fut.set_result(None)
                            granted = True
                            break
                        wait = ready - now if wait is None else min(wait, ready - now)
                    if granted:
                        break
                if granted:
                    continue
                # Drop the futures of cancelled waiters so they are not scanned forever.
                for waiters in self._waiters:
                    while waiters and waiters[0][1].done():
                        waiters.popleft()
                if not any(self._waiters):
                    wait = None
            # One future per sleep, woken by a timer or by acquire()/on_retry_after();
            # cheaper than asyncio.wait_for, which wraps a task around every wait.
            self._wake = loop.create_future()
            timer = None if wait is None else loop.call_later(max(wait, 0.0005), self._kick)
            try:
                await self._wake
            finally:
                if timer is not None:
                    timer.cancel()
                self._wake = None


class DeliveryRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """The Bot's rate limiter: every API call the bot makes passes through here.

    Calls pass `rate_limit_args={"lane": "bulk"}` to ride the bulk lane; everything else is
    interactive. Non-message methods (getUpdates, answerCallbackQuery, …) are not paced.
    """

    def __init__(
        self, limits: Limits, *, max_429_retries: int = 5, transient_retries: int = 2
    ) -> None:
        self.limits = limits
        self.pacer: Pacer | None = None
        self.max_429_retries = max_429_retries
        self.transient_retries = transient_retries

    async def initialize(self) -> None:
        if self.pacer is None:
            self.pacer = Pacer(self.limits)

    async def shutdown(self) -> None:
        if self.pacer is not None:
            await self.pacer.close()
            self.pacer = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in PACED_METHODS:
            return await callback(*args, **kwargs)
        if self.pacer is None:
            await self.initialize()
        pacer = self.pacer
        assert pacer is not None
        lane = Lane.bulk if (rate_limit_args or {}).get("lane") == "bulk" else Lane.interactive
        raw_chat = data.get("chat_id")
        chat_id = (
            int(raw_chat)
            if isinstance(raw_chat, int | str) and str(raw_chat).lstrip("-").isdigit()
            else None
        )
        floods = transient = 0
        while True:
            await pacer.acquire(chat_id, lane, until_answered=True)
            try:
                try:
                    return await callback(*args, **kwargs)
                finally:
                    pacer.answered()
            except RetryAfter as exc:
                floods += 1
                pacer.on_retry_after(chat_id, retry_after_seconds(exc))
                if floods > self.max_429_retries or self.pacer is not pacer:
                    raise
                log.info("429 for chat %s on %s; retrying after the pause", chat_id, endpoint)
            except BadRequest:
                raise
            except NetworkError as exc:
                # The outbox keeps its own attempts and backoff for the bulk lane; a reply is
                # retried only when it surely did not arrive (no idempotency key to dedupe).
                transient += 1
                if (
                    lane == Lane.bulk
                    or transient > self.transient_retries
                    or maybe_delivered(exc)
                    or self.pacer is not pacer  # shut down meanwhile
                ):
                    raise
                await asyncio.sleep(0.25 * transient)
