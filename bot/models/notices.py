"""Notices: an admin's (or secretary's) broadcast and each recipient's receipt (收到)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, auto
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class NoticeTarget(StrEnum):
    all = auto()  # every member and secretary of every branch
    branches = auto()  # the members of the chosen branches
    secretaries = auto()  # branch secretaries only


class NoticeStatus(StrEnum):
    draft = auto()
    scheduled = auto()
    sending = auto()
    paused = auto()
    cancelled = auto()
    done = auto()


class Notice(SQLModel, table=True):
    """A broadcast: the text as typed (HTML), an optional attachment, who gets it and how."""

    __table_args__ = (Index("ix_notice_status_send_at", "status", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=8192)
    media_id: int | None = Field(default=None, foreign_key="media_file.id")
    media_kind: str | None = Field(default=None, max_length=16)
    target: NoticeTarget = Field(default=NoticeTarget.all, max_length=16)
    branch_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requires_ack: bool = True
    send_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    status: NoticeStatus = Field(default=NoticeStatus.draft, max_length=16)
    created_by: int = Field(foreign_key="member.id", index=True)
    created_at: datetime = Field(sa_type=UtcDateTime)
    batch_id: int | None = Field(default=None, foreign_key="delivery_batch.id")
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The admin's preview message, edited in place with progress while it sends.
    preview_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    preview_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    progress_edited_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    progress_shown: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    progress_final: bool = False  # the last view (done / cancelled) has been shown
    reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class NoticeReceipt(SQLModel, table=True):
    """One per recipient of a sent notice: when they confirmed (收到) and were reminded."""

    __tablename__ = "notice_receipt"
    __table_args__ = (UniqueConstraint("notice_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    branch_id: int | None = Field(default=None, foreign_key="branch.id")
    acked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
