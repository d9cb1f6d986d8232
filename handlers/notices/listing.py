"""/notices: the scheduled notices (each with 取消) and the recent ones."""

from __future__ import annotations

from typing import Any

from bot.delivery.message import Keyboard
from bot.services import notices as svc
from handlers.common import parse_id
from handlers.notices import views
from handlers.shape import LEADERS, Turn, handler


async def view(turn: Turn[Any], number: int = 0) -> tuple[str, Keyboard]:
    return views.listing(turn.t, await svc.listing(turn.s, actor=turn.member), number)


async def show(turn: Turn[Any]) -> None:
    await turn.reply(*await view(turn))


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def notices(turn: Turn[None]) -> None:
    """Scheduled notices (each cancellable) and the recent ones; `page N` from ◀ ▶."""
    args = turn.args
    number = parse_id(args[1]) if len(args) == 2 and args[0] == "page" else None
    await turn.reply(*await view(turn, number or 0))
