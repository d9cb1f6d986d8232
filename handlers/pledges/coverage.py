"""Who has pledged: the secretary's coverage with 提醒, the committee's overview."""

from __future__ import annotations

from typing import Any

from bot.services import pledges as svc
from bot.services.periods import local_today
from handlers.pledges import messages, views
from handlers.pledges.buttons import Remind
from handlers.pledges.shared import REFUSALS, reply_parts
from handlers.shape import SECRETARIES, Turn, handler


async def show_coverage(turn: Turn[Any]) -> None:
    cov = await svc.coverage(turn.s, actor=turn.member, now=turn.now, tz=turn.settings.tz)
    lines, keyboard = views.coverage(turn.t, cov)
    await reply_parts(turn, lines, keyboard)


async def show_overview(turn: Turn[Any], year: int | None) -> None:
    tz = turn.settings.tz
    rows = await svc.overview(turn.s, actor=turn.member, now=turn.now, tz=tz, year=year)
    keyboard = None
    if rows:
        this_year = local_today(turn.now, tz).year
        keyboard = views.year_buttons(turn.t, rows[0].year, this_year)
    await reply_parts(turn, views.overview(turn.t, rows), keyboard)


@handler(roles=SECRETARIES, button=Remind, refusals=REFUSALS)
async def remind_button(turn: Turn[Remind]) -> None:
    """Remind everyone who has not submitted (each at most once a day)."""
    compose = turn.per_language(messages.reminder)
    done = await svc.remind_missing(
        turn.s, actor=turn.member, now=turn.now, tz=turn.settings.tz, compose=compose
    )
    await turn.commit()
    await turn.answer(views.reminded(turn.t, done), alert=True)
