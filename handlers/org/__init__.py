"""Organisation: joining by invite, branches, invites, the roster, /me, /help, /lang, /cancel.

A module per flow: join (/start and the name step), branches, invites, members (/members,
/me), lang, router (the guided-form router, /cancel, stray buttons, blocking); the words
are in views, the button families in buttons.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, ChatMemberHandler, MessageHandler, filters

from bot.context import GUEST, BotApplication, CommandSpec, add_commands
from bot.i18n import N_
from handlers.menu import help_command
from handlers.org import branches, committee, groups, invites, join, lang, members, router
from handlers.shape import PRIVATE, add_buttons, add_command, add_form


def register(app: BotApplication) -> None:
    # Anyone may send /start (a member gets /help), but the menus offer it to guests only.
    add_commands(
        app, CommandSpec("start", N_("start, or join with an invite link"), frozenset({GUEST}))
    )
    add_command(app, "start", "", join.start, menu=False)
    add_command(app, "help", N_("what you can do"), help_command)
    add_command(app, "me", N_("your name, branch and record"), members.me)
    add_command(app, "newbranch", N_("create a branch: /newbranch <name>"), branches.newbranch)
    add_command(
        app, "branches", N_("list branches with secretaries and members"), branches.branches
    )
    add_command(app, "invite", N_("invite link for members (/invite revoke)"), invites.invite)
    add_command(app, "members", N_("the branch roster"), members.members)
    add_command(app, "lang", N_("中文 / English"), lang.lang)
    add_command(app, "cancel", N_("leave the current form"), router.cancel)
    add_form(app, join.NAME)
    add_buttons(app, join.name_button, lang.lang_button)
    app.add_handler(ChatMemberHandler(router.chat_member, ChatMemberHandler.MY_CHAT_MEMBER))


def register_branch_structure(app: BotApplication) -> None:
    """支委 (/committee) and 党小组 (/groups); added after meetings, so /help keeps its order."""
    committee.register(app)
    groups.register(app)


def register_fallbacks(app: BotApplication) -> None:
    """Catch-alls, added after every feature (same group, so only what nobody handled)."""
    messages = (filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO
    app.add_handler(MessageHandler(PRIVATE & messages, router.on_message))
    app.add_handler(CallbackQueryHandler(router.unknown_button))
