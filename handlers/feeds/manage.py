"""/feeds (admins): list, add or remove feeds; publish or discard the drafts they bring."""

from __future__ import annotations

from bot.delivery.message import Button, split_text
from bot.i18n import N_
from bot.services import feeds, study
from bot.services.errors import Refused
from handlers.common import parse_id
from handlers.feeds import views
from handlers.feeds.buttons import DiscardDraft, FeedRemove, PublishDraft
from handlers.home.views import back_to
from handlers.paging import page_of
from handlers.shape import ADMINS, Turn, handler
from handlers.study.publish import publish_item
from handlers.study.publish_views import published_text

ALREADY_PUBLISHED = N_("Already published.")


def _feed_id(raw: str) -> int:
    digits = raw.lstrip("#")
    if not (digits.isascii() and digits.isdigit() and len(digits) < 12):
        raise Refused("feed_unknown", id=raw)
    return int(digits)


@handler(roles=ADMINS, refusals=views.REFUSALS)
async def feeds_command(turn: Turn[None]) -> None:
    """Admin: list, add or remove the feeds whose new entries become study drafts."""
    args, t = turn.args, turn.t
    sub = args[0].lower() if args else ""
    if sub == "add" and len(args) == 2:
        feed = await feeds.add_feed(turn.s, actor=turn.member, url=args[1], now=turn.now)
        await turn.commit()
        await turn.reply(views.added(t, feed))
        return
    if sub == "remove" and len(args) == 2:
        feed_id = _feed_id(args[1])
        await feeds.remove_feed(turn.s, actor=turn.member, feed_id=feed_id, now=turn.now)
        await turn.commit()
        await turn.reply(t._("Feed #{id} removed.", id=feed_id))
        return
    number = parse_id(args[1]) if sub == "page" and len(args) == 2 else 0 if not sub else None
    if number is None:
        await turn.reply(views.usage(t))
        return
    rows = await feeds.list_feeds(turn.s, actor=turn.member)
    page = page_of(rows, number, views.PAGE)
    drafts = await study.drafts_count(turn.s)
    # Long feed addresses can pass Telegram's limit; the buttons go with the last part.
    parts = split_text(views.listing(t, page, drafts))
    for part in parts[:-1]:
        await turn.reply(part)
    await turn.reply(parts[-1], views.feed_buttons(t, page) or None)


@handler(roles=ADMINS, button=FeedRemove, refusals=views.REFUSALS)
async def remove_press(turn: Turn[FeedRemove]) -> None:
    """移除 under a feed in /feeds: ask, then remove it (or keep it)."""
    t, feed_id = turn.t, turn.data.feed_id
    back = [back_to(t, "feeds")]
    if turn.data.choice == "no":
        await turn.edit(t._("Feed #{id} is kept.", id=feed_id), back)
        return
    if turn.data.choice == "ask":
        feed = await feeds.feed_of(turn.s, actor=turn.member, feed_id=feed_id)
        await turn.edit(views.remove_question(t, feed), views.remove_confirm(t, feed_id))
        return
    await feeds.remove_feed(turn.s, actor=turn.member, feed_id=feed_id, now=turn.now)
    await turn.commit()
    await turn.answer(t.label("Removed."))
    await turn.edit(t._("Feed #{id} removed.", id=feed_id), back)


async def _drop_draft_buttons(turn: Turn[PublishDraft] | Turn[DiscardDraft]) -> None:
    """Keep the other drafts' buttons on the list; drop this draft's publish and discard."""
    query = turn.update.callback_query
    assert query is not None
    markup = getattr(query.message, "reply_markup", None)
    if markup is None:
        return
    item_id = turn.data.item_id
    gone = {PublishDraft(item_id).encode(), DiscardDraft(item_id).encode()}
    rows = [
        [
            Button(b.text, data=b.callback_data)
            for b in row
            if isinstance(b.callback_data, str) and b.callback_data not in gone
        ]
        for row in markup.inline_keyboard
    ]
    await turn.set_buttons([r for r in rows if r])


@handler(roles=ADMINS, button=PublishDraft, refusals=views.REFUSALS)
async def publish_draft(turn: Turn[PublishDraft]) -> None:
    """Admin: publish a feed draft to every branch with one press."""
    t = turn.t
    try:
        done = await publish_item(turn, turn.data.item_id)
    except Refused as exc:
        if exc.code != "already_published":
            raise
        await turn.answer(t.label(ALREADY_PUBLISHED))
        return
    await turn.commit()
    await turn.answer(t.label("Published."))
    await turn.reply(published_text(t, done))
    await _drop_draft_buttons(turn)


@handler(roles=ADMINS, button=DiscardDraft, refusals=views.REFUSALS)
async def discard_draft(turn: Turn[DiscardDraft]) -> None:
    """Admin: throw a feed draft away so it no longer waits to be published."""
    t = turn.t
    try:
        item = await study.discard_feed_draft(turn.s, actor=turn.member, item_id=turn.data.item_id)
    except Refused as exc:
        already = {"discarded": N_("Already discarded."), "already_published": ALREADY_PUBLISHED}
        if exc.code not in already:
            raise
        await turn.answer(t.label(already[exc.code]))
        return
    await turn.commit()
    await turn.answer(t.label("Discarded."))
    await turn.reply(views.discarded(t, item))
    await _drop_draft_buttons(turn)
