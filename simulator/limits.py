"""Rate limits (429 Too Many Requests) and one-shot fault injection.

Limiter definition (sliding windows over accepted sends; rejected calls do not consume budget):

* global:  at most ``floor(global_per_second)`` (min 1) sends in any 1-second window;
* private: at most ``ceil(per_chat_per_second)`` sends per chat in any 1-second window
  (a burst equal to the rate, rounded up);
* groups (chat id < 0): at most ``per_group_per_minute`` sends per chat in any 60-second window.

A rejected call gets ``retry_after`` = ``RateLimits.retry_after`` if set, otherwise the whole
seconds (rounded up, at least 1) until the window that blocked it frees a slot.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "SEND_METHODS",
    "Chaos",
    "Fault",
    "FaultKind",
    "Faults",
    "RateLimiter",
    "RateLimits",
]

#: Methods that count against the send budgets (lower-cased).
SEND_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendPaidMedia",
        "sendLivePhoto",
        "sendChecklist",
        "sendRichMessage",
        "sendInvoice",
        "sendGame",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "editMessageMedia",
    )
)


@dataclass(slots=True)
class RateLimits:
    """Configuration of the simulated flood control (disabled by default)."""

    enabled: bool = False
    global_per_second: float = 30
    per_chat_per_second: float = 1
    per_group_per_minute: int = 20
    retry_after: int | None = None


class RateLimiter:
    """Sliding-window limiter; see the module docstring for the exact definition."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def reset(self) -> None:
        self._global.clear()
        self._chats.clear()

    @staticmethod
    def _wait(window: deque[float], cap: int, span: float, now: float) -> float:
        """Seconds until ``window`` accepts one more event (0 = accepts now)."""
        cutoff = now - span
        while window and window[0] <= cutoff:
            window.popleft()
        if len(window) < cap:
            return 0.0
        return window[len(window) - cap] + span - now

    def check(self, chat_id: int | None) -> int | None:
        """Account one send to ``chat_id``; return ``retry_after`` seconds if it is over budget."""
        lim = self.limits
        if not lim.enabled:
            return None
        now = self.clock()
        wait = self._wait(self._global, max(1, math.floor(lim.global_per_second)), 1.0, now)
        window: deque[float] | None = None
        if chat_id is not None:
            window = self._chats.get(chat_id)
            if window is None:
                window = self._chats[chat_id] = deque()
            if chat_id < 0:
                cap, span = max(1, lim.per_group_per_minute), 60.0
            else:
                cap, span = max(1, math.ceil(lim.per_chat_per_second)), 1.0
            wait = max(wait, self._wait(window, cap, span, now))
        if wait > 0:
            if lim.retry_after is not None:
                return lim.retry_after
            return max(1, math.ceil(wait))
        self._global.append(now)
        if window is not None:
            window.append(now)
        return None


FaultKind = Literal["error500", "error502", "slow", "drop", "drop_after", "flood"]


@dataclass(slots=True)
class Fault:
    """One queued fault. ``method``/``chat_id`` of None match any call."""

    kind: FaultKind
    method: str | None = None
    count: int = 1
    chat_id: int | None = None
    delay: float = 0.0


@dataclass
class Faults:
    """Queue of one-shot faults, consumed in insertion order by matching calls.

    Kinds: ``error500``/``error502`` answer HTTP 500/502; ``slow`` answers normally after
    ``delay`` seconds; ``drop`` closes the connection without executing the call;
    ``drop_after`` executes the call and then closes the connection (lost response);
    ``flood`` answers 429 with ``retry_after = max(1, ceil(delay))``.
    """

    items: list[Fault] = field(default_factory=list)

    def add(
        self,
        method: str | None = None,
        kind: FaultKind = "error500",
        count: int = 1,
        chat_id: int | None = None,
        delay: float = 0.0,
    ) -> Fault:
        fault = Fault(kind=kind, method=method, count=count, chat_id=chat_id, delay=delay)
        self.items.append(fault)
        return fault

    def clear(self) -> None:
        self.items.clear()

    def __len__(self) -> int:
        return sum(f.count for f in self.items)

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """Consume and return the first fault matching this call, if any."""
        if not self.items:
            return None
        lower = method.lower()
        for idx, fault in enumerate(self.items):
            if fault.method is not None and fault.method.lower() != lower:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.count -= 1
            if fault.count <= 0:
                del self.items[idx]
            return fault
        return None


@dataclass
class Chaos:
    """Faults at random, at given rates, from a seeded generator (a run can be repeated).

    Per call (``getUpdates`` is spared unless ``updates=True``, so the bot keeps hearing
    people): with probability ``error5xx`` it is answered 500 or 502 without running;
    ``drop`` closes the connection — ``drop_after_share`` of those after the call ran (its
    answer is lost), the rest before; ``slow`` answers after ``slow_delay`` seconds. A send
    starts a burst of 429s with probability ``flood``: it and the next ``flood_burst - 1``
    sends are refused with ``retry_after = flood_retry_after``. ``methods`` (lower-case
    names) limits all of it to those methods. Off while every rate is 0.
    """

    error5xx: float = 0.0
    drop: float = 0.0
    drop_after_share: float = 0.5
    slow: float = 0.0
    slow_delay: float = 0.5
    flood: float = 0.0
    flood_burst: int = 5
    flood_retry_after: int = 1
    methods: frozenset[str] | None = None
    updates: bool = False
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _burst_left: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return any((self.error5xx, self.drop, self.slow, self.flood))

    def pick(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault this call gets, or None to answer it normally."""
        lower = method.lower()
        if lower == "getupdates" and not self.updates:
            return None
        if self.methods is not None and lower not in self.methods:
            return None
        rng = self._rng
        if lower in SEND_METHODS:
            if self._burst_left > 0:
                self._burst_left -= 1
                return Fault("flood", method, chat_id=chat_id, delay=self.flood_retry_after)
            if self.flood and rng.random() < self.flood:
                self._burst_left = max(0, self.flood_burst - 1)
                return Fault("flood", method, chat_id=chat_id, delay=self.flood_retry_after)
        roll = rng.random()
        if roll < self.error5xx:
            return Fault("error500" if rng.random() < 0.5 else "error502", method, chat_id=chat_id)
        roll -= self.error5xx
        if roll < self.drop:
            after = rng.random() < self.drop_after_share
            return Fault("drop_after" if after else "drop", method, chat_id=chat_id)
        roll -= self.drop
        if roll < self.slow:
            return Fault("slow", method, chat_id=chat_id, delay=self.slow_delay)
        return None
