"""Secretaries: /invite (a member invite link for the own branch) and /invite revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.models import Invite
from bot.services import org
from handlers.org import views
from handlers.shape import SECRETARIES, Turn, handler

REVOKE_WORDS = ("revoke", "撤销")


def invite_link(turn: Turn[Any], invite: Invite) -> str:
    """The deep link that opens the bot with the invite's token."""
    return f"https://t.me/{turn.context.bot.username}?start={invite.token}"


@handler(roles=SECRETARIES, refusals=views.REFUSALS)
async def invite(turn: Turn[None]) -> None:
    """Secretary: a member invite link for the own branch, or `/invite revoke`."""
    args = turn.args
    if args and args[0].lower() in REVOKE_WORDS:
        count = await org.revoke_invites(turn.s, actor=turn.member, now=turn.now)
        await turn.commit()
        await turn.reply(views.invites_revoked(turn.t, count))
        return
    if args:
        await turn.reply(views.invite_usage(turn.t))
        return
    created = await org.create_invite(
        turn.s,
        actor=turn.member,
        now=turn.now,
        ttl=timedelta(days=turn.settings.invite_ttl_days),
        max_uses=turn.settings.invite_max_uses,
    )
    await turn.commit()
    link = invite_link(turn, created)
    await turn.reply(
        views.invite_made(turn.t, invite=created, link=link), views.invite_buttons(turn.t)
    )
