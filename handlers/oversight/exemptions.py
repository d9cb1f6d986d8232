"""/exempt (admins): the exemptions (豁免), one added by typing or by buttons —
branch → rule → period, then the reason typed into a guided form."""

from __future__ import annotations

from bot.models import Branch, FormState
from bot.services.errors import Refused
from bot.services.oversight import calendar as cal
from bot.services.oversight import exemptions
from bot.services.periods import local_today, parse_period
from handlers import branch_picker as picker
from handlers.oversight import rule_views, views
from handlers.oversight.buttons import ExemptPick
from handlers.oversight.common import REFUSALS
from handlers.shape import ADMINS, Form, Turn, closing_form, form_step, handler

FORM_NAME = "ov_exempt"
RETYPE = frozenset({"reason_empty", "reason_too_long"})


@handler(roles=ADMINS, refusals=REFUSALS)
async def exempt(turn: Turn[None]) -> None:
    """Admin: list exemptions; `/exempt <branch> <kind> <period> <reason>` adds one;
    `/exempt <branch>` (or the list's button, through the branch picker) asks by buttons."""
    args = turn.args
    number = picker.page_arg(args)
    if number is not None:
        await picker.show_picker(turn, "exempt", number)
        return
    if not args:
        rows = await exemptions.exemptions(turn.s, actor=turn.member)
        await turn.reply(views.exemptions_text(turn.t, rows), rule_views.exempt_add(turn.t))
        return
    args = await picker.named_args(turn, args)
    if len(args) == 1:
        branch = await cal.branch_named(turn.s, args[0])
        rules = await cal.rules(turn.s, now=turn.now)
        await turn.commit()  # the default rules, written the first time they are read
        assert branch.id is not None
        await turn.reply(*rule_views.exempt_kinds(turn.t, branch.id, branch.name, rules))
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


async def _branch_and_rule(turn: Turn[ExemptPick]) -> tuple[Branch, cal.Rule]:
    """The pressed branch and its rule, as they are now (a forged or stale press refused)."""
    pick = turn.data
    branch = await turn.s.get(Branch, pick.branch_id)
    if branch is None:
        raise Refused("unknown_branch", name=picker.token(pick.branch_id))
    rules = await cal.rules(turn.s, now=turn.now)
    rule = next((r for r in rules if r.kind == pick.kind), None)
    if rule is None or rule.min_count == 0:
        raise Refused("no_rule", kind=pick.kind.value)
    return branch, rule


@handler(roles=ADMINS, button=ExemptPick, refusals=REFUSALS)
async def exempt_pick(turn: Turn[ExemptPick]) -> None:
    """A rule chosen: its periods; a period chosen: the reason is asked (a form)."""
    pick, t = turn.data, turn.t
    branch, rule = await _branch_and_rule(turn)
    today = local_today(turn.now, turn.settings.tz)
    current = rule.period_of(today)
    if pick.period is None:
        periods = [current.previous(), current, current.next()]
        await turn.edit(*rule_views.exempt_periods(t, pick, branch.name, periods, current))
        return
    period = parse_period(pick.period, today)
    if period.kind != rule.period.value:
        raise Refused(f"period_kind_{rule.period.value}", text=pick.period[:20])
    taken = await exemptions.exemptions(turn.s, actor=turn.member)
    if any(
        e.branch == branch.name and e.kind == pick.kind and e.period_label == period.label
        for e in taken
    ):
        raise Refused("already_exempt", branch=branch.name, period=period.label)
    data = {"branch_id": branch.id, "kind": pick.kind.value, "period": period.label}
    await turn.open_form(FORM_NAME, "reason", data)
    await turn.commit()
    await turn.edit(rule_views.exempt_reason_ask(t, branch.name, pick.kind, period.label))


@form_step(roles=ADMINS, refusals=REFUSALS)
async def exempt_reason(turn: Turn[None], state: FormState) -> None:
    """The reason typed: the exemption recorded by the service /exempt calls."""
    branch = await turn.s.get(Branch, int(state.data["branch_id"]))
    async with closing_form(turn, retype=RETYPE):
        row = await exemptions.exempt(
            turn.s,
            actor=turn.member,
            branch_name=branch.name if branch else picker.token(int(state.data["branch_id"])),
            kind_text=str(state.data["kind"]),
            period_text=str(state.data["period"]),
            reason=turn.text,
            now=turn.now,
            tz=turn.settings.tz,
        )
    await turn.reply(views.exempted(turn.t, row))


FORM = Form(FORM_NAME, steps={"reason": exempt_reason})
