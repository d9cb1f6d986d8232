"""Hardening: updates received but not yet handled (the inbox), updates already handled
(redelivery) and wrong invite tokens (guessing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class HandledUpdate(SQLModel, table=True):
    """A Telegram update id claimed by the process that handles it (kept for days)."""

    __tablename__ = "handled_update"
    __table_args__ = (Index("ix_handled_update_at", "at"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_type=UtcDateTime)


class InboxUpdate(SQLModel, table=True):
    """A Telegram update received and not yet handled (bot/inbox.py): its JSON, committed
    before Telegram is told it arrived, deleted once it has been handled."""

    __tablename__ = "update_inbox"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_by: str = Field(max_length=64, index=True)  # worker_process.name
    received_at: datetime = Field(sa_type=UtcDateTime)


class InviteAttempt(SQLModel, table=True):
    """A wrong invite token someone tried: counted per person to stop guessing."""

    __tablename__ = "invite_attempt"
    __table_args__ = (Index("ix_invite_attempt_user_at", "telegram_user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(sa_type=UtcDateTime)
