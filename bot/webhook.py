"""Webhook mode with several processes: at most one of them calls setWebhook.

python-telegram-bot's run_webhook calls setWebhook in every process at every start. With
three processes behind one URL that is three calls racing to say the same thing (and a
rolling restart keeps calling it). WEBHOOK_REGISTER decides instead:

- ``auto`` (default): ask getWebhookInfo first and set the webhook only when Telegram's
  URL or allowed updates differ from ours. On PostgreSQL the question and the call are
  made under an advisory lock, so of processes starting together the first sets it and
  the others find it set. (A new WEBHOOK_SECRET is not visible in getWebhookInfo: after
  changing it, start one process with ``always``.)
- ``always``: python-telegram-bot's behaviour; ``never``: leave the webhook to someone else.

No process deletes the webhook when it stops: Telegram keeps delivering to the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from bot.db import Sessions
from bot.delivery.liveness import LOCK_SPACE
from bot.inbox import InboxUpdater

log = logging.getLogger(__name__)

WEBHOOK_LOCK = 0  # second key of the advisory lock (worker ids start at 1)


class WebhookUpdater(InboxUpdater):
    """An Updater whose start-up sets the webhook only as WEBHOOK_REGISTER says."""

    __slots__ = ("register", "sessions")

    def __init__(self, *args: Any, register: str = "auto", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register = register
        self.sessions: Sessions | None = None

    async def _bootstrap(
        self,
        max_retries: int,
        webhook_url: str | None,
        allowed_updates: Sequence[str] | None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if webhook_url is None or self.register == "always":
            await super()._bootstrap(max_retries, webhook_url, allowed_updates, *args, **kwargs)
            return
        if self.register == "never":
            log.info("webhook: WEBHOOK_REGISTER=never, not calling setWebhook")
            return
        sessions = self.sessions
        if sessions is None or sessions.kw["bind"].dialect.name != "postgresql":
            await self._set_unless_set(max_retries, webhook_url, allowed_updates, args, kwargs)
            return
        async with sessions() as s:
            await s.execute(
                text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": LOCK_SPACE, "b": WEBHOOK_LOCK}
            )
            await self._set_unless_set(max_retries, webhook_url, allowed_updates, args, kwargs)
            await s.commit()  # ends the lock

    async def _set_unless_set(
        self,
        max_retries: int,
        webhook_url: str,
        allowed_updates: Sequence[str] | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        info = await self.bot.get_webhook_info()
        same_updates = allowed_updates is None or sorted(info.allowed_updates or ()) == sorted(
            allowed_updates
        )
        if info.url == webhook_url and same_updates:
            log.info("webhook: already set to this URL; not calling setWebhook")
            return
        await super()._bootstrap(max_retries, webhook_url, allowed_updates, *args, **kwargs)
