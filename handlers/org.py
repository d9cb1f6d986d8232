"""Organisation: joining by invite, branches, invites, roster, /me, /help, /lang, /cancel."""

from __future__ import annotations

from datetime import timedelta

from telegram import ChatMember, Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import (
    GUEST,
    BotApplication,
    BotContext,
    CommandSpec,
    add_commands,
    add_form,
    roles,
)
from bot.delivery.message import split_text
from bot.i18n import N_, Translator
from bot.models import FormState, Invite, MemberStatus, Role
from bot.services import forms, org
from bot.services.errors import Refused
from handlers.common import (
    Actor,
    answer,
    button,
    command_args,
    edit_pressed,
    load_actor,
    not_allowed,
    reply,
    stale_button,
    translator_for,
)
from handlers.menu import help_text, publish_menu, role_name

EVERYONE = roles(GUEST, Role.member, Role.secretary, Role.admin)
MEMBERS = roles(Role.member, Role.secretary, Role.admin)

COMMANDS = (
    CommandSpec("start", N_("start, or join with an invite link"), roles(GUEST)),
    CommandSpec("help", N_("what you can do"), EVERYONE),
    CommandSpec("me", N_("your name, branch and record"), MEMBERS),
    CommandSpec("newbranch", N_("create a branch: /newbranch <name>"), roles(Role.admin)),
    CommandSpec("branches", N_("list branches with secretaries and members"), roles(Role.admin)),
    CommandSpec("invite", N_("invite link for members (/invite revoke)"), roles(Role.secretary)),
    CommandSpec("members", N_("the branch roster"), roles(Role.secretary)),
    # A guest has no member row to keep a language in; Telegram's own language serves them.
    CommandSpec("lang", N_("中文 / English"), MEMBERS),
    CommandSpec("cancel", N_("leave the current form"), EVERYONE),
)

NAME_FORM = "name"


REFUSALS = {
    "not_allowed": N_("Sorry, this is not available to you. Send /help to see what you can do."),
    "branch_name_empty": N_("Please give the branch a name: /newbranch <name>"),
    "branch_name_too_long": N_("A branch name can have at most {limit} characters."),
    "branch_exists": N_("A branch named “{name}” already exists."),
    "no_branch": N_("You are not in a branch."),
    "invite_unknown": N_(
        "This invite link is not valid. Please check it, or ask your secretary for a new one."
    ),
    "invite_expired": N_("This invite link has expired. Please ask your secretary for a new one."),
    "invite_used_up": N_(
        "This invite link has already been used. Please ask your secretary for a new one."
    ),
    "invite_revoked": N_(
        "This invite link was withdrawn. Please ask your secretary for a new one."
    ),
    "already_member": N_("You have already joined {branch}. Send /help to see what you can do."),
    "admin_no_join": N_(
        "You are an admin of the committee: invite links are for people joining a branch. "
        "Send /help to see what you can do."
    ),
    "name_empty": N_("The name cannot be empty. Please type your real name."),
    "name_too_long": N_(
        "That is {length} characters; a name can have at most {limit}. Please type a shorter one."
    ),
    "name_multiline": N_("Please type your name on one line."),
}


def refusal_text(t: Translator, exc: Refused) -> str:
    """The words for an organisation refusal (only its own placeholders are filled)."""
    return t._(REFUSALS.get(exc.code, N_("Sorry, that could not be done.")), **exc.params)


def deep_link(context: BotContext, invite: Invite) -> str:
    return f"https://t.me/{context.bot.username}?start={invite.token}"


async def start(update: Update, context: BotContext) -> None:
    """Join with an invite token, or explain how to get one."""
    user = update.effective_user
    assert user is not None
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        args = command_args(context)
        if not args:
            if actor.role == GUEST:
                await reply(
                    update,
                    context,
                    t._(
                        "Hello! I am the party-building assistant of your branch.\n"
                        "To join, open the invite link your branch secretary sent you."
                    ),
                )
            else:
                await reply(update, context, help_text(context, actor))
                # Bootstrap admins never pass through joining, where menus are published.
                await publish_menu(context, actor)
            return
        try:
            member = await org.accept_invite(
                s,
                token=args[0],
                telegram_user_id=user.id,
                profile_name=user.full_name,
                now=now,
                locale=t.locale,
            )
        except Refused as exc:
            await reply(update, context, refusal_text(t, exc))
            return
        branch = await org.branch_of(s, member)
        await forms.start(s, telegram_user_id=user.id, form=NAME_FORM, step="ask", now=now)
        await s.commit()
    actor = Actor(user.id, member, t)
    await reply(
        update,
        context,
        t._(
            "Welcome to {branch}! You joined as {role}.\n\n"
            "Please tell me your real name, as your branch knows you. "
            "Type it, or use your Telegram name:",
            branch=branch.name if branch else "",
            role=role_name(actor, actor.role),
        ),
        [[button(t.label("Use “{name}”", name=member.name), "name", "ok")]],
    )


