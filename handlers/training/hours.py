"""/hours: one's own 学时; a secretary's branch; the committee's every branch."""

from __future__ import annotations

from bot.models import Role
from bot.services import training as svc
from handlers.shape import JOINED, LEADERS, Turn, handler
from handlers.training import views
from handlers.training.buttons import HoursPage


@handler(roles=JOINED, refusals=views.REFUSALS)
async def hours(turn: Turn[None]) -> None:
    """/hours: this year's training hours against the target."""
    tz = turn.settings.tz
    if turn.member.role == Role.admin:
        found = await svc.committee_hours(turn.s, actor=turn.member, now=turn.now, tz=tz)
        text, keyboard = views.committee_hours(turn.t, found, 0)
        await turn.reply(text, keyboard)
        return
    own = await svc.own_hours(turn.s, actor=turn.member, now=turn.now, tz=tz)
    await turn.reply(views.own_hours(turn.t, own))
    if turn.member.role == Role.secretary:
        branch = await svc.branch_hours(turn.s, actor=turn.member, now=turn.now, tz=tz)
        text, keyboard = views.branch_hours(turn.t, branch, 0)
        await turn.reply(text, keyboard)


@handler(roles=LEADERS, button=HoursPage, refusals=views.REFUSALS)
async def hours_page(turn: Turn[HoursPage]) -> None:
    """◀ ▶ through the branch's members or the branches."""
    tz, page = turn.settings.tz, turn.data.page
    if turn.data.scope == "committee":
        found = await svc.committee_hours(turn.s, actor=turn.member, now=turn.now, tz=tz)
        text, keyboard = views.committee_hours(turn.t, found, page)
    else:
        branch = await svc.branch_hours(turn.s, actor=turn.member, now=turn.now, tz=tz)
        text, keyboard = views.branch_hours(turn.t, branch, page)
    await turn.edit(text, keyboard)
