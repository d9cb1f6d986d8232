"""Oversight: the 组织生活 calendar's rules and exemptions, 换届 terms, branch health
snapshots, the yearly 述职评议, and when each person last used the bot."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum, auto
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class RulePeriod(StrEnum):
    # Spelt out, not auto(): mypy then knows each value is one of periods.PeriodKind.
    month = "month"
    quarter = "quarter"
    year = "year"


class HealthLevel(StrEnum):
    """正常 / 关注 / 预警."""

    green = auto()
    yellow = auto()
    red = auto()


class ReportStatus(StrEnum):
    draft = auto()
    submitted = auto()


class ReviewRating(StrEnum):
    """述职评议: 好 / 较好 / 一般 / 差."""

    good = auto()
    fairly_good = auto()
    average = auto()
    poor = auto()


class Satisfaction(StrEnum):
    """满意 / 基本满意 / 不满意."""

    satisfied = auto()
    fairly = auto()
    dissatisfied = auto()


class ComplianceRule(SQLModel, table=True):
    """How often a meeting kind must be held: at least `min_count` per period."""

    __tablename__ = "compliance_rule"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, unique=True)
    period: RulePeriod = Field(max_length=8)
    min_count: int = 1
    # 党小组会: only branches that have party groups are held to it.
    groups_only: bool = False
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: int | None = Field(default=None, foreign_key="member.id")


class Exemption(SQLModel, table=True):
    """豁免: a branch excused from one rule for one period, with the reason."""

    __table_args__ = (UniqueConstraint("branch_id", "kind", "period_label"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    kind: str = Field(max_length=16)
    period_label: str = Field(max_length=8)
    reason: str = Field(max_length=300)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)


class BranchTerm(SQLModel, table=True):
    """任期: one recorded term of a branch committee; the newest is the current one."""

    __tablename__ = "branch_term"
    __table_args__ = (Index("ix_branch_term_branch", "branch_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id")
    starts_on: date
    years: int = 3
    ends_on: date
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    recorded_at: datetime = Field(sa_type=UtcDateTime)


class HealthSnapshot(SQLModel, table=True):
    """One weekly evaluation of a branch: its level and why, as data."""

    __tablename__ = "health_snapshot"
    __table_args__ = (UniqueConstraint("branch_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id")
    period: str = Field(max_length=10)  # ISO week, e.g. 2026-W49
    level: HealthLevel = Field(max_length=8)
    reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    evaluated_at: datetime = Field(sa_type=UtcDateTime)


class AnnualReview(SQLModel, table=True):
    """述职评议 of one year: opened by an admin with a deadline."""

    __tablename__ = "annual_review"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    deadline: datetime = Field(sa_type=UtcDateTime)
    opened_by: int | None = Field(default=None, foreign_key="member.id")
    opened_at: datetime = Field(sa_type=UtcDateTime)


class SecretaryReport(SQLModel, table=True):
    """述职报告 of one branch's secretary for one review, with the admins' rating."""

    __tablename__ = "secretary_report"
    __table_args__ = (UniqueConstraint("review_id", "branch_id"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="annual_review.id")
    branch_id: int = Field(foreign_key="branch.id", index=True)
    secretary_id: int = Field(foreign_key="member.id")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    media_id: int | None = Field(default=None, foreign_key="media_file.id")
    filename: str | None = Field(default=None, max_length=255)
    status: ReportStatus = Field(default=ReportStatus.draft, max_length=10)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    satisfied: int = 0
    fairly: int = 0
    dissatisfied: int = 0
    rating: ReviewRating | None = Field(default=None, max_length=12)
    rating_comment: str | None = Field(default=None, max_length=500)
    rated_by: int | None = Field(default=None, foreign_key="member.id")
    rated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class SatisfactionVote(SQLModel, table=True):
    """That a member has given their 满意度 on a report — never what they chose."""

    __tablename__ = "satisfaction_vote"
    __table_args__ = (UniqueConstraint("report_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="secretary_report.id")
    member_id: int = Field(foreign_key="member.id")


class MemberActivity(SQLModel, table=True):
    """When a person last used the bot (written at most once an hour)."""

    __tablename__ = "member_activity"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    last_seen_at: datetime = Field(sa_type=UtcDateTime)