async def _finish_joining(update: Update, context: BotContext, actor: Actor) -> None:
    assert actor.member is not None
    await reply(
        update,
        context,
        actor.t._("Thank you, {name}. You are all set.", name=actor.member.name)
        + "\n\n"
        + help_text(context, actor),
    )
    await publish_menu(context, actor)


async def name_text(update: Update, context: BotContext, state: FormState) -> None:
    """The person typed their name while the name form was open."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if actor.member is None:
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            return
        try:
            await org.set_name(s, member=actor.member, name=text)
        except Refused as exc:
            await reply(update, context, refusal_text(actor.t, exc))
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    await _finish_joining(update, context, actor)


async def name_button(update: Update, context: BotContext) -> None:
    """The person accepted their Telegram name."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
        if actor.member is not None and state is None:
            # A second press (or a redelivered one): the name was saved by the first.
            await answer(update, actor.t.label("Already saved: {name}", name=actor.member.name))
            return
        if actor.member is None or state is None or state.form != NAME_FORM:
            await stale_button(update, actor)
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    await answer(update)
    await edit_pressed(update, context, actor.t._("Name: {name}", name=actor.member.name))
    await _finish_joining(update, context, actor)


async def help_command(update: Update, context: BotContext) -> None:
    """List exactly what this person may do."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
    await reply(update, context, help_text(context, actor))
    if actor.role != GUEST:
        # Keeps the Telegram menu in step with the role (admins get theirs here first).
        await publish_menu(context, actor)


async def me(update: Update, context: BotContext) -> None:
    """Show the person's name, branch, role and the records other features add."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if actor.member is None or actor.role == GUEST:
            await not_allowed(update, context, actor)
            return
        t, member = actor.t, actor.member
        branch = await org.branch_of(s, member)
        lines = [
            t._("<b>{name}</b>", name=member.name),
            t._("Branch: {branch}", branch=branch.name if branch else t.label("—")),
            t._("Role: {role}", role=role_name(actor, actor.role)),
            t._("Joined: {date}", date=t.date(member.joined_at)),
        ]
        for section in context.bot_data.me_sections:
            extra = await section(s, context, actor)
            if extra:
                lines += ["", extra]
    await reply(update, context, "\n".join(lines))


async def newbranch(update: Update, context: BotContext) -> None:
    """Admin: create a branch and get the secretary's one-time invite link."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_admin:
            await not_allowed(update, context, actor)
            return
        try:
            branch, invite = await org.create_branch(
                s,
                actor=actor.member,
                name=" ".join(command_args(context)),
                now=context.clock.now(),
                invite_ttl=timedelta(days=context.settings.invite_ttl_days),
            )
        except Refused as exc:
            await reply(update, context, refusal_text(actor.t, exc))
            return
        await s.commit()
    t = actor.t
    await reply(
        update,
        context,
        t._(
            "Branch “{name}” created.\n\n"
            "Send this one-time link to its secretary (valid until {until}):\n{link}",
            name=branch.name,
            until=t.datetime(invite.expires_at, "short"),
            link=deep_link(context, invite),
        ),
    )


async def branches(update: Update, context: BotContext) -> None:
    """Admin: every branch with secretaries and member counts."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_admin:
            await not_allowed(update, context, actor)
            return
        rows = await org.branch_overview(s, actor=actor.member)
    t = actor.t
    if not rows:
        await reply(update, context, t._("No branches yet. Create one with /newbranch <name>."))
        return
    lines = [t._("<b>Branches</b> ({n})", n=len(rows))]
    for row in rows:
        secretaries = "、".join(row.secretaries) if row.secretaries else t.label("none yet")
        lines.append(
            t._(
                "• {name} — secretary: {secretaries}; {count} people",
                name=row.name,
                secretaries=secretaries,
                count=row.members,
            )
        )
    for part in split_text("\n".join(lines)):
        await reply(update, context, part)


async def invite(update: Update, context: BotContext) -> None:
    """Secretary: a member invite link for the own branch, or `/invite revoke`."""
    args = command_args(context)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        now = context.clock.now()
        if args and args[0].lower() in ("revoke", "撤销"):
            count = await org.revoke_invites(s, actor=actor.member, now=now)
            await s.commit()
            await reply(
                update,
                context,
                t.n_("{n} open invite link withdrawn.", "{n} open invite links withdrawn.", count),
            )
            return
        if args:
            await reply(update, context, t._("Use /invite for a new link, or /invite revoke."))
            return
        created = await org.create_invite(
            s,
            actor=actor.member,
            now=now,
            ttl=timedelta(days=context.settings.invite_ttl_days),
            max_uses=context.settings.invite_max_uses,
        )
        await s.commit()
    await reply(
        update,
        context,
        t._(
            "Send this link to the members of your branch. "
            "It works for {uses} people until {until}:\n{link}\n\n"
            "Withdraw open links with /invite revoke.",
            uses=created.max_uses,
            until=t.datetime(created.expires_at, "short"),
            link=deep_link(context, created),
        ),
    )


