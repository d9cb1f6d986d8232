"""Oversight's button families (typed callback data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.models import MeetingKind, ReviewRating, Satisfaction
from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class ScheduleKind(CallbackData):
    """From a calendar reminder: open /newmeeting with this kind chosen."""

    prefix: ClassVar[str] = "ovm"
    kind: MeetingKind


@dataclass(frozen=True, slots=True)
class BranchDetails(CallbackData):
    """/warnings: one branch's indicators with their values and thresholds."""

    prefix: ClassVar[str] = "ovd"
    branch_id: int
    page: int


@dataclass(frozen=True, slots=True)
class WarningsPage(CallbackData):
    """/warnings: another page of branches."""

    prefix: ClassVar[str] = "ovw"
    page: int


@dataclass(frozen=True, slots=True)
class ReportAction(CallbackData):
    """述职报告: the secretary submits the draft, or starts writing it again."""

    prefix: ClassVar[str] = "ovr"
    report_id: int
    action: Literal["submit", "rewrite"]


@dataclass(frozen=True, slots=True)
class SatisfactionChoice(CallbackData):
    """A member's anonymous 满意度 on their secretary's report."""

    prefix: ClassVar[str] = "ovs"
    report_id: int
    choice: Satisfaction


@dataclass(frozen=True, slots=True)
class RateReport(CallbackData):
    """An admin's 好 / 较好 / 一般 / 差 on a report (a comment is asked next)."""

    prefix: ClassVar[str] = "ovg"
    report_id: int
    rating: ReviewRating


@dataclass(frozen=True, slots=True)
class ReviewPage(CallbackData):
    """/review: another page of branches (or back from a report)."""

    prefix: ClassVar[str] = "ovp"
    page: int


@dataclass(frozen=True, slots=True)
class ReportOpen(CallbackData):
    """/review: open one submitted report."""

    prefix: ClassVar[str] = "ovo"
    report_id: int
    page: int
