"""Study feeds as admins read them: the /feeds list, the new-drafts message, receipts."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Catalogs, Translator
from bot.models import StudyFeed, StudyItem
from bot.services import feeds
from handlers.common import confirm_row
from handlers.feeds.buttons import DiscardDraft, FeedRemove, PublishDraft
from handlers.home.buttons import RunCommand
from handlers.paging import Page, paged_keyboard
from handlers.shape import Refusals
from handlers.study.views import REFUSAL_TEXTS as STUDY_REFUSALS

PAGE = 10  # feeds a page of /feeds shows

REFUSALS = Refusals(
    {
        **STUDY_REFUSALS,
        "feed_bad_url": N_(
            "“{value}” is not a feed address. "
            "Please send a link starting with http:// or https://.",
        ),
        "feed_exists": N_("This feed is already registered."),
        "feeds_full": N_("At most {limit} feeds can be registered."),
        "feed_unknown": N_("There is no feed #{id}."),
    }
)

ERRORS = {
    "timeout": N_("no answer in time"),
    "http": N_("the server answered with an error"),
    "too_large": N_("the feed is too large"),
    "redirects": N_("too many redirects"),
    "network": N_("could not connect"),
    "bad_url": N_("the address is not valid"),
    "malformed": N_("not valid XML"),
    "doctype": N_("refused: the document declares a DOCTYPE or entities"),
    "not_a_feed": N_("not an RSS or Atom feed"),
    "encoding": N_("the declared character encoding does not match the text"),
    "internal": N_("an internal error"),
}


def reason(t: Translator, stored: str | None) -> str:
    """A stored `code:detail` in words."""
    code, _, detail = (stored or "internal").partition(":")
    text = t._(ERRORS.get(code, ERRORS["internal"]))
    if detail:
        text += t._(" ({detail})", detail=detail)
    return text


def _state(t: Translator, feed: StudyFeed) -> str:
    if feed.last_fetched_at is None:
        return t._("   not fetched yet")
    when = t.datetime(feed.last_fetched_at, "short")
    if feed.last_status == "error":
        return t.n_(
            "   ⚠️ {when}: failed — {reason} ({n} time in a row)",
            "   ⚠️ {when}: failed — {reason} ({n} times in a row)",
            feed.failures,
            when=when,
            reason=reason(t, feed.last_error),
        )
    if feed.last_status == "not_modified":
        return t._("   ✅ {when}: no change", when=when)
    line = t.n_(
        "   ✅ {when}: OK, {n} new draft",
        "   ✅ {when}: OK, {n} new drafts",
        feed.last_new,
        when=when,
    )
    if feed.last_status == feeds.WARNING:
        line += "\n" + t._(
            "   ⚠️ read despite errors in the feed: {reason}", reason=reason(t, feed.last_error)
        )
    return line


def feed_line(t: Translator, feed: StudyFeed) -> str:
    head = t._("#{id} {title}", id=feed.id, title=feed.title or feed.url)
    if feed.title:
        head += "\n" + t._("   {url}", url=feed.url)
    return head + "\n" + _state(t, feed)


def usage(t: Translator) -> str:
    return t._("Use /feeds add &lt;url&gt;, /feeds remove &lt;id&gt;, or /feeds to list them.")


def listing(t: Translator, page: Page[StudyFeed], drafts: int) -> str:
    """/feeds: a page of feeds with how each last fetch went, and the drafts waiting."""
    if not page.total:
        return t._("No feeds yet.") + "\n\n" + usage(t)
    lines = [t._("<b>Study feeds</b> ({n})", n=page.total), ""]
    lines += [feed_line(t, f) for f in page.items]
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    if drafts:
        lines += [
            "",
            t.n_("{n} draft waits to be published.", "{n} drafts wait to be published.", drafts),
        ]
    lines += ["", usage(t)]
    return "\n".join(lines)


def feed_buttons(t: Translator, page: Page[StudyFeed]) -> Keyboard:
    """A 移除 button per feed on the page (each asks first), and ◀ ▶."""

    def remove(feed: StudyFeed) -> Button:
        return FeedRemove(feed.id or 0, "ask").button(t.label("Remove #{id}", id=feed.id))

    def to(n: int) -> RunCommand:
        return RunCommand(command="feeds", arg=f"page {n}")

    return paged_keyboard(page, remove, to, columns=2)


def remove_question(t: Translator, feed: StudyFeed) -> str:
    return t._(
        "Remove the feed #{id} {title}? Its new entries will no longer become drafts; "
        "the drafts it already brought stay.",
        id=feed.id,
        title=feed.title or feed.url,
    )


def remove_confirm(t: Translator, feed_id: int) -> Keyboard:
    return [confirm_row(t, FeedRemove(feed_id, "yes"), FeedRemove(feed_id, "no"))]


def added(t: Translator, feed: StudyFeed) -> str:
    return t._(
        "Feed #{id} added: {url}\n"
        "It is checked regularly; new entries come to you as drafts to publish.",
        id=feed.id,
        url=feed.url,
    )


def discarded(t: Translator, item: StudyItem) -> str:
    return t._("Draft #{id} “{title}” discarded.", id=item.id, title=item.title)


def drafts_compose(catalogs: Catalogs, tz: ZoneInfo) -> feeds.DraftsCompose:
    """The admins' message about a feed's new drafts, each with publish and discard."""

    def compose(
        locale: str | None, feed: StudyFeed, drafts: Sequence[StudyItem]
    ) -> OutgoingMessage:
        t = catalogs.translator(locale, tz)
        lines = [
            t.n_(
                "📰 {n} new entry from the feed {feed} is ready as a draft:",
                "📰 {n} new entries from the feed {feed} are ready as drafts:",
                len(drafts),
                feed=feed.title or feed.url,
            ),
            "",
        ]
        buttons: Keyboard = []
        for d in drafts:
            assert d.id is not None
            lines.append(t._("#{id} {title}", id=d.id, title=d.title))
            if d.url:
                lines.append(t._("{url}", url=d.url))
            buttons.append(
                [
                    PublishDraft(d.id).button(t.label("Publish #{id} to all branches", id=d.id)),
                    DiscardDraft(d.id).button(t.label("Discard #{id}", id=d.id)),
                ]
            )
        return OutgoingMessage("\n".join(lines), buttons)

    return compose
