"""Oversight's button families (typed callback data)."""

from __future__ import annotations

from typing import Literal

from bot.models import MeetingKind, ReviewRating, Satisfaction
from handlers.callbacks import CallbackData, family


@family("ovm")
class ScheduleKind(CallbackData):
    """From a calendar reminder: open /newmeeting with this kind chosen."""

    kind: MeetingKind


@family("ovd")
class BranchDetails(CallbackData):
    """/warnings: one branch's indicators with their values and thresholds."""

    branch_id: int
    page: int


@family("ovw")
class WarningsPage(CallbackData):
    """/warnings: another page of branches."""

    page: int


@family("ovr")
class ReportAction(CallbackData):
    """述职报告: the secretary submits the draft, or starts writing it again."""

    report_id: int
    action: Literal["submit", "rewrite"]


@family("ovs")
class SatisfactionChoice(CallbackData):
    """A member's anonymous 满意度 on their secretary's report."""

    report_id: int
    choice: Satisfaction


@family("ovg")
class RateReport(CallbackData):
    """An admin's 好 / 较好 / 一般 / 差 on a report (a comment is asked next)."""

    report_id: int
    rating: ReviewRating


@family("ovp")
class ReviewPage(CallbackData):
    """/review: another page of branches (or back from a report)."""

    page: int


@family("ovo")
class ReportOpen(CallbackData):
    """/review: open one submitted report."""

    report_id: int
    page: int
