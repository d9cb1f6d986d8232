"""/term: a branch committee's term (任期) and its history; recording the new one."""

from __future__ import annotations

import re

from bot.services.oversight import terms
from handlers import branch_picker as picker
from handlers.oversight import views
from handlers.oversight.common import REFUSALS
from handlers.shape import LEADERS, Turn, handler

_DATE_LIKE = re.compile(r"^\d{4}\s*[-/.年]")


@handler(roles=LEADERS, refusals=REFUSALS)
async def term(turn: Turn[None]) -> None:
    """Secretary: `/term [YYYY-MM-DD [years]]`; admin: `/term <branch> [YYYY-MM-DD [years]]`."""
    args = await picker.branch_args(turn, "term")
    if args is None:  # an admin who named no branch is choosing one
        return
    branch_name = None
    if turn.actor.is_admin and args and not _DATE_LIKE.match(args[0]):
        branch_name = args.pop(0)
    tz = turn.settings.tz
    if not args:
        view = await terms.term_of(
            turn.s, actor=turn.member, branch_name=branch_name, now=turn.now, tz=tz
        )
        await turn.reply(views.term_text(turn.t, view))
        return
    view = await terms.record_term(
        turn.s,
        actor=turn.member,
        branch_name=branch_name,
        starts_text=args[0],
        years_text=args[1] if len(args) > 1 else None,
        default_years=turn.settings.term_years,
        now=turn.now,
        tz=tz,
    )
    await turn.commit()
    await turn.reply(views.term_recorded(turn.t, view))
