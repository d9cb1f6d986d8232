"""Notices: send scheduled ones when due, and edit each sending notice's live progress."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.error import BadRequest, TelegramError

from bot.context import BotApplication, BotContext, BotData
from bot.delivery import sender
from bot.models import Member, Notice
from bot.services import notices as svc

log = logging.getLogger(__name__)

TICK_SECONDS = 2.0


async def send_due_notices(data: BotData, *, now: datetime) -> int:
    """Enqueue every scheduled notice whose time has come; returns how many started."""
    assert data.sessions is not None
    assert data.catalogs is not None
    assert data.settings is not None
    async with data.sessions() as s:
        started = await svc.send_due(s, catalogs=data.catalogs, tz=data.settings.tz, now=now)
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
    async with data.sessions() as s:
        due = [n.id for n in await svc.progress_due(s, now=now)]
    edited = 0
    for notice_id in due:
        assert notice_id is not None
        async with data.sessions() as s:
            if not await svc.claim_progress_edit(s, notice_id=notice_id, now=now):
                await s.commit()
                continue
            notice = await s.get(Notice, notice_id)
            author = await s.get(Member, notice.created_by) if notice else None
            if notice is None:
                await s.commit()
                continue
            p = await svc.progress(s, notice, now=now)
            unchanged = notice.progress_shown == svc.snapshot(p)
            final = await svc.settle(s, p, now=now)
            await s.commit()
            # Without a view to edit (deleted by its author) the notice is still settled.
            if (unchanged and not final) or notice.preview_message_id is None or author is None:
                continue
            t = data.catalogs.translator(author.locale, data.settings.tz)
            view = svc.progress_message(t, p)
            chat_id, message_id = notice.preview_chat_id, notice.preview_message_id
        assert chat_id is not None
        try:
            if await sender.edit(data.outbox.bot, chat_id, message_id, view):
                edited += 1
        except BadRequest as exc:
            # The preview was deleted or is too old to edit: stop editing it; the next
            # ticks still mark the notice done when its last delivery is out.
            log.info("notice %s: progress view cannot be edited: %s", notice_id, exc.message)
            async with data.sessions() as s:
                gone = await s.get(Notice, notice_id)
                if gone is not None:
                    gone.preview_message_id = None
                    await s.commit()
        except TelegramError as exc:
            log.warning("notice %s: progress edit failed, next tick retries: %s", notice_id, exc)
            # What was recorded as shown never arrived: forget it, so the next tick edits.
            async with data.sessions() as s:
                failed = await s.get(Notice, notice_id)
                if failed is not None:
                    failed.progress_shown = {}
                    failed.progress_final = False
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
