"""Admins: /newbranch (a branch and its secretary's invite) and /branches."""

from __future__ import annotations

from datetime import timedelta

from bot.services import org
from handlers.org import views
from handlers.org.invites import invite_link
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
    """Admin: every branch with secretaries and member counts."""
    rows = await org.branch_overview(turn.s, actor=turn.member)
    for part in views.branches(turn.t, rows):
        await turn.reply(part)
