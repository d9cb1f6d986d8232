"""第一议题 study: study items, their branches and push times, records, feeds, settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, auto

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class StudyStatus(StrEnum):
    draft = auto()  # being written, or imported from a feed and not yet published
    published = auto()
    cancelled = auto()


class StudyItem(SQLModel, table=True):
    """A 第一议题 study item: what to study, by when, for which branches."""

    __tablename__ = "study_item"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: StudyStatus = Field(default=StudyStatus.draft, max_length=16)
    # True: every branch at publishing time; False: the branches in StudyTarget.
    scope_all: bool = False
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    feed_id: int | None = Field(default=None, index=True)
    feed_key: str | None = Field(default=None, max_length=500)
    # 学时 it carries once 已学习, in tenths of an hour (0.5 学时 by default).
    hours_tenths: int = 5


class StudyTarget(SQLModel, table=True):
    """One branch an item is for, with the moment its members get the push."""

    __tablename__ = "study_target"
    __table_args__ = (
        UniqueConstraint("item_id", "branch_id"),
        Index("ix_study_target_due", "pushed_at", "push_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="study_item.id", index=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    push_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    pushed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    batch_id: int | None = Field(default=None)


class StudyRecord(SQLModel, table=True):
    """One member's 已学习 and 心得 for one item."""

    __tablename__ = "study_record"
    __table_args__ = (
        UniqueConstraint("item_id", "member_id"),
        # Covers each member's completed items of a year (their study 学时) on its own.
        Index("ix_study_record_member_done", "member_id", "completed_at", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="study_item.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reflection: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reflected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class BranchStudySettings(SQLModel, table=True):
    """A branch's study time and weekly digest; a missing row means the defaults."""

    __tablename__ = "branch_study_settings"

    branch_id: int = Field(foreign_key="branch.id", primary_key=True)
    study_minute: int = 9 * 60  # minutes after local midnight
    digest_enabled: bool = False
    digest_weekday: int = 0  # Monday
    digest_minute: int = 8 * 60 + 30


class StudyFeed(SQLModel, table=True):
    """An RSS/Atom feed whose new entries become draft study items."""

    __tablename__ = "study_feed"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    added_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    title: str | None = Field(default=None, max_length=200)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    last_fetched_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_ok_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_status: str | None = Field(default=None, max_length=16)  # ok | not_modified | error
    last_error: str | None = Field(default=None, max_length=500)
    last_new: int = 0
    failures: int = 0
