"""The outbox: one Delivery row per recipient of every fan-out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, auto
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class DeliveryStatus(StrEnum):
    pending = auto()
    sending = auto()
    sent = auto()
    failed = auto()
    blocked = auto()
    cancelled = auto()


class BatchState(StrEnum):
    active = auto()
    paused = auto()
    cancelled = auto()


class DeliveryBatch(SQLModel, table=True):
    """One fan-out (a notice, a meeting notice, a reminder, a study push)."""

    __tablename__ = "delivery_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    subject_id: int | None = Field(default=None, index=True)
    state: BatchState = Field(default=BatchState.active, max_length=16)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    total: int = 0


class Delivery(SQLModel, table=True):
    """One message to one recipient: pending → sending → sent | failed | blocked."""

    __table_args__ = (
        UniqueConstraint("batch_id", "chat_id"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="delivery_batch.id", index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UtcDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ambiguous: bool = False
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class MediaFile(SQLModel, table=True):
    """A document or photo attached to a fan-out; uploaded once, then sent by file_id."""

    __tablename__ = "media_file"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    telegram_file_id: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UtcDateTime)
