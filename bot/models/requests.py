"""诉求 requests: what a member raises, how the branch handles it, and its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, auto

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime

TEXT_MAX = 2000
REASON_MAX = 500


class RequestKind(StrEnum):
    """诉求 / 建议 / 困难求助."""

    issue = auto()
    suggestion = auto()
    help = auto()


class RequestState(StrEnum):
    """submitted → accepted (受理) → resolved (办结) → closed once rated.

    forwarded (转交党委) waits for an admin; reopened (退回) is a resolved request the member
    was not satisfied with, back with its handler (once).
    """

    submitted = auto()
    accepted = auto()
    forwarded = auto()
    resolved = auto()
    reopened = auto()
    closed = auto()


OPEN_STATES = (
    RequestState.submitted,
    RequestState.accepted,
    RequestState.forwarded,
    RequestState.reopened,
)


class RequestRating(StrEnum):
    """满意 / 基本满意 / 不满意."""

    satisfied = auto()
    fair = auto()
    dissatisfied = auto()


class Request(SQLModel, table=True):
    """One 诉求, 建议 or 困难求助 of a member, numbered within the branch."""

    __table_args__ = (
        UniqueConstraint("branch_id", "number"),
        Index("ix_request_branch_created", "branch_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id")
    number: int
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: RequestKind = Field(max_length=16)
    text: str = Field(max_length=TEXT_MAX)
    # The attachment as Telegram keeps it: sent on by file_id, never downloaded.
    file_id: str | None = Field(default=None, max_length=255)
    media_kind: str | None = Field(default=None, max_length=16)
    state: RequestState = Field(default=RequestState.submitted, max_length=16, index=True)
    handler_id: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    accept_due_at: datetime = Field(sa_type=UtcDateTime)
    resolve_due_at: datetime = Field(sa_type=UtcDateTime)
    # First answer (受理, or 转交党委): what 响应率 measures against accept_due_at.
    responded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    forwarded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    forward_reason: str | None = Field(default=None, max_length=REASON_MAX)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reply: str | None = Field(default=None, max_length=TEXT_MAX)
    reply_file_id: str | None = Field(default=None, max_length=255)
    reply_media_kind: str | None = Field(default=None, max_length=16)
    rating: RequestRating | None = Field(default=None, max_length=16)
    rated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reopen_reason: str | None = Field(default=None, max_length=REASON_MAX)
    reopened_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class RequestEvent(SQLModel, table=True):
    """A change of a request's state: who, when, from what to what, with what comment."""

    __tablename__ = "request_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(sa_type=UtcDateTime)
    action: str = Field(max_length=32)
    state_from: str | None = Field(default=None, max_length=16)
    state_to: str = Field(max_length=16)
    comment: str | None = Field(default=None, max_length=TEXT_MAX)
