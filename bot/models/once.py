"""What makes reminders and periodic jobs exactly-once across restarts and instances."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class ReminderLog(SQLModel, table=True):
    """One row per (kind, subject, member, slot) that has been sent or done.

    `member_id` is 0 for jobs that concern no one person (a periodic job's run).
    """

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("kind", "subject", "member_id", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=64)
    member_id: int = 0
    slot: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UtcDateTime)
