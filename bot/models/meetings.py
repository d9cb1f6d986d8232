"""三会一课: party groups (党小组), meetings and one attendance row per invitee."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, auto

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class MeetingKind(StrEnum):
    """支部党员大会 / 支委会 / 党小组会 / 党课, and 主题党日 / 组织生活会 / 民主评议党员 / 培训."""

    assembly = auto()
    committee = auto()
    group = auto()
    lecture = auto()
    theme_day = auto()
    life_meeting = auto()
    member_review = auto()
    training = auto()


class MeetingStatus(StrEnum):
    scheduled = auto()
    cancelled = auto()


class CheckinBy(StrEnum):
    """How invitees check in: a 签到 button, or `/checkin <code>` given at the meeting."""

    button = auto()
    code = auto()


class Rsvp(StrEnum):
    attend = auto()
    leave = auto()


class LeaveStatus(StrEnum):
    pending = auto()
    approved = auto()
    rejected = auto()


class CheckinMethod(StrEnum):
    button = auto()
    code = auto()
    manual = auto()


class PartyGroup(SQLModel, table=True):
    """党小组: a subgroup of a branch; members point at it with Member.party_group_id."""

    __tablename__ = "party_group"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    name: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UtcDateTime)


class Meeting(SQLModel, table=True):
    """One of the branch's 三会一课 meetings."""

    __table_args__ = (Index("ix_meeting_branch_starts", "branch_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id")
    kind: MeetingKind = Field(max_length=16)
    party_group_id: int | None = Field(default=None, foreign_key="party_group.id")
    starts_at: datetime = Field(sa_type=UtcDateTime, index=True)
    ends_at: datetime = Field(sa_type=UtcDateTime)
    place: str = Field(default="", max_length=200)
    first_topic: str = Field(default="", max_length=300)
    checkin_by: CheckinBy = Field(default=CheckinBy.button, max_length=8)
    checkin_code: str | None = Field(default=None, max_length=6)
    status: MeetingStatus = Field(default=MeetingStatus.scheduled, max_length=16)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    minutes_text: str | None = Field(default=None, max_length=4000)
    minutes_media_id: int | None = Field(default=None, foreign_key="media_file.id")
    minutes_filename: str | None = Field(default=None, max_length=255)
    first_topic_studied: bool | None = None


class Attendance(SQLModel, table=True):
    """An invitee of a meeting: their answer, leave request and check-in (one row each)."""

    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        # Covers "who checked in to these meetings" without reading the rows: a meeting
        # held (a check-in), its attendance counts, and the 学时 of courses per member.
        Index("ix_attendance_meeting_checkin", "meeting_id", "checked_in_at", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    rsvp: Rsvp | None = Field(default=None, max_length=8)
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    leave_reason: str | None = Field(default=None, max_length=500)
    leave_status: LeaveStatus | None = Field(default=None, max_length=10)
    leave_decided_by: int | None = Field(default=None, foreign_key="member.id")
    checked_in_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    method: CheckinMethod | None = Field(default=None, max_length=8)
    late: bool = False
    marked_absent: bool = False
    code_tries: int = 0
