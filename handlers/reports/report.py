"""/report [branch] [period]: one chart (PNG) and a short summary beneath."""

from __future__ import annotations

import asyncio

from telegram import Message

from bot.delivery import sender
from bot.delivery.message import OutgoingMessage
from bot.models import MediaFile
from bot.services import reports as svc
from bot.services.oversight.indicators import Thresholds
from bot.services.periods import Period, local_today, parse_period
from handlers import common
from handlers.reports import charts, views
from handlers.shape import LEADERS, Turn, handler

DEFAULT_PERIOD = "this quarter"


async def scope_and_period(turn: Turn[None]) -> tuple[svc.Scope, Period]:
    """What was typed: an optional branch (admins), then an optional period."""
    scope, rest = await svc.resolve(turn.s, actor=turn.member, words=turn.args)
    tz = turn.settings.tz
    return scope, parse_period(" ".join(rest) or DEFAULT_PERIOD, local_today(turn.now, tz))


async def reply_photo(turn: Turn[None], filename: str, png: bytes, caption: str) -> Message:
    """A picture to the person who asked (interactive lane); the row is not stored."""
    media = MediaFile(filename=filename, content=png, created_at=turn.now)
    msg = OutgoingMessage(text=caption, media_kind="photo")
    return await sender.send(turn.context.bot, common.chat_id_of(turn.update), msg, media=media)


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def report(turn: Turn[None]) -> None:
    """Secretary: own branch; admin: the committee or a named branch."""
    scope, period = await scope_and_period(turn)
    tz = turn.settings.tz
    thresholds = Thresholds.from_settings(turn.settings)
    rep = await svc.report(
        turn.s, scope=scope, period=period, tz=tz, now=turn.now, thresholds=thresholds
    )
    await turn.commit()  # the calendar's default rules, written the first time they are read
    if rep.empty:
        await turn.reply(views.no_data(turn.t, scope, period))
        return
    # Drawing is CPU work: in a thread, so the bot keeps answering others meanwhile.
    png = await asyncio.to_thread(charts.render, views.chart(turn.t, rep))
    await reply_photo(turn, "report.png", png, views.summary(turn.t, rep))
