"""The home screen (首页): /menu, sections of buttons per role, unknown commands.

Sections are one table (sections.py); a button runs the same handler as the command,
editing the menu message in place (shape.InPlace). buttons holds the families, views
the words.
"""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from bot.context import BotApplication
from bot.i18n import N_
from handlers.home import screen
from handlers.shape import PRIVATE, add_buttons, add_command


def register(app: BotApplication) -> None:
    add_command(app, "menu", N_("the home screen: buttons for everything"), screen.menu)
    add_buttons(app, screen.open_section, screen.run_item, screen.run_command)


def register_fallbacks(app: BotApplication) -> None:
    """After every command: a command nobody took gets a short answer (private chats)."""
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, screen.unknown_command))
