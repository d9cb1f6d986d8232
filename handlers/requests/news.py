"""What other people are told about a request, through the outbox, in their language."""

from __future__ import annotations

from bot.config import Settings
from bot.context import BotContext
from bot.delivery.message import OutgoingMessage
from bot.i18n import N_, Catalogs, Html, Translator
from bot.models import Member
from bot.services.requests import Change, Compose, Event, actions_for
from handlers.requests.buttons import OpenRequest
from handlers.requests.views import TEXT_SHOWN, buttons, clip, rating_name, title

NEWS = {
    Event.new: N_("📮 New {title} from {member} ({branch}):"),
    Event.accepted: N_("Your {title} has been accepted; {handler} is handling it."),
    Event.forwarded: N_("{title} of {branch} was forwarded to the committee: {reason}"),
    Event.resolved: N_("Your {title} has been resolved. The reply from {handler}:"),
    Event.reopened: N_("{member} was not satisfied with {title} and reopened it: {reason}"),
    Event.rated: N_("{member} rated {title}: {rating}."),
    Event.taken: N_("{title} is now handled by {handler} of the committee."),
    Event.overdue_accept: N_(
        "⚠️ {title} of {branch} was not accepted in time (limit {due}). You can take it over."
    ),
    Event.overdue_resolve: N_(
        "⚠️ {title} of {branch} was not resolved in time (limit {due}). You can take it over."
    ),
}
CARRY_TEXT = (Event.new, Event.forwarded, Event.overdue_accept, Event.overdue_resolve)
MEMBER_FORWARDED = N_("Your {title} has been forwarded to the committee, which will handle it.")


def news(t: Translator, recipient: Member, change: Change) -> list[OutgoingMessage]:
    """One recipient's message about a change, with the buttons they may press."""
    card, event = change.card, change.event
    msgid = NEWS[event]
    if event == Event.forwarded and recipient.id == card.member_id:
        msgid = MEMBER_FORWARDED
    due = card.accept_due_at if event == Event.overdue_accept else card.resolve_due_at
    head = t._(
        msgid,
        title=Html(title(t, card)),
        member=card.member_name,
        branch=card.branch_name,
        handler=card.handler_name or "",
        reason=clip(card.reopen_reason if event == Event.reopened else card.forward_reason, 500),
        rating=rating_name(t, card.rating) if card.rating else "",
        due=t.datetime(due, "short"),
    )
    body: list[str] = [head]
    if event == Event.resolved:
        body += [t._("{reply}", reply=clip(card.reply, TEXT_SHOWN)), ""]
        body.append(t._("How satisfied are you with the result? Please rate it once."))
    elif event in CARRY_TEXT and recipient.id != card.member_id:
        body += ["", t._("{text}", text=clip(card.text, TEXT_SHOWN))]
    if event == Event.new:
        body += [
            "",
            t._("Please accept it by {when}.", when=t.datetime(card.accept_due_at, "short")),
        ]
    keyboard = buttons(t, card, actions_for(recipient, card))
    if event == Event.rated or event == Event.taken:
        keyboard = []
    keyboard.append([OpenRequest(request_id=card.id).button(t.label("Details"))])
    messages = [OutgoingMessage(text="\n".join(body), buttons=keyboard)]
    if change.attachment is not None:
        messages.append(
            OutgoingMessage(
                text=t._("📎 Attachment of {title}", title=Html(title(t, card))),
                media_id=change.attachment.media_id,
                media_kind=change.attachment.media_kind,
            )
        )
    return messages


def composer(catalogs: Catalogs, settings: Settings) -> Compose:
    """Renders each recipient's messages; the translator is made once per language."""
    translators: dict[str, Translator] = {}

    def compose(recipient: Member, change: Change) -> list[OutgoingMessage]:
        locale = recipient.locale or settings.default_locale
        if locale not in translators:
            translators[locale] = catalogs.translator(locale, settings.tz)
        return news(translators[locale], recipient, change)

    return compose


def composer_of(context: BotContext) -> Compose:
    return composer(context.catalogs, context.settings)
