"""第一议题 study: /newstudy, /study, /studystatus, /studysettings and the study buttons."""

from __future__ import annotations

from datetime import datetime

from babel.dates import get_day_names
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import (
    BotApplication,
    BotContext,
    CommandSpec,
    add_commands,
    add_form,
    add_me_section,
    roles,
)
from bot.delivery.message import Keyboard, split_text
from bot.i18n import N_, Html, Translator
from bot.models import FormState, Role
from bot.services import forms, org, study
from bot.services.errors import Refused
from handlers.common import (
    Actor,
    answer,
    button,
    callback_parts,
    command_args,
    edit_pressed,
    load_actor,
    not_allowed,
    parse_id,
    refuse,
    reply,
    stale_button,
)

COMMANDS = (
    CommandSpec(
        "newstudy",
        N_("publish a 第一议题 study item: /newstudy <title> [link]"),
        roles(Role.secretary, Role.admin),
    ),
    CommandSpec("study", N_("your open study items"), roles(Role.member, Role.secretary)),
    CommandSpec(
        "studystatus",
        N_("study completion: /studystatus [item]"),
        roles(Role.secretary, Role.admin),
    ),
    CommandSpec(
        "studysettings",
        N_("the branch's study time and weekly digest"),
        roles(Role.secretary),
    ),
)

NEW_FORM = "study_new"
REFLECT_FORM = "study_reflect"
BRANCH_PAGE = 40  # branch buttons a preview shows at once (Telegram allows 100 a message)
BRANCH_NAMES_LISTED = 10


REFUSALS = {
    "not_allowed": N_("Sorry, this is not available to you. Send /help to see what you can do."),
    "title_empty": N_("Please give the study item a title."),
    "title_too_long": N_(
        "That title has {length} characters; at most {limit} are allowed. Please shorten it.",
    ),
    "bad_url": N_(
        "“{value}” is not a link. Please send a link starting with http:// or https://.",
    ),
    "url_too_long": N_("A link can have at most {limit} characters."),
    "summary_too_long": N_(
        "That summary has {length} characters; at most {limit} are allowed. "
        "Please shorten it and send it again.",
    ),
    "item_unknown": N_("This study item no longer exists."),
    "already_published": N_("“{title}” has already been published."),
    "discarded": N_("“{title}” was discarded, so it can no longer be published."),
    "no_branches": N_("Please choose at least one branch first."),
    "not_in_scope": N_("This study item is not for your branch."),
    "reflection_empty": N_("The reflection is empty. Please type a few sentences."),
    "reflection_too_long": N_(
        "Your reflection has {length} characters; at most {limit} are allowed. "
        "Please shorten it and send it again.",
    ),
    "past_due": N_("The due date has passed, so this can no longer be undone."),
    "not_done": N_("You have not marked this item as studied."),
    "bad_time": N_("“{value}” is not a time. Please write it like 09:00."),
    "quiet_time": N_(
        "{value} is in the quiet hours ({start}–{end}), when nothing is sent. "
        "Please choose a time between {end} and {start}.",
    ),
    "bad_digest": N_("Please write /studysettings digest off, or /studysettings digest mon 08:30."),
    "feed_bad_url": N_(
        "“{value}” is not a feed address. Please send a link starting with http:// or https://.",
    ),
    "feed_exists": N_("This feed is already registered."),
    "feeds_full": N_("At most {limit} feeds can be registered."),
    "feed_unknown": N_("There is no feed #{id}."),
}


def refusal_text(t: Translator, exc: Refused) -> str:
    """The words for each study refusal."""
    msgid = REFUSALS.get(exc.code)
    return t._(msgid, **exc.params) if msgid else t._("Sorry, that could not be done.")


def rules_of(context: BotContext) -> study.StudyRules:
    return study.StudyRules.from_settings(context.settings)


def _weekday(t: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=t.locale)[weekday])


# ---------------------------------------------------------------- publishing


