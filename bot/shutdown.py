"""Graceful shutdown: SIGTERM stops taking updates, lets work in flight finish, bounded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from bot.updates import PerUserUpdateProcessor

log = logging.getLogger(__name__)


class GracefulShutdown:
    """What `dangjian run` does on SIGTERM (or SIGINT), within SHUTDOWN_GRACE_SECONDS.

    python-telegram-bot's own handler stops the updater (no new updates: polling ends,
    the webhook port closes so a balancer sends elsewhere) and then waits for every
    handler without a bound. Here the same steps run, and at the deadline the handlers
    still running are cancelled (their transactions roll back; the update is lost only
    for this process, Telegram redelivers a webhook that was not answered) and the outbox
    worker is given up on; bot.app then releases its claims so another process sends
    those rows at once.
    """

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.deadline: float | None = None

    def remaining(self) -> float:
        if self.deadline is None:
            return self.grace
        return max(self.deadline - time.monotonic(), 0.0)

    def install(self, app: Any, on_stop: Callable[[], None]) -> None:
        """Take over SIGTERM/SIGINT from python-telegram-bot (call from post_init)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.begin, app, on_stop)

    def begin(self, app: Any, on_stop: Callable[[], None]) -> None:
        if self.deadline is not None:
            return  # a second signal changes nothing: the deadline already bounds us
        self.deadline = time.monotonic() + self.grace
        log.info("shutting down: finishing what is in flight (at most %.0f s)", self.grace)
        on_stop()
        processor = app.update_processor
        if isinstance(processor, PerUserUpdateProcessor):
            asyncio.get_running_loop().call_later(self.grace, self._cancel, processor)
        app.stop_running()

    def _cancel(self, processor: PerUserUpdateProcessor) -> None:
        cancelled = processor.cancel_running()
        if cancelled:
            log.warning("shutdown: %d handlers did not finish in time and were stopped", cancelled)
