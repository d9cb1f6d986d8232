"""Telegram adapters, one module per capability, each with register(app)."""

from __future__ import annotations

from bot.context import BotApplication
from handlers import (
    audit,
    errors,
    feeds,
    groups,
    guard,
    home,
    meetings,
    notices,
    org,
    oversight,
    pledges,
    privacy,
    reports,
    requests,
    study,
    training,
)


def register_all(app: BotApplication) -> None:
    """Add every feature's handlers; the catch-alls go last."""
    guard.register(app)  # group -100: redelivered and flooding updates stop here
    org.register(app)
    meetings.register(app)
    org.register_branch_structure(app)
    pledges.register(app)
    notices.register(app)
    study.register(app)
    feeds.register(app)
    audit.register(app)
    requests.register(app)
    oversight.register(app)
    groups.register(app)
    home.register(app)
    training.register(app)
    reports.register(app)
    privacy.register(app)
    errors.register(app)
    home.register_fallbacks(app)
    org.register_fallbacks(app)
