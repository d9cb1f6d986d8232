"""三会一课 reminders: 24 h and 1 h before the start (MEETING_REMINDER_MINUTES), once each."""

from __future__ import annotations

from datetime import datetime

from bot.context import BotApplication, BotContext, BotData
from bot.services.meetings import reminders
from handlers.meetings import views

INTERVAL_SECONDS = 60


async def send_due_reminders(data: BotData, *, now: datetime) -> int:
    """Enqueue the reminders due at `now`; returns how many messages were enqueued."""
    assert data.sessions is not None
    assert data.settings is not None
    assert data.catalogs is not None
    compose = views.compose(views.translators(data.catalogs, data.settings))
    async with data.sessions() as s:
        count = await reminders.send_due_reminders(
            s, offsets_minutes=data.settings.meeting_reminder_minutes, compose=compose, now=now
        )
        await s.commit()
    if count and data.outbox is not None:
        data.outbox.wake()
    return count


async def _tick(context: BotContext) -> None:
    """JobQueue callback: what is due comes from the database, so a missed tick loses nothing."""
    await send_due_reminders(context.bot_data, now=context.clock.now())


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        _tick, interval=INTERVAL_SECONDS, first=5, name="meetings.reminders"
    )
