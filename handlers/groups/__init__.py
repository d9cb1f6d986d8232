"""The branch's own Telegram group (支部群): /linkgroup, /unlinkgroup, posts and presses.

A module per flow: link (linking in the group, confirming in private, unlinking, the
bot removed), posts (what is posted there and 出席 / 签到 pressed there). With privacy
mode on the bot sees only commands and button presses in groups, which is all it needs.
"""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from bot.context import BotApplication, CommandSpec, add_commands
from bot.i18n import N_
from handlers.groups import link, posts
from handlers.shape import LEADERS, PRIVATE, add_buttons

GROUPS = filters.ChatType.GROUPS


def register(app: BotApplication) -> None:
    add_commands(
        app,
        CommandSpec("linkgroup", N_("send in the branch's group to link it"), LEADERS),
        CommandSpec("unlinkgroup", N_("send in the linked group to unlink it"), LEADERS),
    )
    for name, callback in (("linkgroup", link.linkgroup), ("unlinkgroup", link.unlinkgroup)):
        app.bot_data.entry_points.append((f"/{name}", callback))
        app.add_handler(CommandHandler(name, callback, filters=GROUPS))
        app.add_handler(CommandHandler(name, link.in_private, filters=PRIVATE))
    add_buttons(app, link.link_press, posts.group_vote, posts.group_studied)
    app.bot_data.deep_links["leave"] = posts.leave_link
    app.bot_data.deep_links["reflect"] = posts.reflect_link
