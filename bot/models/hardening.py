"""Hardening: updates already handled (redelivery) and wrong invite tokens (guessing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class HandledUpdate(SQLModel, table=True):
    """A Telegram update id claimed by the process that handles it (kept for days)."""

    __tablename__ = "handled_update"
    __table_args__ = (Index("ix_handled_update_at", "at"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: datetime = Field(sa_type=UtcDateTime)


class InviteAttempt(SQLModel, table=True):
    """A wrong invite token someone tried: counted per person to stop guessing."""

    __tablename__ = "invite_attempt"
    __table_args__ = (Index("ix_invite_attempt_user_at", "telegram_user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(sa_type=UtcDateTime)
