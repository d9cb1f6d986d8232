"""诉求 requests: members raise them, the branch handles them, the member rates the result.

Flows in `flow` (提交, 受理, 转交党委, 办结, rating and 退回), lists in `queries`, the
rates in `rates`, the escalation job's work in `escalation`. No telegram here: messages
to other people are composed by the caller's `compose` and written to the outbox.
"""

from bot.services.fanout import Attachment
from bot.services.requests.cards import Action, Card, Step, actions_for, may_handle, may_see
from bot.services.requests.escalation import Escalated, escalate_due
from bot.services.requests.flow import (
    Limits,
    Outcome,
    accept,
    check,
    check_rating,
    forward,
    load,
    rate,
    resolve,
    submit,
    validate_text,
)
from bot.services.requests.notify import Change, Compose, Event
from bot.services.requests.queries import branch_open, committee_open, detail, mine
from bot.services.requests.rates import RequestRates, rates_by_branch, total
from bot.services.requests.workdays import add_working_days, is_working_day

__all__ = [
    "Action",
    "Attachment",
    "Card",
    "Change",
    "Compose",
    "Escalated",
    "Event",
    "Limits",
    "Outcome",
    "RequestRates",
    "Step",
    "accept",
    "actions_for",
    "add_working_days",
    "branch_open",
    "check",
    "check_rating",
    "committee_open",
    "detail",
    "escalate_due",
    "forward",
    "is_working_day",
    "load",
    "may_handle",
    "may_see",
    "mine",
    "rate",
    "rates_by_branch",
    "resolve",
    "submit",
    "total",
    "validate_text",
]
