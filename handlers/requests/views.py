"""诉求 in the reader's language: cards, lists, previews, stats and the outbox messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from bot.delivery.message import Button, Keyboard
from bot.i18n import N_, Html, Translator
from bot.models import RequestKind, RequestRating, RequestState, Role
from bot.services.periods import Period
from bot.services.requests import (
    Action,
    Card,
    Outcome,
    RequestRates,
)
from handlers.home.views import command_button, period_row
from handlers.labels import labels
from handlers.paging import Page, paged_keyboard
from handlers.requests.buttons import (
    Act,
    AskStep,
    ChooseKind,
    ListPage,
    OpenRequest,
    Rate,
    ShowFile,
)
from handlers.shape import Refusals

KINDS = labels(
    {
        RequestKind.issue: N_("Request"),
        RequestKind.suggestion: N_("Suggestion"),
        RequestKind.help: N_("Help needed"),
    }
)
STATES = labels(
    {
        RequestState.submitted: N_("waiting to be accepted"),
        RequestState.accepted: N_("accepted"),
        RequestState.forwarded: N_("forwarded to the committee"),
        RequestState.resolved: N_("resolved, waiting for your rating"),
        RequestState.reopened: N_("reopened"),
        RequestState.closed: N_("closed"),
    }
)
RATINGS = labels(
    {
        RequestRating.satisfied: N_("Satisfied"),
        RequestRating.fair: N_("Fairly satisfied"),
        RequestRating.dissatisfied: N_("Dissatisfied"),
    }
)
ACT_ORDER: tuple[Literal["accept", "resolve", "forward", "take"], ...] = (
    "accept",
    "resolve",
    "forward",
    "take",
)
ACTIONS = {
    "accept": N_("Accept"),
    "resolve": N_("Resolve"),
    "forward": N_("Forward to committee"),
    "take": N_("Take over"),
}
HISTORY = {
    "submitted": N_("submitted"),
    "accepted": N_("accepted"),
    "forwarded": N_("forwarded to the committee"),
    "resolved": N_("resolved"),
    "reopened": N_("reopened"),
    "rated": N_("rated"),
    "taken_over": N_("taken over"),
}

REFUSALS = Refusals(
    {
        "unknown_request": N_("This request does not exist, or it is not yours to see."),
        "text_empty": N_("Please type what you want to raise."),
        "text_too_long": N_(
            "That is {length} characters; at most {limit} fit. Please shorten it and send it again."
        ),
        "reason_empty": N_("Please type the reason."),
        "reason_too_long": N_(
            "The reason is {length} characters; at most {limit} fit. Please shorten it."
        ),
        "reply_empty": N_("Please type the reply (or send a document with the reply as caption)."),
        "reply_too_long": N_(
            "The reply is {length} characters; at most {limit} fit. Please shorten it."
        ),
        "already_accepted": N_("This request has already been accepted."),
        "already_forwarded": N_("This request has already been forwarded to the committee."),
        "with_committee": N_("This request is with the committee now."),
        "admin_no_forward": N_("The committee handles this request itself."),
        "already_resolved": N_("This request has already been resolved."),
        "accept_first": N_("Please accept the request first."),
        "own_request": N_("You raised this request yourself, so someone else handles it."),
        "already_yours": N_("You handle this request already."),
        "not_takeable": N_("This request cannot be taken over now."),
        "already_rated": N_("You have already rated this request. Thank you."),
        "already_reopened": N_("You reopened this request already; it is being handled again."),
        "not_rateable": N_("This request can be rated once it is resolved."),
        "form_gone": N_("This form was already submitted or cancelled. Send /ask to start again."),
        "busy": N_("Many requests arrived at once. Please press Submit again."),
        "bad_period": N_(
            "I did not understand the period {text}. Try: this month, last quarter, 2026-11, "
            "2026-Q4 or 2026."
        ),
    }
)

TEXT_SHOWN = 2000
REPLY_SHOWN = 800
REASON_SHOWN = 200
HISTORY_SHOWN = 10
# Telegram allows 4096 characters; room is left for the tags the count does not include.
MESSAGE_SHOWN = 4000


def clip(text: str | None, limit: int) -> str:
    """Shown shorter when a message would pass Telegram's limit; stored in full."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def title(t: Translator, card: Card) -> str:
    return t._("<b>{kind} #{number}</b>", kind=t.label(KINDS[card.kind]), number=card.number)


