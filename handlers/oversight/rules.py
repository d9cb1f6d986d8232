"""/rules and /exempt (admins): how often each meeting kind must be held, and 豁免."""

from __future__ import annotations

from bot.services.errors import Refused
from bot.services.oversight import calendar as cal
from bot.services.oversight import exemptions
from handlers.oversight import views
from handlers.oversight.common import REFUSALS
from handlers.shape import ADMINS, Turn, handler


@handler(roles=ADMINS, refusals=REFUSALS)
async def rules(turn: Turn[None]) -> None:
    """Admin: the rules with their current values; `/rules <kind> <period> <n>` changes one."""
    args = turn.args
    if not args:
        current = await cal.rules(turn.s, now=turn.now)
        await turn.commit()
        await turn.reply(views.rules_text(turn.t, current))
        return
    if len(args) != 3:
        await turn.reply(views.rules_text(turn.t, await cal.rules(turn.s, now=turn.now)))
        return
    before, after = await cal.set_rule(
        turn.s,
        actor=turn.member,
        kind_text=args[0],
        period_text=args[1],
        count_text=args[2],
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.rule_changed(turn.t, before, after))


@handler(roles=ADMINS, refusals=REFUSALS)
async def exempt(turn: Turn[None]) -> None:
    """Admin: list exemptions; `/exempt <branch> <kind> <period> <reason>` adds one."""
    args = turn.args
    if not args:
        rows = await exemptions.exemptions(turn.s, actor=turn.member)
        await turn.reply(views.exemptions_text(turn.t, rows))
        return
    if len(args) < 4:
        raise Refused("reason_empty")
    row = await exemptions.exempt(
        turn.s,
        actor=turn.member,
        branch_name=args[0],
        kind_text=args[1],
        period_text=args[2],
        reason=" ".join(args[3:]),
        now=turn.now,
        tz=turn.settings.tz,
    )
    await turn.commit()
    await turn.reply(views.exempted(turn.t, row))
