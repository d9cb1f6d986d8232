"""Timed work: each job is idempotent and reads what is due from the database."""

from __future__ import annotations

from bot.context import BotApplication
from schedules import meetings
from schedules import notices


def register_all(app: BotApplication) -> None:
    """Add every feature's jobs to the JobQueue."""
    notices.register(app)
    meetings.register(app)
