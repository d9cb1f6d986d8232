"""Telegram adapters, one module per capability, each with register(app)."""

from __future__ import annotations

from bot.context import BotApplication
from handlers import (
    audit,
    errors,
    feeds,
    guard,
    meetings,
    notices,
    org,
    pledges,
    privacy,
    requests,
    study,
)


def register_all(app: BotApplication) -> None:
    """Add every feature's handlers; the catch-alls go last."""
    guard.register(app)  # group -100: redelivered and flooding updates stop here
    org.register(app)
    meetings.register(app)
    pledges.register(app)
    notices.register(app)
    study.register(app)
    feeds.register(app)
    audit.register(app)
    requests.register(app)
    privacy.register(app)
    errors.register(app)
    org.register_fallbacks(app)
