"""Feeds of study material (admins): /feeds add|remove, publish or discard drafts."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from handlers.feeds.manage import discard_draft, feeds_command, publish_draft, remove_press
from handlers.shape import add_buttons, add_command


def register(app: BotApplication) -> None:
    add_command(
        app, "feeds", N_("study feeds: /feeds, /feeds add <url>, /feeds remove <id>"), feeds_command
    )
    add_buttons(app, publish_draft, discard_draft, remove_press)
