"""/studystatus: completion of the recent items (a page of them, a button each), or of
one item in detail."""

from __future__ import annotations

from bot.delivery.message import split_text
from bot.services import study
from handlers.common import parse_id
from handlers.paging import page_of
from handlers.shape import LEADERS, Turn, handler
from handlers.study import views

RECENT = 100  # items /studystatus pages through, newest first


def _item_arg(args: list[str]) -> int | str | None:
    if not args:
        return None
    raw = args[0].lstrip("#")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else args[0]


def _page_arg(args: list[str]) -> int | None:
    """`/studystatus page 2` (what the ◀ ▶ buttons run): the page, from 0."""
    if len(args) == 2 and args[0] == "page":
        return parse_id(args[1])
    return 0 if not args else None


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def studystatus(turn: Turn[None]) -> None:
    """Secretary: completion in the branch; admin: completion per branch."""
    t = turn.t
    number = _page_arg(turn.args)
    if number is not None:
        items = await study.recent_items(turn.s, actor=turn.member, limit=RECENT)
        page = page_of(items, number, views.STATUS_PAGE)
        branch_id = turn.member.branch_id if turn.actor.is_secretary else None
        counts = await study.rates(turn.s, items=page.items, branch_id=branch_id)
        await turn.reply(*views.overview(t, page, counts))
        return
    arg = _item_arg(turn.args)
    if not isinstance(arg, int):
        await turn.reply(views.item_number_please(t))
        return
    item, rows = await study.status_of(turn.s, actor=turn.member, item_id=arg)
    text = views.details(t, item, rows, every_branch=turn.actor.is_admin)
    # A branch of 300 with their reflections runs to many messages.
    for part in split_text(text):
        await turn.reply(part)
