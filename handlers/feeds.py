"""Feeds of study material (admins): /feeds add|remove, publish or discard drafts."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotApplication, BotContext, CommandSpec, add_commands, roles
from bot.delivery.message import Button, split_text
from bot.i18n import N_, Translator
from bot.models import Role, StudyFeed
from bot.services import feeds, study
from bot.services.errors import Refused
from handlers.common import (
    answer,
    callback_parts,
    command_args,
    load_actor,
    not_allowed,
    parse_id,
    refuse,
    reply,
    set_pressed_buttons,
    stale_button,
)
from handlers.study import published_text, refusal_text, rules_of

COMMANDS = (
    CommandSpec(
        "feeds",
        N_("study feeds: /feeds, /feeds add <url>, /feeds remove <id>"),
        roles(Role.admin),
    ),
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
    "internal": N_("an internal error"),
}


def feed_line(t: Translator, feed: StudyFeed) -> str:
    head = t._("#{id} {title}", id=feed.id, title=feed.title or feed.url)
    if feed.title:
        head += "\n" + t._("   {url}", url=feed.url)
    if feed.last_fetched_at is None:
        return head + "\n" + t._("   not fetched yet")
    when = t.datetime(feed.last_fetched_at, "short")
    if feed.last_status == "error":
        code, _, detail = (feed.last_error or "internal").partition(":")
        reason = t._(ERRORS.get(code, ERRORS["internal"]))
        if detail:
            reason += t._(" ({detail})", detail=detail)
        return (
            head
            + "\n"
            + t.n_(
                "   ⚠️ {when}: failed — {reason} ({n} time in a row)",
                "   ⚠️ {when}: failed — {reason} ({n} times in a row)",
                feed.failures,
                when=when,
                reason=reason,
            )
        )
    if feed.last_status == "not_modified":
        return head + "\n" + t._("   ✅ {when}: no change", when=when)
    return (
        head
        + "\n"
        + t.n_(
            "   ✅ {when}: OK, {n} new draft",
            "   ✅ {when}: OK, {n} new drafts",
            feed.last_new,
            when=when,
        )
    )


async def feeds_command(update: Update, context: BotContext) -> None:
    """Admin: list, add or remove the feeds whose new entries become study drafts."""
    args = command_args(context)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_admin:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        sub = args[0].lower() if args else ""
        try:
            if sub == "add" and len(args) == 2:
                feed = await feeds.add_feed(s, actor=actor.member, url=args[1], now=now)
                await s.commit()
                await reply(
                    update,
                    context,
                    t._(
                        "Feed #{id} added: {url}\n"
                        "It is checked regularly; new entries come to you as drafts to publish.",
                        id=feed.id,
                        url=feed.url,
                    ),
                )
                return
            if sub == "remove" and len(args) == 2:
                feed_id = parse_id(args[1].lstrip("#"))
                if feed_id is None:
                    raise Refused("feed_unknown", id=args[1])
                feed = await feeds.remove_feed(s, actor=actor.member, feed_id=feed_id, now=now)
                await s.commit()
                await reply(update, context, t._("Feed #{id} removed.", id=feed_id))
                return
            if sub:
                await reply(update, context, usage(t))
                return
            rows = await feeds.list_feeds(s, actor=actor.member)
            drafts = await study.drafts_count(s)
        except Refused as exc:
            await reply(update, context, refusal_text(t, exc))
            return
    if not rows:
        await reply(update, context, t._("No feeds yet.") + "\n\n" + usage(t))
        return
    lines = [t._("<b>Study feeds</b> ({n})", n=len(rows)), ""]
    lines += [feed_line(t, f) for f in rows]
    if drafts:
        lines += [
            "",
            t.n_("{n} draft waits to be published.", "{n} drafts wait to be published.", drafts),
        ]
    lines += ["", usage(t)]
    for part in split_text("\n".join(lines)):
        await reply(update, context, part)


def usage(t: Translator) -> str:
    return t._("Use /feeds add &lt;url&gt;, /feeds remove &lt;id&gt;, or /feeds to list them.")


async def publish_draft(update: Update, context: BotContext) -> None:
    """Admin: publish a feed draft to every branch with one press."""
    parts = callback_parts(update, "studypub", 1)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        item_id = parse_id(parts[0]) if parts else None
        if item_id is None:
            await stale_button(update, actor)
            return
        if not actor.is_admin:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        try:
            done = await study.publish(
                s,
                actor=actor.member,
                item_id=item_id,
                now=now,
                rules=rules_of(context),
                catalogs=context.catalogs,
            )
        except Refused as exc:
            if exc.code == "already_published":
                await answer(update, t.label("Already published."))
                return
            await refuse(update, context, actor, refusal_text(t, exc))
            return
        await s.commit()
    context.outbox.wake()
    await answer(update, t.label("Published."))
    await reply(update, context, published_text(t, done))
    await _drop_draft_buttons(update, context, item_id)


async def _drop_draft_buttons(update: Update, context: BotContext, item_id: int) -> None:
    """Keep the other drafts' buttons on the list; drop this draft's publish and discard."""
    query = update.callback_query
    assert query is not None
    markup = getattr(query.message, "reply_markup", None)
    if markup is None:
        return
    gone = {f"studypub:{item_id}", f"studydrop:{item_id}"}
    rows = [
        [
            Button(b.text, data=b.callback_data)
            for b in row
            if isinstance(b.callback_data, str) and b.callback_data not in gone
        ]
        for row in markup.inline_keyboard
    ]
    await set_pressed_buttons(update, context, [r for r in rows if r])


async def discard_draft(update: Update, context: BotContext) -> None:
    """Admin: throw a feed draft away so it no longer waits to be published."""
    parts = callback_parts(update, "studydrop", 1)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        item_id = parse_id(parts[0]) if parts else None
        if item_id is None:
            await stale_button(update, actor)
            return
        if not actor.is_admin:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        try:
            item = await study.discard_feed_draft(s, actor=actor.member, item_id=item_id)
        except Refused as exc:
            if exc.code == "discarded":
                await answer(update, t.label("Already discarded."))
                return
            if exc.code == "already_published":
                await answer(update, t.label("Already published."))
                return
            await refuse(update, context, actor, refusal_text(t, exc))
            return
        await s.commit()
    await answer(update, t.label("Discarded."))
    await reply(
        update, context, t._("Draft #{id} “{title}” discarded.", id=item_id, title=item.title)
    )
    await _drop_draft_buttons(update, context, item_id)


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("feeds", feeds_command, filters=private))
    app.add_handler(CallbackQueryHandler(publish_draft, pattern=r"^studypub:"))
    app.add_handler(CallbackQueryHandler(discard_draft, pattern=r"^studydrop:"))
