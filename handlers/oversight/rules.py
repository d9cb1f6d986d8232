"""/rules (admins): how often each meeting kind must be held, typed or by buttons —
kind → month / quarter / year → at least how many (a button up to 6; 其他数目… asks for
the number to be typed)."""

from __future__ import annotations

from bot.models import FormState, RulePeriod
from bot.services.errors import Refused
from bot.services.oversight import calendar as cal
from handlers.home.views import back_to
from handlers.oversight import rule_views, views
from handlers.oversight.buttons import RuleCountAsk, RulePick
from handlers.oversight.common import REFUSALS
from handlers.shape import ADMINS, Form, Turn, closing_form, form_step, handler

FORM_NAME = "ov_rule_count"


def count_text(text: str) -> str:
    """What was typed as a count, for the service; refused here when it is digits int()
    cannot read (²), which the service's isdigit() would let through."""
    text = text.strip()
    if text.isdigit() and not text.isdecimal():
        raise Refused("bad_count", text=text[:20], limit=cal.MIN_COUNT_MAX)
    return text


@handler(roles=ADMINS, refusals=REFUSALS)
async def rules(turn: Turn[None]) -> None:
    """Admin: the rules with their current values; `/rules <kind> <period> <n>` changes one."""
    args = turn.args
    if len(args) != 3:
        current = await cal.rules(turn.s, now=turn.now)
        await turn.commit()  # the default rules, written the first time they are read
        await turn.reply(
            views.rules_text(turn.t, current), rule_views.rules_buttons(turn.t, current)
        )
        return
    before, after = await cal.set_rule(
        turn.s,
        actor=turn.member,
        kind_text=args[0],
        period_text=args[1],
        count_text=count_text(args[2]),
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.rule_changed(turn.t, before, after))


@handler(roles=ADMINS, button=RulePick, refusals=REFUSALS)
async def rule_pick(turn: Turn[RulePick]) -> None:
    """A kind chosen: how often; a period chosen: at least how many; a count: changed by
    the service /rules calls (which checks the kind, the period and the count again)."""
    pick, t = turn.data, turn.t
    if pick.period is None:
        current = await cal.rules(turn.s, now=turn.now)
        rule = next((r for r in current if r.kind == pick.kind), None)
        rule = rule or cal.Rule(pick.kind, RulePeriod.year, 0, False)
        await turn.commit()
        await turn.edit(*rule_views.rule_period_ask(t, rule))
        return
    if pick.count is None:
        await turn.edit(*rule_views.rule_count_ask(t, pick.kind, pick.period))
        return
    before, after = await cal.set_rule(
        turn.s,
        actor=turn.member,
        kind_text=pick.kind.value,
        period_text=pick.period.value,
        count_text=str(pick.count),
        now=turn.now,
    )
    await turn.commit()
    await turn.edit(views.rule_changed(t, before, after), [back_to(t, "rules")])


@handler(roles=ADMINS, button=RuleCountAsk, refusals=REFUSALS)
async def rule_count_ask(turn: Turn[RuleCountAsk]) -> None:
    """其他数目…: the count is asked (a form)."""
    pick = turn.data
    data = {"kind": pick.kind.value, "period": pick.period.value}
    await turn.open_form(FORM_NAME, "count", data)
    await turn.commit()
    await turn.edit(rule_views.rule_count_typed_ask(turn.t, pick.kind, pick.period))


@form_step(roles=ADMINS, refusals=REFUSALS)
async def rule_count(turn: Turn[None], state: FormState) -> None:
    """The count typed: the rule changed by the service /rules calls; a count it refuses
    is asked again (the form stays open)."""
    try:
        async with closing_form(turn, retype={"bad_count"}):
            before, after = await cal.set_rule(
                turn.s,
                actor=turn.member,
                kind_text=str(state.data["kind"]),
                period_text=str(state.data["period"]),
                count_text=count_text(turn.text),
                now=turn.now,
            )
    except Refused as exc:
        if exc.code == "bad_count":
            raise Refused("count_again", **exc.params) from exc
        raise
    await turn.reply(views.rule_changed(turn.t, before, after), [back_to(turn.t, "rules")])


FORM = Form(FORM_NAME, steps={"count": rule_count})
