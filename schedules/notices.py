"""Notices: send scheduled ones when due, and edit each sending notice's live progress."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.error import BadRequest, TelegramError

from bot.context import BotApplication, BotContext, BotData
from bot.delivery import sender
from bot.services import notices as svc
from handlers.notices import views

log = logging.getLogger(__name__)

TICK_SECONDS = 2.0


async def send_due_notices(data: BotData, *, now: datetime) -> int:
    """Enqueue every scheduled notice whose time has come; returns how many started."""
    assert data.sessions is not None
    assert data.catalogs is not None
    assert data.settings is not None
    compose = views.copies(data.catalogs, data.settings.tz)
    async with data.sessions() as s:
        started = await svc.send_due(s, compose=compose, now=now)
        await s.commit()
    if started and data.outbox is not None:
        data.outbox.wake()
    return len(started)


async def refresh_progress(data: BotData, *, now: datetime) -> int:
    """Edit the author's preview with fresh counts, at most once per notice every few seconds.

    Marks a notice done when its last delivery is out. Returns how many views were edited.
    """
    assert data.sessions is not None
    assert data.catalogs is not None
    assert data.settings is not None
    assert data.outbox is not None
    compose = views.progress_compose(data.catalogs, data.settings.tz)
    async with data.sessions() as s:
        due = await svc.progress_due(s, now=now)
    edited = 0
    for notice_id in due:
        async with data.sessions() as s:
            edit = await svc.refresh(s, notice_id=notice_id, compose=compose, now=now)
            await s.commit()
        if edit is None:
            continue
        try:
            if await sender.edit(data.outbox.bot, edit.chat_id, edit.message_id, edit.message):
                edited += 1
        except BadRequest as exc:
            # Deleted, or too old to edit: the next ticks still settle the notice.
            log.info("notice %s: progress view cannot be edited: %s", notice_id, exc.message)
            async with data.sessions() as s:
                await svc.view_gone(s, notice_id=notice_id)
                await s.commit()
        except TelegramError as exc:
            log.warning("notice %s: progress edit failed, next tick retries: %s", notice_id, exc)
            async with data.sessions() as s:
                await svc.edit_failed(s, notice_id=notice_id)
                await s.commit()
    return edited


async def _tick(context: BotContext) -> None:
    now = context.clock.now()
    await send_due_notices(context.bot_data, now=now)
    await refresh_progress(context.bot_data, now=now)


def register(app: BotApplication) -> None:
    if app.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        return
    app.job_queue.run_repeating(_tick, interval=TICK_SECONDS, first=TICK_SECONDS, name="notices")
