"""Oversight's texts and keyboards in the reader's language (calendar, rules, exemptions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.delivery.message import Keyboard, OutgoingMessage
from bot.i18n import N_, Html, Translator
from bot.models import BranchTerm, Member, RulePeriod
from bot.services.oversight import calendar as cal
from bot.services.oversight import exemptions, terms
from handlers.home.views import command_button, period_row
from handlers.meetings.views import kind_name
from handlers.oversight.buttons import ScheduleKind

PERIOD_NAMES = {
    RulePeriod.month: N_("monthly"),
    RulePeriod.quarter: N_("quarterly"),
    RulePeriod.year: N_("yearly"),
}

REFUSALS = {
    "bad_kind": N_(
        "“{text}” is not a meeting kind. Use 党员大会, 支委会, 党小组会, 党课, 主题党日, "
        "组织生活会 or 民主评议党员."
    ),
    "bad_rule_period": N_("“{text}” is not a period. Use month, quarter or year (月 / 季度 / 年)."),
    "bad_count": N_("“{text}” is not a number of meetings from 0 to {limit}."),
    "count_again": N_(
        "“{text}” is not a number of meetings from 0 to {limit}. Please type the number "
        "again, e.g. 10, or send /cancel."
    ),
    "unknown_branch": N_("There is no branch called “{name}”. /warnings lists every branch."),
    "no_rule": N_("There is no rule for this kind of meeting; set one with /rules first."),
    "period_kind_month": N_("“{text}” is not a month: this rule counts per month, e.g. 2026-03."),
    "period_kind_quarter": N_(
        "“{text}” is not a quarter: this rule counts per quarter, e.g. 2026-Q1."
    ),
    "period_kind_year": N_("“{text}” is not a year: this rule counts per year, e.g. 2026."),
    "bad_period": N_(
        "“{text}” is not a period. Use this month, last quarter, YYYY-MM, YYYY-Qn or YYYY."
    ),
    "reason_empty": N_("Please give the reason for the exemption."),
    "reason_too_long": N_("The reason is too long (at most {limit} characters)."),
    "already_exempt": N_("{branch} is already exempt from this rule for {period}."),
    "branch_needed": N_("Which branch? Put its name after the command, e.g. /calendar 第一党支部."),
    "own_branch_only": N_("You can see only your own branch: send the command without a name."),
}


def rule_line(t: Translator, rule: cal.Rule) -> str:
    if rule.min_count == 0:
        return t._("{kind}: not required", kind=kind_name(t, rule.kind))
    text = t._(
        "{kind}: {period}, at least {n}",
        kind=kind_name(t, rule.kind),
        period=t.label(PERIOD_NAMES[rule.period]),
        n=rule.min_count,
    )
    if rule.groups_only:
        text += t._(" (only branches with party groups)")
    return text


def _listing(heading: str, items: Iterable[str], usage: str, *, empty: str | None = None) -> str:
    """A heading, a bullet an item (or `empty` when there are none), and how to change them."""
    bullets = [f"• {item}" for item in items]
    if not bullets and empty:
        bullets = [empty]
    return "\n".join([heading, *bullets, "", usage])


def rules_text(t: Translator, rules: list[cal.Rule]) -> str:
    return _listing(
        t._("<b>组织生活 rules</b> (what every branch must hold)"),
        (rule_line(t, r) for r in rules),
        t._(
            "To change one: /rules &lt;kind&gt; &lt;month|quarter|year&gt; &lt;at least&gt;, "
            "e.g. /rules 党课 quarter 2. 0 means not required."
        ),
    )


def rule_changed(t: Translator, before: cal.Rule, after: cal.Rule) -> str:
    return t._(
        "✅ Rule changed. Before: {before}. Now: {after}.",
        before=rule_line(t, before),
        after=rule_line(t, after),
    )


def _period_name(t: Translator, kind: str) -> str:
    return t.label(PERIOD_NAMES[RulePeriod(kind)])


def exemption_line(t: Translator, e: exemptions.ExemptionRow) -> str:
    return t._(
        "{branch} · {kind} · {period}: {reason}",
        branch=e.branch,
        kind=kind_name(t, e.kind),
        period=e.period_label,
        reason=e.reason,
    )


def exemptions_text(t: Translator, rows: list[exemptions.ExemptionRow]) -> str:
    return _listing(
        t._("<b>Exemptions</b> (豁免)"),
        (exemption_line(t, e) for e in rows[:100]),
        t._(
            "To exempt a branch: /exempt &lt;branch&gt; &lt;kind&gt; &lt;period&gt; &lt;reason&gt;, "
            "e.g. /exempt 第一党支部 党员大会 2026-Q1 项目停工"
        ),
        empty=t._("No branch is exempt from any rule."),
    )


def exempted(t: Translator, e: exemptions.ExemptionRow) -> str:
    return t._(
        "✅ Exemption recorded: {line}. It no longer counts toward the compliance rate.",
        line=Html(exemption_line(t, e)),  # already HTML: the reason escaped once
    )


def _days(t: Translator, days: list[datetime]) -> str:
    return "、".join(t.date(d, "short") for d in days)


def status_line(t: Translator, st: cal.RulePeriodStatus) -> str:
    head = t._(
        "{kind} · {period}: required {required}, held {held}, scheduled {scheduled}, "
        "missing {missing}",
        kind=kind_name(t, st.kind),
        period=st.period.label,
        required=st.required,
        held=len(st.held),
        scheduled=len(st.scheduled),
        missing=st.missing,
    )
    mark = "✅" if st.met else ("⏸" if st.exempt_reason else ("❌" if st.closed else "⏳"))
    lines = [f"{mark} {head}"]
    if st.exempt_reason:
        lines.append("   " + t._("exempt: {reason}", reason=st.exempt_reason))
    if st.held:
        lines.append("   " + t._("held: {days}", days=_days(t, st.held)))
    if st.scheduled:
        lines.append("   " + t._("scheduled: {days}", days=_days(t, st.scheduled)))
    return "\n".join(lines)


def rate_text(t: Translator, met: int, due: int) -> str:
    if due == 0:
        return "—"  # the same in every language
    return t._("{met}/{due} = {pct}", met=met, due=due, pct=t.percent(met / due))


def calendar_text(t: Translator, c: cal.Calendar) -> str:
    lines = [
        t._("<b>组织生活 calendar</b> · {branch} · {period}", branch=c.branch, period=c.shown.label)
    ]
    if not c.rows:
        lines.append(t._("No rule applies."))
    lines += [status_line(t, st) for st in c.rows]
    lines.append("")
    lines.append(
        t._(
            "Compliance rate (规范执行率) for {year} so far: {rate}",
            year=c.year,
            rate=rate_text(t, c.met, c.due),
        )
    )
    if c.exempt_count:
        lines.append(
            t.n_(
                "({n} exempt period not counted)",
                "({n} exempt periods not counted)",
                c.exempt_count,
            )
        )
    lines.append(t._("Another period: /calendar 2026-Q4, /calendar last month, /calendar 2026."))
    return "\n".join(lines)


def calendar_buttons(t: Translator, branch: str | None) -> Keyboard:
    """Under /calendar: the usual periods (for the admin's chosen `branch`, its picker
    token), and for an admin another branch."""
    rows: Keyboard = [period_row(t, "calendar", branch or "")]
    if branch:
        rows.append([command_button(t.label("Another branch"), "calendar")])
    return rows


def reminder(t: Translator, items: list[cal.Missing]) -> OutgoingMessage:
    """A calendar reminder: each kind still not held nor scheduled, with a button for it."""
    lines = [t._("<b>组织生活 reminder</b>")]
    buttons: Keyboard = []
    for m in items:
        lines.append(
            "• "
            + t.n_(
                "{kind} for {period} is neither held nor scheduled; the period ends on {end} "
                "({n} day left).",
                "{kind} for {period} is neither held nor scheduled; the period ends on {end} "
                "({n} days left).",
                m.days_left,
                kind=kind_name(t, m.kind),
                period=m.period.label,
                end=t.date(m.ends_on, "short"),
            )
        )
        buttons.append(
            [
                ScheduleKind(kind=m.kind).button(
                    t.label("Schedule {kind}", kind=kind_name(t, m.kind))
                )
            ]
        )
    lines.append(t._("Press a button to schedule it now, or see /calendar."))
    return OutgoingMessage("\n".join(lines), buttons)


def compose_reminder(translator_for: Callable[[Member], Translator]) -> cal.ComposeMissing:
    """A `compose` for the calendar reminders: each secretary in their language."""

    def compose(member: Member, items: list[cal.Missing]) -> OutgoingMessage:
        return reminder(translator_for(member), items)

    return compose


# --------------------------------------------------------------------------- 换届 terms
TERM_REFUSALS = {
    "term_branch_needed": N_(
        "Which branch? /term <branch> shows its term; "
        "/term <branch> YYYY-MM-DD [years] records a new one."
    ),
    "bad_years": N_("“{text}” is not a term length: give whole years from 1 to {limit}."),
    "term_in_future": N_(
        "{day} is in the future: record the term after the election has been held."
    ),
    "bad_date_format": N_("“{text}” is not a date. Please type it as YYYY-MM-DD, e.g. 2026-03-15."),
    "bad_date": N_("“{text}” is not a real date. Please check the month and day."),
}


def _term_line(t: Translator, term: BranchTerm) -> str:
    return t.n_(
        "{start} to {end} ({n} year)",
        "{start} to {end} ({n} years)",
        term.years,
        start=t.date(term.starts_on, "short"),
        end=t.date(term.ends_on, "short"),
    )


def term_text(t: Translator, view: terms.TermView) -> str:
    lines = [t._("<b>Term (任期)</b> · {branch}", branch=view.branch)]
    if view.current is None:
        lines.append(t._("No term is recorded yet."))
    else:
        lines.append(t._("Current term: {term}", term=_term_line(t, view.current)))
        left = (view.current.ends_on - view.today).days
        if view.overdue:
            lines.append(
                t._("⚠️ The term has ended: the election (换届) is {n} days overdue.", n=-left)
            )
        else:
            lines.append(
                t.n_(
                    "The election (换届) is due in {n} day.",
                    "The election (换届) is due in {n} days.",
                    left,
                )
            )
    if len(view.history) > 1:
        lines.append(t._("Earlier terms:"))
        lines += [f"• {_term_line(t, x)}" for x in view.history[1:]]
    lines.append(
        t._(
            "After an election, record the new term: /term YYYY-MM-DD [years] "
            "(admins: /term &lt;branch&gt; YYYY-MM-DD [years])."
        )
    )
    return "\n".join(lines)


def term_recorded(t: Translator, view: terms.TermView) -> str:
    assert view.current is not None
    return t._(
        "✅ Term recorded for {branch}: {term}. Reminders come 6, 3 and 1 months before it ends.",
        branch=view.branch,
        term=_term_line(t, view.current),
    )


def term_reminder_line(t: Translator, r: terms.TermReminder) -> str:
    if r.slot == "unknown":
        return t._(
            "{branch}: no term is recorded. Send /term YYYY-MM-DD with the day of the last election.",
            branch=r.branch,
        )
    assert r.ends_on is not None
    if r.slot == "overdue":
        return t._(
            "{branch}: the term ended on {end}; the election (换届) is overdue. "
            "Hold it and record the new term with /term.",
            branch=r.branch,
            end=t.date(r.ends_on, "short"),
        )
    months = {"6m": 6, "3m": 3, "1m": 1}[r.slot]
    return t.n_(
        "{branch}: the term ends on {end}, in {n} month. Prepare the election (换届).",
        "{branch}: the term ends on {end}, in {n} months. Prepare the election (换届).",
        months,
        branch=r.branch,
        end=t.date(r.ends_on, "short"),
    )


def compose_terms(translator_for: Callable[[Member], Translator]) -> terms.ComposeTerm:
    def compose(member: Member, items: list[terms.TermReminder]) -> OutgoingMessage:
        t = translator_for(member)
        lines = [t._("<b>换届 reminder</b>")]
        lines += [f"• {term_reminder_line(t, r)}" for r in items[:30]]
        if len(items) > 30:
            lines.append(t._("… and {n} more", n=len(items) - 30))
        return OutgoingMessage("\n".join(lines))

    return compose
