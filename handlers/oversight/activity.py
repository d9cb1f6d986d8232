"""Last-seen tracking: a cheap early handler that never stops an update."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import TypeHandler

from bot.context import BotApplication, BotContext
from bot.services.oversight import activity

log = logging.getLogger(__name__)

# Before every capability's handlers (group 0) and the form router.
GROUP = -5


async def seen(update: Update, context: BotContext) -> None:
    """Note that this person used the bot (at most one write an hour)."""
    user = update.effective_user
    if user is None or update.effective_chat is None or update.effective_chat.type != "private":
        return
    try:
        async with context.sessions() as s:
            if await activity.touch(s, telegram_user_id=user.id, now=context.clock.now()):
                await s.commit()
    except Exception:
        # Never let bookkeeping cost someone their answer.
        log.exception("could not record activity")


def register(app: BotApplication) -> None:
    app.add_handler(TypeHandler(Update, seen), group=GROUP)