async def _preview(
    s: AsyncSession, actor: Actor, item_id: int, page: int = 0
) -> tuple[str, Keyboard]:
    """The draft as members will see it, with the publishing buttons (a page of branches)."""
    t = actor.t
    item, branches, chosen = await study.draft_scope(s, actor=actor.member, item_id=item_id)
    text = study.item_text(t, item, heading=t._("<b>Preview</b>"))
    rows: Keyboard = []
    if actor.is_admin:
        text += "\n\n" + t._("Choose the branches it is for, then press Publish.")
        pages = max(1, -(-len(branches) // BRANCH_PAGE))
        page = min(max(page, 0), pages - 1)
        mark = "✅" if item.scope_all else "⬜"
        all_label = t.label("All branches")
        # The page rides along in the data so a press re-draws the page it was made on.
        rows.append([button(f"{mark} {all_label}", "studynew", item_id, f"all{page}")])
        for b in branches[page * BRANCH_PAGE : (page + 1) * BRANCH_PAGE]:
            mark = "✅" if b.id in chosen and not item.scope_all else "⬜"
            rows.append([button(f"{mark} {b.name}", "studynew", item_id, b.id)])
        nav = []
        if page > 0:
            nav.append(button("◀", "studynew", item_id, f"pg{page - 1}"))
        if page + 1 < pages:
            nav.append(button("▶", "studynew", item_id, f"pg{page + 1}"))
        if nav:
            rows.append(nav)
        if pages > 1:
            text += "\n" + t._(
                "Page {page} of {pages}; {n} chosen.",
                page=page + 1,
                pages=pages,
                n=len(branches) if item.scope_all else len(chosen),
            )
    else:
        branch = await org.branch_of(s, actor.member) if actor.member else None
        text += "\n\n" + t._(
            "It goes to {branch} at the branch's study time.",
            branch=branch.name if branch else "",
        )
    rows.append(
        [
            button(t.label("Publish"), "studynew", item_id, "publish"),
            button(t.label("Cancel"), "studynew", item_id, "cancel"),
        ]
    )
    return text, rows


def _page_of(branches: list[int], branch_id: int) -> int:
    return branches.index(branch_id) // BRANCH_PAGE if branch_id in branches else 0


def _skip(t: Translator, item_id: int) -> Keyboard:
    return [[button(t.label("Skip"), "studynew", item_id, "skip")]]


async def newstudy(update: Update, context: BotContext) -> None:
    """Secretary/admin: start a study item; the title and link may come with the command."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not (actor.is_secretary or actor.is_admin):
            await not_allowed(update, context, actor)
            return
        t = actor.t
        title, url = study.split_title_url(command_args(context))
        if not title and url is None:
            await forms.start(
                s, telegram_user_id=actor.telegram_user_id, form=NEW_FORM, step="title", now=now
            )
            await s.commit()
            await reply(
                update,
                context,
                t._(
                    "Let's publish a 第一议题 study item. What is its title?\n"
                    "(Send /cancel to stop.)"
                ),
            )
            return
        try:
            item = await study.start_draft(s, actor=actor.member, title=title, url=url, now=now)
        except Refused as exc:
            await reply(update, context, refusal_text(t, exc))
            return
        await forms.start(
            s,
            telegram_user_id=actor.telegram_user_id,
            form=NEW_FORM,
            step="summary",
            now=now,
            data={"item_id": item.id},
        )
        await s.commit()
    assert item.id is not None
    await reply(
        update,
        context,
        t._(
            "Now send a short summary (at most {limit} characters), or press Skip.",
            limit=study.SUMMARY_MAX,
        ),
        _skip(t, item.id),
    )


async def new_text(update: Update, context: BotContext, state: FormState) -> None:
    """Text typed while writing a study item: its title, link or summary."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        if not (actor.is_secretary or actor.is_admin):
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await not_allowed(update, context, actor)
            return
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id) or state
        item_id = state.data.get("item_id")
        try:
            if state.step == "title":
                item = await study.start_draft(s, actor=actor.member, title=text, url=None, now=now)
                await forms.advance(s, state=state, step="url", now=now, item_id=item.id)
                await s.commit()
                assert item.id is not None
                await reply(
                    update,
                    context,
                    t._("Send the link to the material, or press Skip."),
                    _skip(t, item.id),
                )
                return
            if not isinstance(item_id, int):
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
                return
            if state.step == "url":
                await study.set_url(s, actor=actor.member, item_id=item_id, url=text)
                await forms.advance(s, state=state, step="summary", now=now)
                await s.commit()
                await reply(
                    update,
                    context,
                    t._(
                        "Now send a short summary (at most {limit} characters), or press Skip.",
                        limit=study.SUMMARY_MAX,
                    ),
                    _skip(t, item_id),
                )
                return
            await study.set_summary(s, actor=actor.member, item_id=item_id, summary=text)
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            preview, rows = await _preview(s, actor, item_id)
        except Refused as exc:
            if exc.code in ("item_unknown", "already_published", "discarded"):
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            await reply(update, context, refusal_text(t, exc))
            return
    await reply(update, context, preview, rows)


async def new_button(update: Update, context: BotContext) -> None:
    """Skip a step, choose branches, publish or cancel a draft."""
    parts = callback_parts(update, "studynew", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        item_id = parse_id(parts[0]) if parts else None
        if parts is None or item_id is None:
            await stale_button(update, actor)
            return
        if not (actor.is_secretary or actor.is_admin):
            await not_allowed(update, context, actor)
            return
        t, action = actor.t, parts[1]
        try:
            if action == "skip":
                state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
                if (
                    state is None
                    or state.form != NEW_FORM
                    or state.data.get("item_id") != item_id
                    or state.step not in ("url", "summary")
                ):
                    await stale_button(update, actor)
                    return
                await study.draft_scope(s, actor=actor.member, item_id=item_id)
                if state.step == "url":
                    await forms.advance(s, state=state, step="summary", now=now)
                    await s.commit()
                    await answer(update)
                    await edit_pressed(update, context, t._("No link."))
                    await reply(
                        update,
                        context,
                        t._(
                            "Now send a short summary (at most {limit} characters), or press Skip.",
                            limit=study.SUMMARY_MAX,
                        ),
                        _skip(t, item_id),
                    )
                    return
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
                preview, rows = await _preview(s, actor, item_id)
                await answer(update)
                await edit_pressed(update, context, t._("No summary."))
                await reply(update, context, preview, rows)
                return
            if action == "cancel":
                item = await study.cancel_draft(s, actor=actor.member, item_id=item_id)
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
                await answer(update)
                await edit_pressed(
                    update,
                    context,
                    t._("Cancelled: “{title}” was not published.", title=item.title),
                )
                return
            if action == "publish":
                done = await study.publish(
                    s,
                    actor=actor.member,
                    item_id=item_id,
                    now=now,
                    rules=rules_of(context),
                    catalogs=context.catalogs,
                )
                await s.commit()
                context.outbox.wake()
                await answer(update)
                await edit_pressed(update, context, published_text(t, done))
                return
            if action.startswith("pg"):
                to_page = parse_id(action[2:])
                if to_page is None:
                    await stale_button(update, actor)
                    return
                await study.branch_page_allowed(s, actor=actor.member, item_id=item_id)
                preview, rows = await _preview(s, actor, item_id, to_page)
            else:
                if action.startswith("all"):
                    # "all" alone comes from previews drawn before there were pages.
                    page = parse_id(action[3:]) if action != "all" else 0
                    branch_id = None
                else:
                    branch_id = parse_id(action)
                    page = 0
                if page is None or (branch_id is None and not action.startswith("all")):
                    await stale_button(update, actor)
                    return
                await study.choose_branch(
                    s, actor=actor.member, item_id=item_id, branch_id=branch_id
                )
                await s.commit()
                if branch_id is not None:
                    _, branches, _ = await study.draft_scope(s, actor=actor.member, item_id=item_id)
                    page = _page_of([b.id for b in branches if b.id is not None], branch_id)
                preview, rows = await _preview(s, actor, item_id, page)
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
    await answer(update)
    await edit_pressed(update, context, preview, rows)


def published_text(t: Translator, done: study.Published) -> str:
    item = done.item
    assert item.due_at is not None
    lines = [
        t._(
            "Published: “{title}”. Members have until {due}.",
            title=item.title,
            due=t.datetime(item.due_at, "short"),
        )
    ]
    # Grouped by push time: a committee of 300 branches must still fit one message.
    groups: dict[datetime | None, list[str]] = {}
    for name, when in done.pushes:
        groups.setdefault(None if when <= (item.published_at or when) else when, []).append(name)
    for at, names in groups.items():
        branch = (
            "、".join(names)
            if len(names) <= BRANCH_NAMES_LISTED
            else t.n_("{n} branch", "{n} branches", len(names))
        )
        if at is None:
            lines.append(t._("• {branch}: pushed now", branch=branch))
        else:
            lines.append(
                t._("• {branch}: pushed at {time}", branch=branch, time=t.datetime(at, "short"))
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- members


def status_line(t: Translator, n: int, mine: study.MyItem) -> str:
    item = mine.item
    assert item.due_at is not None
    if mine.completed_at is None:
        state = t._("⬜ not yet")
    elif mine.reflection:
        state = t._("✅ studied, reflection written")
    else:
        state = t._("✅ studied")
    return t._(
        "{n}. <b>{title}</b> — due {due} — {state}",
        n=n,
        title=item.title,
        due=t.date(item.due_at),
        state=Html(state),
    )


async def study_list(update: Update, context: BotContext) -> None:
    """Member: the open study items with their status and buttons."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_member:
            await not_allowed(update, context, actor)
            return
        try:
            mine = await study.my_items(s, member=actor.member, now=now)
        except Refused as exc:
            await reply(update, context, refusal_text(actor.t, exc))
            return
    t = actor.t
    if not mine:
        await reply(update, context, t._("There are no open study items. 👍"))
        return
    lines = [t._("<b>Your study items</b>"), ""]
    rows: Keyboard = []
    studied, reflect, undo = t.label("Studied"), t.label("Write reflection"), t.label("Undo")
    for n, m in enumerate(mine[:20], start=1):
        lines.append(status_line(t, n, m))
        if m.item.url:
            lines.append(t._("   {url}", url=m.item.url))
        iid = m.item.id
        if m.completed_at is None:
            rows.append(
                [
                    button(f"{n}. {studied}", "study", iid, "done"),
                    button(f"{n}. {reflect}", "study", iid, "reflect"),
                ]
            )
        else:
            rows.append(
                [
                    button(f"{n}. {reflect}", "study", iid, "reflect"),
                    button(f"{n}. {undo}", "study", iid, "undo"),
                ]
            )
    # Twenty long titles with links can pass Telegram's limit; the buttons go with the last part.
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], rows)


async def study_button(update: Update, context: BotContext) -> None:
    """已学习 / 写心得 / undo on a pushed item."""
    parts = callback_parts(update, "study", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        item_id = parse_id(parts[0]) if parts else None
        if parts is None or item_id is None or parts[1] not in ("done", "reflect", "undo"):
            await stale_button(update, actor)
            return
        t, action = actor.t, parts[1]
        try:
            if action == "done":
                item, recorded = await study.mark_done(
                    s, member=actor.member, item_id=item_id, now=now
                )
                await s.commit()
                await answer(
                    update,
                    t.label("Recorded: you studied “{title}”.", title=item.title)
                    if recorded
                    else t.label("Already recorded."),
                )
                return
            if action == "undo":
                item = await study.undo(s, member=actor.member, item_id=item_id, now=now)
                await s.commit()
                await answer(
                    update, t.label("Undone: “{title}” is marked not studied.", title=item.title)
                )
                return
            item = await study.check_scope(s, member=actor.member, item_id=item_id)
            await forms.start(
                s,
                telegram_user_id=actor.telegram_user_id,
                form=REFLECT_FORM,
                step="text",
                now=now,
                data={"item_id": item_id},
            )
            await s.commit()
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
    await answer(update)
    await reply(
        update,
        context,
        t._(
            "Please type your reflection on “{title}” (at most {limit} characters).\n"
            "(Send /cancel to stop.)",
            title=item.title,
            limit=study.REFLECTION_MAX,
        ),
    )


async def reflection_text(update: Update, context: BotContext, state: FormState) -> None:
    """The member typed their 心得."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    item_id = state.data.get("item_id")
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        if not isinstance(item_id, int):
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            return
        try:
            item, recorded = await study.write_reflection(
                s, member=actor.member, item_id=item_id, text=text, now=context.clock.now()
            )
        except Refused as exc:
            if exc.code == "not_in_scope":
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            await reply(update, context, refusal_text(t, exc))
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    await reply(
        update,
        context,
        t._("Your reflection on “{title}” is recorded. Thank you!", title=item.title)
        if recorded
        else t._("Already recorded."),
    )


# ---------------------------------------------------------------- completion


def _rate(t: Translator, done: int, total: int) -> str:
    return t._(
        "{done}/{total} ({rate})",
        done=done,
        total=total,
        rate=t.percent(done / total if total else 0.0),
    )


async def _overview(s: AsyncSession, actor: Actor) -> str:
    t = actor.t
    items = await study.recent_items(s, actor=actor.member)
    if not items:
        return t._("No study items have been published yet. Publish one with /newstudy.")
    assert actor.member is not None
    branch_id = actor.member.branch_id if actor.is_secretary else None
    counts = await study.rates(s, items=items, branch_id=branch_id)
    lines = [t._("<b>Study completion</b>"), ""]
    for item in items:
        assert item.id is not None
        assert item.due_at is not None
        done, total = counts[item.id]
        lines.append(
            t._(
                "#{id} {title} — {rate}, due {due}",
                id=item.id,
                title=item.title,
                rate=Html(_rate(t, done, total)),
                due=t.date(item.due_at),
            )
        )
    lines += ["", t._("Send /studystatus &lt;number&gt; for the details of one item.")]
    return "\n".join(lines)


async def _details(s: AsyncSession, actor: Actor, item_id: int) -> str:
    t = actor.t
    item, rows = await study.status_of(s, actor=actor.member, item_id=item_id)
    assert item.due_at is not None
    lines = [
        t._("<b>#{id} {title}</b>", id=item.id, title=item.title),
        t._("Due {due}", due=t.datetime(item.due_at, "short")),
        "",
    ]
    if actor.is_admin:
        done = sum(r.done for r in rows)
        total = sum(r.total for r in rows)
        lines.append(t._("All branches: {rate}", rate=Html(_rate(t, done, total))))
        for r in rows:
            lines.append(
                t._("• {branch}: {rate}", branch=r.branch, rate=Html(_rate(t, r.done, r.total)))
            )
        return "\n".join(lines)
    for r in rows:
        lines.append(t._("Finished: {rate}", rate=Html(_rate(t, r.done, r.total))))
        lines.append(
            t._("Not finished: {names}", names="、".join(r.not_done))
            if r.not_done
            else t._("Everyone has finished. 👍")
        )
        if r.reflections:
            lines += ["", t._("<b>Reflections</b>")]
            for name, text in r.reflections:
                lines.append(t._("• {name}: {text}", name=name, text=text))
    return "\n".join(lines)


def _item_arg(context: BotContext) -> int | str | None:
    args = command_args(context)
    if not args:
        return None
    item_id = parse_id(args[0].lstrip("#"))
    return item_id if item_id is not None else args[0]


async def studystatus(update: Update, context: BotContext) -> None:
    """Secretary: completion in the branch; admin: completion per branch."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not (actor.is_secretary or actor.is_admin):
            await not_allowed(update, context, actor)
            return
        t = actor.t
        arg = _item_arg(context)
        try:
            if arg is None:
                text = await _overview(s, actor)
            elif isinstance(arg, str):
                text = t._("Please give the item's number, like /studystatus 3.")
            else:
                text = await _details(s, actor, arg)
        except Refused as exc:
            text = refusal_text(t, exc)
    # A branch of 300 with their reflections runs to many messages.
    for part in split_text(text):
        await reply(update, context, part)


# ---------------------------------------------------------------- branch settings


async def studysettings(update: Update, context: BotContext) -> None:
    """Secretary: show or change the branch's study time and weekly digest."""
    args = command_args(context)
    now = context.clock.now()
    rules = rules_of(context)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary or actor.member is None or actor.member.branch_id is None:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        try:
            if not args:
                row = await study.branch_settings(s, actor.member.branch_id, rules)
            elif args[0].lower() == "time" and len(args) == 2:
                row = await study.update_branch_settings(
                    s, actor=actor.member, rules=rules, study_time=args[1], now=now
                )
            elif args[0].lower() == "digest" and len(args) > 1:
                row = await study.update_branch_settings(
                    s, actor=actor.member, rules=rules, digest=" ".join(args[1:]), now=now
                )
            else:
                await reply(update, context, settings_usage(t))
                return
        except Refused as exc:
            await reply(update, context, refusal_text(t, exc))
            return
        await s.commit()
    digest = (
        t._(
            "every {weekday} at {time}",
            weekday=_weekday(t, row.digest_weekday),
            time=study.hhmm(row.digest_minute),
        )
        if row.digest_enabled
        else t._("off")
    )
    await reply(
        update,
        context,
        t._(
            "<b>Study settings of your branch</b>\n"
            "Study time (when new items are pushed): {time}\n"
            "Weekly digest of open items: {digest}\n"
            "Quiet hours: {quiet_start}–{quiet_end} (nothing is pushed then)",
            time=study.hhmm(row.study_minute),
            digest=Html(digest),
            quiet_start=study.hhmm(rules.quiet_start),
            quiet_end=study.hhmm(rules.quiet_end),
        )
        + "\n\n"
        + settings_usage(t),
    )


def settings_usage(t: Translator) -> str:
    return t._(
        "Change them with:\n"
        "/studysettings time 09:00\n"
        "/studysettings digest mon 08:30\n"
        "/studysettings digest off"
    )


async def study_me(s: AsyncSession, context: BotContext, actor: Actor) -> str | None:
    """The /me line: how many open study items this member has finished."""
    if not actor.is_member:
        return None
    mine = await study.my_items(s, member=actor.member, now=context.clock.now())
    if not mine:
        return None
    done = sum(1 for m in mine if m.completed_at is not None)
    return actor.t._(
        "Study: {done} of {total} open items finished (/study)", done=done, total=len(mine)
    )


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    add_form(app, NEW_FORM, new_text)
    add_form(app, REFLECT_FORM, reflection_text)
    add_me_section(app, study_me)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("newstudy", newstudy, filters=private))
    app.add_handler(CommandHandler("study", study_list, filters=private))
    app.add_handler(CommandHandler("studystatus", studystatus, filters=private))
    app.add_handler(CommandHandler("studysettings", studysettings, filters=private))
    app.add_handler(CallbackQueryHandler(new_button, pattern=r"^studynew:"))
    app.add_handler(CallbackQueryHandler(study_button, pattern=r"^study:"))
