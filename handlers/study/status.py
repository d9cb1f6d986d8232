"""/studystatus: completion of the recent items, or of one item in detail."""

from __future__ import annotations

from bot.delivery.message import split_text
from bot.services import study
from handlers.shape import LEADERS, Turn, handler
from handlers.study import views


def _item_arg(args: list[str]) -> int | str | None:
    if not args:
        return None
    raw = args[0].lstrip("#")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else args[0]


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def studystatus(turn: Turn[None]) -> None:
    """Secretary: completion in the branch; admin: completion per branch."""
    t, arg = turn.t, _item_arg(turn.args)
    if arg is None:
        items = await study.recent_items(turn.s, actor=turn.member)
        branch_id = turn.member.branch_id if turn.actor.is_secretary else None
        counts = await study.rates(turn.s, items=items, branch_id=branch_id)
        text = views.overview(t, items, counts)
    elif isinstance(arg, str):
        text = views.item_number_please(t)
    else:
        item, rows = await study.status_of(turn.s, actor=turn.member, item_id=arg)
        text = views.details(t, item, rows, every_branch=turn.actor.is_admin)
    # A branch of 300 with their reflections runs to many messages.
    for part in split_text(text):
        await turn.reply(part)
