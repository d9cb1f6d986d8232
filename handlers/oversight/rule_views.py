"""The button paths of /rules and /exempt: each step's question and its buttons."""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.message import Button, Keyboard
from bot.i18n import N_, Translator
from bot.models import MeetingKind, RulePeriod
from bot.services.oversight import calendar as cal
from bot.services.oversight.exemptions import REASON_MAX
from bot.services.periods import Period
from handlers.home.views import back_to, command_button
from handlers.meetings.views import kind_name
from handlers.oversight.buttons import ExemptPick, RuleCountAsk, RulePick
from handlers.oversight.views import PERIOD_NAMES, rule_line

# The counts a rule offers as buttons; more (up to cal.MIN_COUNT_MAX) are typed after
# OTHER_COUNT.
COUNTS = (0, 1, 2, 3, 4, 5, 6)
OTHER_COUNT = N_("Other number…")


def _rows(buttons: Sequence[Button], columns: int) -> Keyboard:
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def rules_buttons(t: Translator, rules: Sequence[cal.Rule]) -> Keyboard:
    """Under /rules: a button per kind, to change its rule (培训 too, which has no rule
    until one is set)."""
    kinds = [r.kind for r in rules]
    kinds += [k for k in MeetingKind if k not in kinds]
    return _rows([RulePick(kind=k).button(kind_name(t, k)) for k in kinds], 2)


def rule_period_ask(t: Translator, rule: cal.Rule) -> tuple[str, Keyboard]:
    text = t._(
        "<b>{kind}</b>, now: {line}.\nHow often must it be held?",
        kind=kind_name(t, rule.kind),
        line=rule_line(t, rule),
    )
    buttons = [
        RulePick(kind=rule.kind, period=p).button(t.label(PERIOD_NAMES[p])) for p in RulePeriod
    ]
    return text, [buttons, back_to(t, "rules")]


def rule_count_ask(t: Translator, kind: MeetingKind, period: RulePeriod) -> tuple[str, Keyboard]:
    text = t._(
        "<b>{kind}</b>, {period}: at least how many? 0 means not required; "
        "for more than {most}, press “{other}”.",
        kind=kind_name(t, kind),
        period=t.label(PERIOD_NAMES[period]),
        most=COUNTS[-1],
        other=t.label(OTHER_COUNT),
    )
    buttons = [RulePick(kind=kind, period=period, count=n).button(str(n)) for n in COUNTS]
    other = RuleCountAsk(kind=kind, period=period).button(t.label(OTHER_COUNT))
    return text, [*_rows(buttons, 4), [other], back_to(t, "rules")]


def rule_count_typed_ask(t: Translator, kind: MeetingKind, period: RulePeriod) -> str:
    return t._(
        "<b>{kind}</b>, {period}: type at least how many, a number from 0 to {limit} "
        "(e.g. 10), or send /cancel.",
        kind=kind_name(t, kind),
        period=t.label(PERIOD_NAMES[period]),
        limit=cal.MIN_COUNT_MAX,
    )


def exempt_add(t: Translator) -> Keyboard:
    """Under the list of exemptions: add one (the branch picker first)."""
    return [[command_button(t.label("Add an exemption"), "exempt", "page 0")]]


def exempt_kinds(
    t: Translator, branch_id: int, branch: str, rules: Sequence[cal.Rule]
) -> tuple[str, Keyboard]:
    """Step 2: the rules in force, a button each."""
    due = [r for r in rules if r.min_count > 0]
    text = t._("Exempt <b>{branch}</b> from which rule?", branch=branch)
    buttons = [
        ExemptPick(branch_id=branch_id, kind=r.kind).button(kind_name(t, r.kind)) for r in due
    ]
    return text, [*_rows(buttons, 2), back_to(t, "exempt")]


def exempt_periods(
    t: Translator,
    pick: ExemptPick,
    branch: str,
    periods: Sequence[Period],
    current: Period,
) -> tuple[str, Keyboard]:
    """Step 3: the rule's last, this and next period."""
    text = t._(
        "Exempt <b>{branch}</b> from {kind}: for which period?",
        branch=branch,
        kind=kind_name(t, pick.kind),
    )

    def label(p: Period) -> str:
        return t.label("{period} (now)", period=p.label) if p == current else p.label

    buttons = [
        ExemptPick(branch_id=pick.branch_id, kind=pick.kind, period=p.label).button(label(p))
        for p in periods
    ]
    return text, [buttons, back_to(t, "exempt")]


def exempt_reason_ask(t: Translator, branch: str, kind: MeetingKind, period: str) -> str:
    return t._(
        "Exempt <b>{branch}</b> from {kind} for {period}.\n"
        "Type the reason (at most {limit} characters), or send /cancel.",
        branch=branch,
        kind=kind_name(t, kind),
        period=period,
        limit=REASON_MAX,
    )
