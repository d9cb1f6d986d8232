"""诉求 escalation: requests past their 受理 or 办结 limit go to the admins, once each."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import BotApplication, BotContext, BotData
from bot.services import requests
from handlers.requests import news

log = logging.getLogger(__name__)


async def escalate_due(data: BotData, *, now: datetime) -> list[requests.Escalated]:
    """Enqueue the admins' messages about requests past a limit at `now`."""
    assert data.sessions is not None
    assert data.settings is not None
    assert data.catalogs is not None
    async with data.sessions() as s:
        done = await requests.escalate_due(
            s, compose=news.composer(data.catalogs, data.settings), now=now
        )
        await s.commit()
    if done and data.outbox is not None:
        data.outbox.wake()
    return done


async def _tick(context: BotContext) -> None:
    """JobQueue callback: what is overdue comes from the database, so a missed tick loses nothing."""
    try:
        await escalate_due(context.bot_data, now=context.clock.now())
    except Exception:
        log.exception("requests escalation failed; it will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    settings = app.bot_data.settings
    assert settings is not None
    interval = settings.requests_job_interval_seconds
    app.job_queue.run_repeating(_tick, interval=interval, first=interval, name="requests.escalate")
