"""The pledge's line in /me."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import BotContext
from bot.services import pledges as svc
from handlers.common import Actor
from handlers.pledges import views


async def me_section(s: AsyncSession, context: BotContext, actor: Actor) -> str | None:
    """This year's pledge status in /me."""
    if not actor.is_member or actor.member is None:
        return None
    now, tz = context.clock.now(), context.settings.tz
    pledge = await svc.current(s, member=actor.member, now=now, tz=tz)
    return views.me_line(actor.t, pledge, svc.pledge_year(now, tz))
