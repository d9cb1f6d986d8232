"""Oversight: the 组织生活 calendar, branch health and warnings, 换届 terms, 述职评议."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from handlers.oversight import activity, calendar, exemptions, health, reviews, rules, terms
from handlers.shape import add_buttons, add_command, add_form


def register(app: BotApplication) -> None:
    add_command(app, "calendar", N_("组织生活 calendar: /calendar [period]"), calendar.calendar)
    add_command(app, "rules", N_("组织生活 rules: /rules [kind period at-least]"), rules.rules)
    add_command(
        app,
        "exempt",
        N_("exempt a branch from a rule: /exempt [branch kind period reason]"),
        exemptions.exempt,
    )
    add_command(app, "warnings", N_("branch health: every branch by level"), health.warnings)
    add_command(app, "health", N_("your branch's health and what to do"), health.health)
    add_command(
        app, "term", N_("换届: the branch committee's term: /term [YYYY-MM-DD [years]]"), terms.term
    )
    add_command(app, "review", N_("述职评议: /review [open year YYYY-MM-DD]"), reviews.review)
    add_command(app, "annualreport", N_("your yearly 述职报告"), reviews.report)
    add_buttons(
        app,
        calendar.schedule_kind,
        exemptions.exempt_pick,
        rules.rule_pick,
        rules.rule_count_ask,
        health.warnings_page,
        health.branch_details,
        reviews.review_page,
        reviews.open_report,
        reviews.rate_button,
        reviews.report_action,
        reviews.satisfaction,
    )
    add_form(app, *reviews.FORMS, exemptions.FORM, rules.FORM)
    activity.register(app)
