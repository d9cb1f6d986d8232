"""Timed work: each job is idempotent and reads what is due from the database."""

from __future__ import annotations

from bot.context import BotApplication
from schedules import feeds, groups, meetings, notices, oversight, requests, study, training


def register_all(app: BotApplication) -> None:
    """Add every feature's jobs to the JobQueue."""
    study.register(app)
    feeds.register(app)
    notices.register(app)
    meetings.register(app)
    requests.register(app)
    oversight.register(app)
    groups.register(app)
    training.register(app)
