"""No one is left without an answer: apologise, log the traceback, tell the admins briefly."""

from __future__ import annotations

import logging
import time

from sqlmodel import col, select
from telegram import Update
from telegram.error import BadRequest

from bot.context import BotApplication, BotContext
from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import Member
from bot.services import org
from handlers.common import reply, translator_for

log = logging.getLogger("dangjian.errors")


async def on_error(update: object, context: BotContext) -> None:
    """Apologise to the person, log the traceback, and report to admins (rate-limited)."""
    log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    user = update.effective_user
    try:
        t = translator_for(context, await _member_or_none(context, user.id), user.language_code)
        apologised = False
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(
                    t.label("Sorry, something went wrong. Please try again."), show_alert=True
                )
                apologised = True
            except BadRequest:
                pass  # the handler answered the press before it failed: say it in the chat
        if not apologised and update.effective_chat is not None:
            await reply(
                update,
                context,
                t._(
                    "Sorry, something went wrong on our side. Nothing you entered was lost; "
                    "please try again in a moment."
                ),
            )
    except Exception:
        log.exception("could not apologise to the person")
    await _report_to_admins(update, context)


async def _member_or_none(context: BotContext, telegram_user_id: int) -> Member | None:
    """The person's member row for their language; None when the database is what failed
    (the apology then goes out in Telegram's language rather than not at all)."""
    try:
        async with context.sessions() as s:
            return await org.member_by_telegram_id(s, telegram_user_id)
    except Exception:
        log.warning("no database for the apology; answering in Telegram's language")
        return None


def _what_failed(update: Update) -> str:
    if update.callback_query is not None:
        return "button " + (update.callback_query.data or "").split(":")[0][:16]
    text = update.effective_message.text if update.effective_message else None
    if text and text.startswith("/"):
        return text.split()[0][:32]
    return "message"


async def _report_to_admins(update: Update, context: BotContext) -> None:
    """A short report with no personal data and never the token, at most one per interval.

    It goes through the outbox like any fan-out, each admin in their own language.
    """
    data = context.bot_data
    now = time.monotonic()
    if data.last_error_report and now - data.last_error_report < (
        context.settings.error_report_interval_seconds
    ):
        return
    data.last_error_report = now
    admin_ids = sorted(context.settings.admin_ids)
    if not admin_ids:
        return
    try:
        async with context.sessions() as s:
            admins = {
                m.telegram_user_id: m
                for m in await s.exec(
                    select(Member).where(col(Member.telegram_user_id).in_(admin_ids))
                )
            }
            recipients = []
            for admin_id in admin_ids:
                admin = admins.get(admin_id)
                t = translator_for(context, admin)
                text = t._(
                    "⚠️ Error while handling {what}: {detail}. The traceback is in the log.",
                    what=_what_failed(update),
                    detail=type(context.error).__name__,
                )
                recipients.append(
                    Recipient(admin_id, OutgoingMessage(text), admin.id if admin else None)
                )
            await outbox.enqueue(
                s, kind="error.report", recipients=recipients, now=context.clock.now()
            )
            await s.commit()
        context.outbox.wake()
    except Exception:
        log.exception("could not queue the error report for the admins")


def register(app: BotApplication) -> None:
    app.add_error_handler(on_error)
