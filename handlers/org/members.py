"""The people: /members (the secretary's roster) and /me (one's own record)."""

from __future__ import annotations

from bot.services import org
from handlers.org import views
from handlers.shape import JOINED, SECRETARIES, Turn, handler


@handler(roles=SECRETARIES, refusals=views.REFUSALS)
async def members(turn: Turn[None]) -> None:
    """Secretary: the roster of the own branch."""
    branch, people = await org.roster(turn.s, actor=turn.member)
    for part in views.roster(turn.t, branch=branch, people=people):
        await turn.reply(part)


@handler(roles=JOINED)
async def me(turn: Turn[None]) -> None:
    """Show the person's name, branch, role and the records other features add."""
    branch = await org.branch_of(turn.s, turn.member)
    sections = []
    for section in turn.context.bot_data.me_sections:
        extra = await section(turn.s, turn.context, turn.actor)
        if extra:
            sections.append(extra)
    await turn.reply(
        views.me(turn.t, member=turn.member, branch=branch, role=turn.actor.role, sections=sections)
    )
