"""教育培训 reminders: behind-target members monthly from October, the 6-month rule once."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import BotApplication, BotContext, BotData
from bot.services import training
from bot.services.periods import parse_minute_of_day
from handlers.training import news

log = logging.getLogger(__name__)


async def remind_due(data: BotData, *, now: datetime) -> tuple[int, int]:
    """Enqueue what is due at `now`: (members reminded, secretary-rule warnings)."""
    assert data.sessions is not None
    assert data.settings is not None
    assert data.catalogs is not None
    settings = data.settings
    quiet = training.QuietHours(
        parse_minute_of_day(settings.study_quiet_start),
        parse_minute_of_day(settings.study_quiet_end),
    )
    async with data.sessions() as s:
        behind = await training.remind_behind(
            s, compose=news.behind(data.catalogs, settings), quiet=quiet, tz=settings.tz, now=now
        )
        warned = await training.warn_secretary_rule(
            s,
            compose=news.rule_warning(data.catalogs, settings),
            quiet=quiet,
            tz=settings.tz,
            now=now,
        )
        await s.commit()
    if (behind or warned) and data.outbox is not None:
        data.outbox.wake()
    return behind, warned


async def _tick(context: BotContext) -> None:
    """JobQueue callback: what is due comes from the database, so a missed tick loses nothing."""
    try:
        await remind_due(context.bot_data, now=context.clock.now())
    except Exception:
        log.exception("training reminders failed; they will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    settings = app.bot_data.settings
    assert settings is not None
    interval = settings.training_job_interval_seconds
    app.job_queue.run_repeating(_tick, interval=interval, first=interval, name="training.remind")
