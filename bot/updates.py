"""Update processing: many people at once, but one person's updates in order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently across people and sequentially for each person.

    A double tap or a redelivered update from the same person is then handled after the
    first has committed, so it sees the first one's result.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        # A person's lock lives while any of their updates holds or awaits it. Counting
        # them, not asking lock.locked(): between a release and the next waiter's wake-up
        # the lock looks free, and dropping it then let a third update run beside the second.
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._running: set[asyncio.Task[Any]] = set()
        # Told of every update handled and how long it took (bot.health's metrics).
        self.observer: Callable[[object, float], None] | None = None
        # Told of each update as it arrives, before it waits for its person's turn (the
        # flood guard counts arrivals, not the pace at which they get handled).
        self.on_arrival: Callable[[Update], None] | None = None
        # Told of each update whose handlers ran to the end (returned or raised; not one
        # cancelled by a shutdown): bot.inbox deletes its row.
        self.on_handled: Callable[[Update], None] | None = None

    @property
    def in_flight(self) -> int:
        return len(self._running)

    def cancel_running(self) -> int:
        """A shutdown's grace period is over: stop the handlers still running."""
        for task in self._running:
            task.cancel()
        return len(self._running)

    def waiting(self, user_id: int) -> int:
        """How many of this person's updates are being handled or wait their turn."""
        return self._locks.get(user_id, (None, 0))[1]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        task = asyncio.current_task()
        if task is None:
            await self._process(update, coroutine)
            return
        self._running.add(task)
        started = time.perf_counter()
        try:
            try:
                await self._process(update, coroutine)
            except Exception:
                self._handled(update)
                raise
            self._handled(update)
        finally:
            self._running.discard(task)
            if self.observer is not None:
                self.observer(update, time.perf_counter() - started)

    def _handled(self, update: object) -> None:
        if self.on_handled is not None and isinstance(update, Update):
            self.on_handled(update)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if self.on_arrival is not None and isinstance(update, Update):
            self.on_arrival(update)
        if user is None:
            await coroutine
            return
        lock, users = self._locks.get(user.id, (asyncio.Lock(), 0))
        self._locks[user.id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[user.id]
            if users == 1:
                del self._locks[user.id]
            else:
                self._locks[user.id] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