def state_name(t: Translator, card: Card) -> str:
    return t.label(STATES[card.state])


def rating_name(t: Translator, rating: RequestRating) -> str:
    return t.label(RATINGS[rating])


def kind_picker(t: Translator) -> tuple[str, Keyboard]:
    text = t._(
        "<b>Raise a request</b>\nWhat would you like to raise? Only you, your branch's "
        "secretaries and the committee will see it."
    )
    return text, [[ChooseKind(kind=k).button(t.label(label)) for k, label in KINDS.items()]]


def ask_prompt(t: Translator, kind: RequestKind, limit: int) -> str:
    return t._(
        "<b>{kind}</b>: please type it in one message (at most {limit} characters). You may "
        "send a photo or document with the text as its caption. /cancel stops.",
        kind=t.label(KINDS[kind]),
        limit=limit,
    )


def preview(t: Translator, data: dict[str, object]) -> tuple[str, Keyboard]:
    """The preview before 提交: the text exactly as typed, and the attachment if any."""
    kind = RequestKind(str(data["kind"]))
    lines = [
        t._("<b>Preview — {kind}</b>", kind=t.label(KINDS[kind])),
        "",
        t._("{text}", text=str(data.get("text") or "")),
        "",
    ]
    if data.get("file_id"):
        what = N_("a photo") if data.get("media_kind") == "photo" else N_("a document")
        lines.append(t._("📎 Attached: {what}", what=t.label(what)))
    lines.append(
        t._(
            "Press Submit to send it to your branch. To change the text, type it again; to "
            "attach a photo or document, send it now."
        )
    )
    buttons = [
        [
            AskStep(action="submit").button(t.label("Submit request")),
            AskStep(action="cancel").button(t.label("Cancel")),
        ]
    ]
    return "\n".join(lines), buttons


def submitted(t: Translator, outcome: Outcome) -> str:
    """The confirmation keeps what was sent: kind, number, when, to how many."""
    card = outcome.card
    return t._(
        "✅ Submitted: {title}, {when}. Your branch's secretaries have been told ({n}). "
        "You will be told when it is accepted and resolved; see it any time with /asks.",
        title=Html(title(t, card)),
        when=t.datetime(card.created_at, "short"),
        n=outcome.told,
    )


def age(t: Translator, card: Card, now: datetime) -> str:
    days = max(0, (now - card.created_at).days)
    if days == 0:
        return t._("today")
    return t.n_("{n} day", "{n} days", days)


def summary_line(t: Translator, card: Card, now: datetime, *, branch: bool = False) -> str:
    parts = [title(t, card)]
    if branch:
        parts.append(t._("{name}", name=card.branch_name))
    parts += [state_name(t, card), age(t, card, now)]
    if card.escalated and card.open:
        parts.append("⚠️")
    return " · ".join(parts) + "\n" + t._("{text}", text=clip(card.text, 60))


def list_footer(t: Translator, role: str, scope: str) -> Keyboard:
    """Under a list: the other lists this person may open (a secretary's own requests,
    the statistics for secretaries and admins)."""
    row = []
    if role == Role.secretary:
        if scope == "mine":
            row.append(command_button(t.label("Branch requests"), "asks"))
        else:
            row.append(command_button(t.label("My own requests"), "asks", "mine"))
    if role in (Role.secretary, Role.admin):
        row.append(command_button(t.label("Statistics"), "asks", "stats", back="asks"))
    return [row] if row else []


def stats_buttons(t: Translator) -> Keyboard:
    """Under /asks stats: the usual periods."""
    return [period_row(t, "asks", "stats", back="asks")]


