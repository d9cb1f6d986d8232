"""教育培训: training hours (学时), external training records, courses and yearly targets.

Hours are kept in tenths of an hour (3.5 学时 is 35) so sums are exact on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum, auto

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime

TITLE_MAX = 200
ORGANISER_MAX = 200
COMMENT_MAX = 500


class TrainingSource(StrEnum):
    """Where hours come from: a 党课/培训 meeting, a study item, or outside (外部培训)."""

    meeting = auto()
    study = auto()
    external = auto()


class RecordState(StrEnum):
    """An external record: 待审核 → 已通过, or 已退回 with a comment."""

    pending = auto()
    approved = auto()
    returned = auto()


class TrainingRecord(SQLModel, table=True):
    """外部培训记录: training a member took outside the bot, counted once approved.

    Meeting and study hours are not copied here: they are computed from the attendance
    and study rows themselves (bot/services/training/hours.py says why), so `source` is
    `external` for every row written today; the column keeps room for imported records.
    """

    __tablename__ = "training_record"
    __table_args__ = (Index("ix_training_record_member_held", "member_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    branch_id: int = Field(foreign_key="branch.id", index=True)
    source: TrainingSource = Field(default=TrainingSource.external, max_length=16)
    title: str = Field(max_length=TITLE_MAX)
    organiser: str = Field(default="", max_length=ORGANISER_MAX)
    held_on: date
    hours_tenths: int
    secretary_training: bool = False
    # The certificate as Telegram keeps it: sent on by file_id, never downloaded.
    file_id: str | None = Field(default=None, max_length=255)
    media_kind: str | None = Field(default=None, max_length=16)
    state: RecordState = Field(default=RecordState.pending, max_length=16, index=True)
    approved_by: int | None = Field(default=None, foreign_key="member.id")
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)
    created_at: datetime = Field(sa_type=UtcDateTime)


class TrainingCourse(SQLModel, table=True):
    """A 培训 or 党课 meeting named as a course (党课开讲啦, 学习大讲堂, 书记示范班).

    Kept beside the meeting rather than as columns of it, so the meetings capability
    stays as it is; `secretary_training` makes attending it count for the new-secretary
    rule.
    """

    __tablename__ = "training_course"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    name: str = Field(max_length=100)
    secretary_training: bool = False
    set_by: int | None = Field(default=None, foreign_key="member.id")
    set_at: datetime = Field(sa_type=UtcDateTime)


class TrainingTarget(SQLModel, table=True):
    """年度目标 of one role (member / committee / secretary); a missing row is the default."""

    __tablename__ = "training_target"

    role: str = Field(primary_key=True, max_length=16)
    hours_tenths: int
    changed_by: int | None = Field(default=None, foreign_key="member.id")
    changed_at: datetime = Field(sa_type=UtcDateTime)
