"""Admins: /newbranch (a branch and its secretary's invite) and /branches."""

from __future__ import annotations

from datetime import timedelta

from bot.services import org
from handlers import branch_picker as picker
from handlers.org import views
from handlers.org.invites import invite_link
from handlers.paging import page_of
from handlers.shape import ADMINS, Turn, handler


@handler(roles=ADMINS, refusals=views.REFUSALS)
async def newbranch(turn: Turn[None]) -> None:
    """Admin: create a branch and get the secretary's one-time invite link."""
    branch, invite = await org.create_branch(
        turn.s,
        actor=turn.member,
        name=" ".join(turn.args),
        now=turn.now,
        invite_ttl=timedelta(days=turn.settings.invite_ttl_days),
    )
    await turn.commit()
    await turn.reply(
        views.branch_created(turn.t, branch=branch, invite=invite, link=invite_link(turn, invite))
    )


@handler(roles=ADMINS)
async def branches(turn: Turn[None]) -> None:
    """Admin: every branch with secretaries and member counts, a page at a time, a button
    each; `/branches @<id>` (that button) what one can look at for that branch."""
    rows = await org.branch_overview(turn.s, actor=turn.member)
    args = turn.args
    match = picker.TOKEN.match(args[0]) if len(args) == 1 else None
    if match is not None:
        row = next((r for r in rows if r.id == int(match.group(1))), None)
        if row is None:  # gone since the list was drawn, or a forged press
            await turn.reply(turn.t._("This branch does not exist (any more)."))
            return
        await turn.reply(*views.branch_card(turn.t, row))
        return
    number = picker.page_arg(args) or 0
    parts, keyboard = views.branches(turn.t, page_of(rows, number, views.BRANCH_PAGE))
    for part in parts[:-1]:
        await turn.reply(part)
    await turn.reply(parts[-1], keyboard or None)
