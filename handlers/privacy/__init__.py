"""Privacy: /leave, /remove, /person export|erase."""

from __future__ import annotations

from bot.context import BotApplication


def register(app: BotApplication) -> None:
    return None
