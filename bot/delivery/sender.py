"""Turns an OutgoingMessage into one Bot API call. The only code that calls send*/edit*."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    MessageEntity,
)
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.delivery.http import json_request
from bot.delivery.limiter import Lane
from bot.delivery.message import Keyboard, OutgoingMessage
from bot.models import MediaFile

log = logging.getLogger(__name__)

# ExtBot, not Bot: only it takes `rate_limit_args`, which carries the lane to the limiter.
TelegramBot = ExtBot[Any]

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def to_markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in buttons
        ]
    )


def _lane_args(lane: Lane) -> dict[str, str]:
    return {"lane": "bulk" if lane == Lane.bulk else "interactive"}


async def send(
    bot: TelegramBot,
    chat_id: int,
    msg: OutgoingMessage,
    *,
    lane: Lane = Lane.interactive,
    media: MediaFile | None = None,
    paid_broadcast: bool = False,
) -> Message:
    """Send one message; with `media` the text becomes the caption of a document or photo.

    `paid_broadcast` asks Telegram for the paid broadcast limits (up to 1000/s, charged in
    Stars); only the outbox sets it, and only when ALLOW_PAID_BROADCAST is on.
    """
    markup = to_markup(msg.buttons)
    paid = True if paid_broadcast else None
    entities = [MessageEntity.de_json(e, bot) for e in msg.entities] if msg.entities else None
    # Entities replace parse_mode: with both, Telegram would parse the text as HTML too.
    parse_mode = msg.parse_mode if entities is None else None
    rate = _lane_args(lane)
    if media is not None:
        return await _send_media(
            bot,
            chat_id,
            msg,
            media,
            caption=msg.text or None,
            parse_mode=parse_mode,
            caption_entities=entities,
            reply_markup=markup,
            allow_paid_broadcast=paid,
            rate_limit_args=rate,
        )
    return await bot.send_message(
        chat_id,
        msg.text,
        parse_mode=parse_mode,
        entities=entities,
        reply_markup=markup,
        link_preview_options=NO_PREVIEW if msg.disable_preview else None,
        allow_paid_broadcast=paid,
        rate_limit_args=rate,
    )


async def send_bulk(
    bot: TelegramBot, chat_id: int, msg: OutgoingMessage, *, paid_broadcast: bool = False
) -> int:
    """Send a text from the outbox on the bulk lane, as send() would; its message_id.

    The same sendMessage call, posted as ready JSON through the bot's rate limiter and
    request: in bench.scale, python-telegram-bot's send_message spent about a third of the
    bot's CPU per delivery on building a RequestParameter per field and turning the answer
    into a Message of a hundred attributes, of which the outbox keeps one. Errors are the
    same telegram.error types (BaseRequest.post raises them).
    """
    data: dict[str, Any] = {"chat_id": chat_id, "text": msg.text}
    if msg.entities:
        data["entities"] = msg.entities  # already in the Bot API's shape
    elif msg.parse_mode:
        data["parse_mode"] = msg.parse_mode
    markup = to_markup(msg.buttons)
    if markup is not None:
        data["reply_markup"] = markup.to_dict()
    if msg.disable_preview:
        data["link_preview_options"] = NO_PREVIEW.to_dict()
    if paid_broadcast:
        data["allow_paid_broadcast"] = True
    url = f"{bot.base_url}/sendMessage"
    request = bot.request

    async def post() -> Any:
        return await request.post(url, json_request(data))

    limiter = bot.rate_limiter
    if limiter is None:
        result = await post()
    else:
        result = await limiter.process_request(
            callback=post,
            args=(),
            kwargs={},
            endpoint="sendMessage",
            data=data,
            rate_limit_args=_lane_args(Lane.bulk),
        )
    return int(result["message_id"])


async def _send_media(
    bot: TelegramBot, chat_id: int, msg: OutgoingMessage, media: MediaFile, **kwargs: Any
) -> Message:
    """A photo or document with the text as its caption; the first upload keeps its file_id."""
    source = media.telegram_file_id or (media.content, media.filename)
    file: InputFile | str = (
        InputFile(source[0], filename=source[1]) if isinstance(source, tuple) else source
    )
    if msg.media_kind == "photo":
        sent = await bot.send_photo(chat_id, file, **kwargs)
        uploaded = sent.photo[-1].file_id if sent.photo else None
    else:
        sent = await bot.send_document(chat_id, file, **kwargs)
        uploaded = sent.document.file_id if sent.document else None
    if uploaded and not media.telegram_file_id:
        media.telegram_file_id = uploaded
    return sent


async def _changed(call: Awaitable[object]) -> bool:
    """Run an edit; Telegram refusing an edit that changes nothing is not an error."""
    try:
        await call
    except BadRequest as exc:
        if "not modified" in exc.message:
            return False
        raise
    return True


async def edit(
    bot: TelegramBot,
    chat_id: int,
    message_id: int,
    msg: OutgoingMessage,
    *,
    lane: Lane = Lane.interactive,
) -> bool:
    """Replace a message's text and buttons; an unchanged message is not an error."""
    return await _changed(
        bot.edit_message_text(
            msg.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=msg.parse_mode,
            reply_markup=to_markup(msg.buttons),
            link_preview_options=NO_PREVIEW if msg.disable_preview else None,
            rate_limit_args=_lane_args(lane),
        )
    )


async def edit_buttons(
    bot: TelegramBot,
    chat_id: int,
    message_id: int,
    buttons: Keyboard,
    *,
    lane: Lane = Lane.interactive,
) -> bool:
    """Replace only a message's buttons (e.g. to show an answer was recorded)."""
    return await _changed(
        bot.edit_message_reply_markup(
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=to_markup(buttons),
            rate_limit_args=_lane_args(lane),
        )
    )