def list_view(
    t: Translator,
    page: Page[Card],
    scope: str,
    now: datetime,
    footer: Keyboard | None = None,
) -> tuple[str, Keyboard]:
    heading = {
        "mine": N_("<b>My requests</b> ({n})"),
        "branch": N_("<b>Open requests of the branch</b> ({n}), the longest waiting first"),
        "committee": N_(
            "<b>Requests for the committee</b> ({n}): forwarded, overdue or taken over"
        ),
    }[scope]
    if not page.total:
        empty = {
            "mine": N_("You have not raised any request yet. Send /ask to raise one."),
            "branch": N_("The branch has no open requests."),
            "committee": N_("No request is waiting for the committee."),
        }[scope]
        return t._(empty), footer or []
    blocks = [t._(heading, n=page.total)]
    blocks += [summary_line(t, c, now, branch=scope == "committee") for c in page.items]
    caption = page.caption(t)
    if caption:
        blocks.append(caption)
    keyboard = paged_keyboard(
        page,
        lambda c: OpenRequest(request_id=c.id).button(
            t.label("#{number} {kind}", number=c.number, kind=t.label(KINDS[c.kind]))
        ),
        lambda n: ListPage(scope=scope, page=n),  # type: ignore[arg-type]
        columns=2,
        footer=footer,
    )
    return "\n\n".join(blocks), keyboard


def detail(t: Translator, card: Card, actions: frozenset[Action]) -> tuple[str, Keyboard]:
    """The full request and its buttons; the text is shown shorter if it would not fit."""
    text = detail_text(t, card, TEXT_SHOWN)
    if len(text) > MESSAGE_SHOWN:
        text = detail_text(t, card, max(100, TEXT_SHOWN - (len(text) - MESSAGE_SHOWN)))
    keyboard = buttons(t, card, actions)
    files = []
    if card.file_id:
        files.append(ShowFile(request_id=card.id, which="ask").button(t.label("Show attachment")))
    if card.reply_file_id:
        files.append(ShowFile(request_id=card.id, which="reply").button(t.label("Show reply file")))
    if files:
        keyboard.append(files)
    return text, keyboard


def detail_text(t: Translator, card: Card, text_shown: int) -> str:
    """Who, when, state, text, reply, reasons, rating and the latest history."""
    lines = [
        title(t, card) + t._(" · {branch}", branch=card.branch_name),
        t._(
            "From {name}, {when}", name=card.member_name, when=t.datetime(card.created_at, "short")
        ),
        t._("State: {state}", state=state_name(t, card)),
    ]
    if card.handler_name:
        lines.append(t._("Handled by {name}", name=card.handler_name))
    if card.state == RequestState.submitted:
        lines.append(t._("To be accepted by {when}", when=t.datetime(card.accept_due_at, "short")))
    elif card.open:
        lines.append(t._("To be resolved by {when}", when=t.datetime(card.resolve_due_at, "short")))
    lines += ["", t._("{text}", text=clip(card.text, text_shown))]
    if card.file_id:
        lines.append(t._("📎 with an attachment"))
    if card.forward_reason:
        lines.append(
            t._("Forwarded because: {reason}", reason=clip(card.forward_reason, REASON_SHOWN))
        )
    if card.reply:
        lines += ["", t._("<b>Reply</b>: {reply}", reply=clip(card.reply, REPLY_SHOWN))]
    if card.reopen_reason:
        lines.append(
            t._("Reopened because: {reason}", reason=clip(card.reopen_reason, REASON_SHOWN))
        )
    if card.rating:
        lines.append(t._("Rated by the member: {rating}", rating=rating_name(t, card.rating)))
    if card.history:
        lines += ["", t._("<b>History</b>")]
        lines += [
            t._(
                "{when} · {what} · {who}",
                when=t.datetime(step.at, "short"),
                what=t.label(HISTORY.get(step.action, step.action)),
                who=step.actor_name or t.label("automatic"),
            )
            for step in card.history[-HISTORY_SHOWN:]
        ]
    return "\n".join(lines)


def buttons(t: Translator, card: Card, actions: frozenset[Action]) -> Keyboard:
    """受理 / 办结 / 转交党委 / 接手办理, or the three ratings, as the actions allow."""
    row: list[Button] = [
        Act(request_id=card.id, action=a).button(t.label(ACTIONS[a]))
        for a in ACT_ORDER
        if Action(a) in actions
    ]
    rows: Keyboard = [row] if row else []
    if Action.rate in actions:
        rows.append(
            [
                Rate(request_id=card.id, rating=r).button(t.label(label))
                for r, label in RATINGS.items()
            ]
        )
    return rows


