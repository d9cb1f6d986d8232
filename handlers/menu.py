"""Per-role command menus (setMyCommands scoped to each chat) and /help built from them."""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat
from telegram.error import TelegramError

from bot.app import command_menu
from bot.context import GUEST, BotContext, CommandSpec
from bot.i18n import N_, Translator
from bot.models import Role
from handlers.common import Actor
from handlers.home import views as home_views
from handlers.home.buttons import Section
from handlers.home.sections import SECTIONS
from handlers.shape import Turn, handler

log = logging.getLogger(__name__)

ROLE_NAMES = {
    GUEST: N_("not joined"),
    Role.member: N_("member"),
    Role.secretary: N_("secretary"),
    Role.admin: N_("admin"),
}


def role_label(t: Translator, role: str) -> str:
    """A role (or "not joined") in words."""
    return t._(ROLE_NAMES.get(role, role))


def role_name(actor: Actor, role: str) -> str:
    return role_label(actor.t, role)


async def publish_menu(context: BotContext, actor: Actor) -> None:
    """Show this person's commands in their language in Telegram's menu."""
    menu = command_menu(context.bot_data.commands, actor.role, actor.t.label)
    try:
        await context.bot.set_my_commands(menu, scope=BotCommandScopeChat(actor.telegram_user_id))
    except TelegramError as exc:
        # The menu is a convenience; /help always works, so never fail a flow over it.
        log.warning("setMyCommands failed for a chat: %s", exc.message)


def help_text(context: BotContext, actor: Actor) -> str:
    """Exactly what this person may do: grouped by home-screen section, one line each."""
    t = actor.t
    mine = {spec.name: spec for spec in context.bot_data.commands if actor.role in spec.roles}
    shown: set[str] = set()
    groups: list[tuple[Section, list[CommandSpec]]] = []
    for section, spec in SECTIONS.items():
        if actor.role not in spec.roles:
            continue
        names = [i.command for i in spec.items if i.command in mine and i.command not in shown]
        names = list(dict.fromkeys(names))
        if names:
            shown.update(names)
            groups.append((section, [mine[n] for n in names]))
    others = [spec for name, spec in mine.items() if name not in shown]
    text = home_views.help_text(
        t,
        role_name=role_name(actor, actor.role),
        groups=groups,
        others=others,
        menu=actor.role != GUEST,
    )
    if actor.role == GUEST:
        text += "\n\n" + t._(
            "To join, open the invite link your branch secretary sent you "
            "(or that the committee sent to a new secretary)."
        )
    return text


@handler()
async def help_command(turn: Turn[None]) -> None:
    """List exactly what this person may do."""
    await turn.reply(help_text(turn.context, turn.actor))
    if turn.actor.role != GUEST:
        # Keeps the Telegram menu in step with the role (admins get theirs here first).
        await publish_menu(turn.context, turn.actor)
