"""What handlers share beneath handlers/shape.py: who is acting, replying, pressing."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import GUEST, BotContext
from bot.delivery import sender
from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import Translator, locale_from_telegram
from bot.models import MediaFile, Member, MemberStatus, Role
from bot.services import org
from bot.services.fanout import SentFile
from handlers.callbacks import CallbackData


@dataclass(slots=True)
class Actor:
    """The person behind an update: their member row (if any) and their translator."""

    telegram_user_id: int
    member: Member | None
    t: Translator

    @property
    def role(self) -> str:
        if self.member is None or self.member.status == MemberStatus.left:
            return GUEST
        return str(self.member.role)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_secretary(self) -> bool:
        return self.role == Role.secretary

    @property
    def is_member(self) -> bool:
        return self.role in (Role.member, Role.secretary)


def translator_for(
    context: BotContext, member: Member | None, language_code: str | None = None
) -> Translator:
    """The translator for a member (their chosen locale) or a stranger (Telegram's hint)."""
    settings = context.settings
    locale = (member.locale if member else None) or locale_from_telegram(
        language_code, settings.default_locale
    )
    return context.catalogs.translator(locale, settings.tz)


async def load_actor(session: AsyncSession, update: Update, context: BotContext) -> Actor:
    """Resolve who acts; ADMIN_IDS people get their admin row on first contact."""
    user = update.effective_user
    assert user is not None
    member = await org.ensure_bootstrap_admin(
        session,
        telegram_user_id=user.id,
        profile_name=user.full_name,
        admin_ids=context.settings.admin_ids,
        now=context.clock.now(),
        locale=locale_from_telegram(user.language_code, context.settings.default_locale),
    )
    if member is not None and member.status == MemberStatus.blocked:
        # They are writing to us, so they are not blocking the bot any more.
        member.status = MemberStatus.active
        member.status_changed_at = context.clock.now()
    if session.dirty or session.new:
        await session.commit()
    return Actor(user.id, member, translator_for(context, member, user.language_code))


def attached_file(update: Update) -> SentFile | None:
    """The photo (its largest size) or document a person sent, if any."""
    message = update.effective_message
    if message is None:
        return None
    if message.photo:
        return SentFile.of(message.photo[-1].file_id, "photo")
    if message.document is not None:
        return SentFile.of(message.document.file_id, "document")
    return None


def confirm_row(t: Translator, yes: CallbackData, no: CallbackData) -> list[Button]:
    """Confirm / Cancel under a question whose answer cannot be undone."""
    return [yes.button(t.label("Confirm")), no.button(t.label("Cancel"))]


def with_cancel_hint(t: Translator, question: str) -> str:
    """A form's question with, on a line of its own, how to stop filling the form in."""
    return question + "\n" + t._("(Send /cancel to stop.)")


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    buttons: Keyboard | None = None,
) -> Message:
    """Answer the person in the chat the update came from (interactive lane)."""
    return await sender.send(
        context.bot, chat_id_of(update), OutgoingMessage(text=text, buttons=buttons or [])
    )


async def reply_document(
    update: Update,
    context: BotContext,
    filename: str,
    content: bytes,
    caption: str = "",
) -> Message:
    """Send a file (an export) to the person in this chat; the row is not stored."""
    media = MediaFile(filename=filename, content=content, created_at=context.clock.now())
    return await sender.send(
        context.bot,
        chat_id_of(update),
        OutgoingMessage(text=caption, media_kind="document"),
        media=media,
    )


async def reply_sent_file(
    update: Update, context: BotContext, caption: str, file: SentFile
) -> Message:
    """Send back a file a person once sent the bot, by Telegram's file_id (no upload)."""
    media = MediaFile(
        filename="", content=b"", telegram_file_id=file.file_id, created_at=context.clock.now()
    )
    return await sender.send(
        context.bot,
        chat_id_of(update),
        OutgoingMessage(text=caption, media_kind=file.kind),
        media=media,
    )


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (every callback query must be answered)."""
    query = update.callback_query
    if query is None:
        return
    # A query that is too old raises BadRequest: Telegram stopped waiting, nothing to do.
    with contextlib.suppress(BadRequest):
        await query.answer(text, show_alert=alert)


async def edit_pressed(
    update: Update, context: BotContext, text: str, buttons: Keyboard | None = None
) -> None:
    """Replace the message whose button was pressed."""
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    await sender.edit(
        context.bot,
        query.message.chat.id,
        query.message.message_id,
        OutgoingMessage(text=text, buttons=buttons or []),
    )


async def set_pressed_buttons(update: Update, context: BotContext, buttons: Keyboard) -> None:
    """Replace only the buttons of the message whose button was pressed."""
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    await sender.edit_buttons(context.bot, query.message.chat.id, query.message.message_id, buttons)


def parse_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None