STATUS_NAMES = {
    MemberStatus.active: N_("active"),
    MemberStatus.left: N_("left"),
    MemberStatus.blocked: N_("blocked the bot"),
}


async def members(update: Update, context: BotContext) -> None:
    """Secretary: the roster of the own branch."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        branch, people = await org.roster(s, actor=actor.member)
    t = actor.t
    lines = [t._("<b>{branch}</b>: {n} people", branch=branch.name, n=len(people))]
    for m in people:
        role = role_name(actor, m.role)
        if m.is_committee:
            role = t.label("{role}, branch committee", role=role)
        lines.append(
            t._(
                "• {name} — {role}, {status}, joined {date}",
                name=m.name,
                role=role,
                status=t._(STATUS_NAMES[m.status]),
                date=t.date(m.joined_at),
            )
        )
    lines += ["", t._("Mark branch committee members with /committee; party groups: /groups.")]
    # A branch of a few hundred people is longer than one message (4096 characters).
    for part in split_text("\n".join(lines)):
        await reply(update, context, part)


async def lang(update: Update, context: BotContext) -> None:
    """Offer the two languages."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
    if actor.role == GUEST:
        await not_allowed(update, context, actor)
        return
    await reply(
        update,
        context,
        actor.t._("Choose your language:"),
        [[button("中文", "lang", "zh_CN"), button("English", "lang", "en")]],
    )


async def lang_button(update: Update, context: BotContext) -> None:
    """Switch the person's language."""
    query = update.callback_query
    assert query is not None
    locale = (query.data or "").partition(":")[2]
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if locale not in ("zh_CN", "en"):
            await stale_button(update, actor)
            return
        if actor.member is None:
            await answer(update, actor.t.label("Please join a branch first."), alert=True)
            return
        await org.set_locale(s, member=actor.member, locale=locale)
        await s.commit()
    actor.t = translator_for(context, actor.member)
    await answer(update)
    await edit_pressed(update, context, actor.t._("Language set to English."))
    await publish_menu(context, actor)


async def cancel(update: Update, context: BotContext) -> None:
    """Leave whatever guided form the person is in."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        had = await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    t = actor.t
    await reply(
        update,
        context,
        t._("Cancelled. Nothing was saved from that form.")
        if had
        else t._("There is nothing to cancel."),
    )


async def on_message(update: Update, context: BotContext) -> None:
    """Route a message to the person's open guided form, or explain what the bot understands."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    has_file = message.document is not None or bool(message.photo)
    async with context.sessions() as s:
        state = await forms.current(s, telegram_user_id=user.id)
        handler = None
        if state is not None:
            registry = context.bot_data.form_media if has_file else context.bot_data.forms
            handler = registry.get(state.form)
        if state is None or handler is None:
            actor = await load_actor(s, update, context)
    if state is not None and handler is not None:
        await handler(update, context, state)
        return
    t = actor.t
    if state is not None and has_file:
        text = t._("This step needs a typed answer, not a file. Please type it, or send /cancel.")
    elif has_file:
        text = t._("I cannot use this file here. Send /help to see what you can do.")
    else:
        text = t._("I did not understand that. Send /help to see what you can do.")
    await reply(update, context, text)


async def chat_member(update: Update, context: BotContext) -> None:
    """Keep a member's blocked/unblocked status in step with Telegram."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    async with context.sessions() as s:
        await org.set_blocked(
            s, telegram_user_id=change.chat.id, blocked=blocked, now=context.clock.now()
        )
        await s.commit()


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button no feature claims: forged or from an old version of the bot."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
    await stale_button(update, actor)


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    add_form(app, NAME_FORM, name_text)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("help", help_command, filters=private))
    app.add_handler(CommandHandler("me", me, filters=private))
    app.add_handler(CommandHandler("newbranch", newbranch, filters=private))
    app.add_handler(CommandHandler("branches", branches, filters=private))
    app.add_handler(CommandHandler("invite", invite, filters=private))
    app.add_handler(CommandHandler("members", members, filters=private))
    app.add_handler(CommandHandler("lang", lang, filters=private))
    app.add_handler(CommandHandler("cancel", cancel, filters=private))
    app.add_handler(CallbackQueryHandler(name_button, pattern=r"^name:ok$"))
    app.add_handler(CallbackQueryHandler(lang_button, pattern=r"^lang:"))
    app.add_handler(ChatMemberHandler(chat_member, ChatMemberHandler.MY_CHAT_MEMBER))


def register_fallbacks(app: BotApplication) -> None:
    """Catch-alls, added after every feature (same group, so only what nobody handled)."""
    messages = (filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & messages, on_message))
    app.add_handler(CallbackQueryHandler(unknown_button))
