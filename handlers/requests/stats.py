"""/asks stats [period]: received, 响应率, 解决率, 满意率 and days to resolve per branch."""

from __future__ import annotations

from typing import Any

from bot.models import Role
from bot.services import org
from bot.services import requests as svc
from bot.services.errors import Refused
from bot.services.periods import local_today, parse_period
from handlers.requests import views
from handlers.shape import Turn

DEFAULT_PERIOD = "this quarter"


async def show(turn: Turn[Any], text: str) -> None:
    """Admins: every branch and overall; a secretary: their branch."""
    member = turn.member
    if member.role not in (Role.admin, Role.secretary):
        raise Refused("not_allowed")
    tz = turn.settings.tz
    period = parse_period(text or DEFAULT_PERIOD, local_today(turn.now, tz))
    since, until = period.bounds(tz)
    if member.role == Role.admin:
        branches = [(b.id, b.name) for b in await org.branch_overview(turn.s, actor=member)]
    else:
        branch = await org.branch_of(turn.s, member)
        if branch is None or branch.id is None:
            raise Refused("no_branch")
        branches = [(branch.id, branch.name)]
    rates = await svc.rates_by_branch(
        turn.s, branch_ids=[b for b, _ in branches], since=since, until=until, now=turn.now
    )
    rows = [(name, rates[b]) for b, name in branches]
    overall = svc.total(rates.values()) if member.role == Role.admin else None
    await turn.reply(views.stats(turn.t, period, rows, overall), views.stats_buttons(turn.t))