def stats(
    t: Translator,
    period: Period,
    rows: Sequence[tuple[str, RequestRates]],
    overall: RequestRates | None,
) -> str:
    """Per branch and overall: received, 响应率, 解决率, 满意率, average days to resolve."""
    lines = [t._("<b>Requests {period}</b>", period=period.label), ""]
    for name, rates in rows:
        lines.append(rates_line(t, name, rates))
    if overall is not None:
        lines += ["", rates_line(t, t.label("Overall"), overall)]
    lines += [
        "",
        t._(
            "Response rate: accepted or forwarded within the limit; resolution rate: resolved "
            "of received; satisfaction rate: satisfied or fairly satisfied of those rated."
        ),
    ]
    return "\n".join(lines)


def _rate(t: Translator, value: float | None) -> str:
    return "—" if value is None else t.percent(value)


def rates_line(t: Translator, name: str, r: RequestRates) -> str:
    days = r.average_days_to_resolve
    return t._(
        "<b>{name}</b>: received {received} · response rate {response} · resolution rate "
        "{resolution} · satisfaction rate {satisfaction} ({rated} rated) · {days} days to resolve "
        "on average",
        name=name,
        received=r.received,
        response=_rate(t, r.response_rate),
        resolution=_rate(t, r.resolution_rate),
        satisfaction=_rate(t, r.satisfaction_rate),
        rated=r.rated,
        days="—" if days is None else format(days, ".1f"),
    )


def reopen_prompt(t: Translator) -> str:
    return t._(
        "We are sorry the result did not satisfy you. Please type why (at most 500 "
        "characters): the request will be reopened and handled again. /cancel keeps it "
        "as it is."
    )


def reopened(t: Translator, outcome: Outcome) -> str:
    card = outcome.card
    return t._(
        "↩️ {title} reopened with your reason; {handler} has been told and will handle "
        "it again by {when}.",
        title=Html(title(t, card)),
        handler=card.handler_name or t.label("your branch"),
        when=t.datetime(card.resolve_due_at, "short"),
    )


def rated(t: Translator, outcome: Outcome) -> str:
    card = outcome.card
    assert card.rating is not None
    return t._(
        "✅ You rated {title}: {rating}. It is now closed. Thank you.",
        title=Html(title(t, card)),
        rating=rating_name(t, card.rating),
    )


def accepted(t: Translator, outcome: Outcome) -> str:
    card = outcome.card
    return t._(
        "✅ Accepted {title} from {member}: you handle it; please resolve it by {when}. "
        "{member} has been told.",
        title=Html(title(t, card)),
        member=card.member_name,
        when=t.datetime(card.resolve_due_at, "short"),
    )


def reply_prompt(t: Translator, card: Card) -> str:
    return t._(
        "Resolve {title}: please type the reply to {member} (at most 2000 characters), or send a "
        "document with the reply as its caption. /cancel stops.",
        title=Html(title(t, card)),
        member=card.member_name,
    )


def forward_prompt(t: Translator, card: Card) -> str:
    return t._(
        "Forward {title} to the committee: please type why the committee should handle it (at most 500 "
        "characters). /cancel stops.",
        title=Html(title(t, card)),
    )


def resolved(t: Translator, outcome: Outcome) -> str:
    card = outcome.card
    lines = [
        t._(
            "✅ Resolved {title} of {member}; {member} has been told and asked to rate it.",
            title=Html(title(t, card)),
            member=card.member_name,
        ),
        t._("Your reply: {reply}", reply=clip(card.reply, REPLY_SHOWN)),
    ]
    if card.reply_file_id:
        lines.append(t._("📎 with an attachment"))
    return "\n".join(lines)


def forwarded(t: Translator, outcome: Outcome) -> str:
    card = outcome.card
    return t._(
        "✅ Forwarded {title} of {member}: {n} admins have been told; the member too.",
        title=Html(title(t, card)),
        member=card.member_name,
        n=outcome.told,
    )
