"""亮身份·亮职责·亮承诺: the yearly pledge, every submitted version, its history and notes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum, auto
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class PledgeStatus(StrEnum):
    """draft → submitted → approved | returned (a returned pledge is fixed and resubmitted)."""

    draft = auto()
    submitted = auto()
    approved = auto()
    returned = auto()


class PledgeRating(StrEnum):
    """评诺: 优秀 / 合格 / 基本合格 / 不合格."""

    excellent = auto()
    satisfactory = auto()
    basic = auto()
    unsatisfactory = auto()


class Pledge(SQLModel, table=True):
    """One member's pledge for one year; the current text is the latest version."""

    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    year: int
    # 亮身份: party member and branch come from the member row; the post is what they add.
    post: str = Field(max_length=100)
    duties: str = Field(max_length=1000)
    commitments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: PledgeStatus = Field(default=PledgeStatus.draft, max_length=16)
    version: int = 0
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    review_comment: str | None = Field(default=None, max_length=500)
    reviewed_by: int | None = Field(default=None, foreign_key="member.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    published: bool = False
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    rating: PledgeRating | None = Field(default=None, max_length=16)
    rating_comment: str | None = Field(default=None, max_length=500)
    rated_by: int | None = Field(default=None, foreign_key="member.id")
    rated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class PledgeVersion(SQLModel, table=True):
    """The text of a pledge exactly as it was submitted, every time it was submitted."""

    __tablename__ = "pledge_version"
    __table_args__ = (UniqueConstraint("pledge_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    number: int
    post: str = Field(max_length=100)
    duties: str = Field(max_length=1000)
    commitments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_by: int = Field(foreign_key="member.id")
    submitted_at: datetime = Field(sa_type=UtcDateTime)


class PledgeEvent(SQLModel, table=True):
    """What happened to a pledge, by whom and when: submitted, approved, returned, rated, …"""

    __tablename__ = "pledge_event"

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(sa_type=UtcDateTime)
    action: str = Field(max_length=32)
    version: int = 0
    comment: str | None = Field(default=None, max_length=500)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PledgeNote(SQLModel, table=True):
    """践诺: a dated note of progress on the pledge."""

    __tablename__ = "pledge_note"

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    author_id: int = Field(foreign_key="member.id")
    noted_on: date
    text: str = Field(max_length=500)
    created_at: datetime = Field(sa_type=UtcDateTime)
