"""What other people get about a pledge, through the outbox, in their own language.

Each function renders once per language (the handlers pass them to the services as
`compose` through `Turn.per_language`): reviewers' heads-ups, the owner's review outcome
and rating, reminders, and the 公示 publication in parts that fit Telegram's limit.
"""

from __future__ import annotations

from bot.delivery.message import TEXT_MAX_CHARS, OutgoingMessage, split_text
from bot.i18n import Translator
from bot.models import Pledge
from bot.services import pledges as svc
from handlers.pledges.views import RATING_NAMES, card


def heads_up(t: Translator, c: svc.Card) -> OutgoingMessage:
    """To each reviewer: a pledge waits for them."""
    return OutgoingMessage(
        t._("{name} submitted a pledge for review. Send /pledges to review it.", name=c.name)
    )


def outcome(t: Translator, done: svc.Reviewed) -> OutgoingMessage:
    """To the owner: their pledge was approved, or returned with the reviewer's comment."""
    year = done.pledge.year
    if done.approved and done.by_committee:
        text = t._(
            "Your pledge for {year} was approved by the committee. Send /pledge to see "
            "it; add progress notes with /pledge note followed by the text.",
            year=year,
        )
    elif done.approved:
        text = t._(
            "Your pledge for {year} was approved by the branch. "
            "Send /pledge to see it; add progress notes with /pledge note followed by the text.",
            year=year,
        )
    elif done.by_committee:
        text = t._(
            "Your pledge for {year} was returned by the committee with this comment:\n"
            "{comment}\n\nSend /pledge, press Edit, fix it and submit it again.",
            year=year,
            comment=done.pledge.review_comment or "",
        )
    else:
        text = t._(
            "Your pledge for {year} was returned by the branch secretary with this comment:\n"
            "{comment}\n\nSend /pledge, press Edit, fix it and submit it again.",
            year=year,
            comment=done.pledge.review_comment or "",
        )
    return OutgoingMessage(text)


def reminder(t: Translator, year: int) -> OutgoingMessage:
    return OutgoingMessage(
        t._(
            "A reminder from your branch: please write your pledge for {year} "
            "(identity, duties, commitments). Send /pledge to start.",
            year=year,
        )
    )


def rating_message(t: Translator, pledge: Pledge) -> OutgoingMessage:
    """To the member: how their pledge was rated."""
    assert pledge.rating is not None
    text = t._(
        "Your pledge for {year} was rated: {rating}.",
        year=pledge.year,
        rating=t._(RATING_NAMES[pledge.rating]),
    )
    if pledge.rating_comment:
        text += "\n" + t._("Comment: {comment}", comment=pledge.rating_comment)
    return OutgoingMessage(text)


def publication(t: Translator, found: svc.Publication) -> list[str]:
    """The 公示 message in one person's language, split to fit Telegram's limit."""
    lines: list[str] = []
    for c in found.cards:
        lines += ["", *card(t, c)]
    head = t._(
        "<b>Publication: pledges of {branch}, {year}</b>", branch=found.branch, year=found.year
    )
    room = TEXT_MAX_CHARS - len(head) - 20
    bodies = split_text("\n".join(lines).strip("\n"), room)
    if len(bodies) == 1:
        return [f"{head}\n\n{bodies[0]}"]
    return [f"{head} ({i}/{len(bodies)})\n\n{b}" for i, b in enumerate(bodies, start=1)]


def publication_messages(t: Translator, found: svc.Publication) -> list[OutgoingMessage]:
    return [OutgoingMessage(text) for text in publication(t, found)]
