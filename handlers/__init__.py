"""Telegram adapters, one module per capability, each with register(app)."""

from __future__ import annotations

from bot.context import BotApplication
from handlers import (
    audit,
    errors,
    feeds,
    meetings,
    notices,
    org,
    pledges,
    reports,
    requests,
    study,
)


def register_all(app: BotApplication) -> None:
    """Add every feature's handlers; the catch-alls go last."""
    org.register(app)
    meetings.register(app)
    pledges.register(app)
    notices.register(app)
    study.register(app)
    feeds.register(app)
    audit.register(app)
    requests.register(app)
    reports.register(app)
    errors.register(app)
    org.register_fallbacks(app)
