"""Oversight's button families (typed callback data)."""

from __future__ import annotations

from typing import Literal, Self

from bot.models import MeetingKind, ReviewRating, RulePeriod, Satisfaction
from handlers.callbacks import LARGEST_ID, CallbackData, family


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


@family("ovx")
class ExemptPick(CallbackData):
    """/exempt by buttons: a branch's rule (kind) chosen, then its period; the reason is
    typed next. `period` is the period's label as a typist writes it (2026-Q1)."""

    branch_id: int
    kind: MeetingKind
    period: str | None = None

    @classmethod
    def examples(cls) -> list[Self]:
        return [cls(branch_id=LARGEST_ID, kind=MeetingKind.member_review, period="9999-Q4")]


@family("ovu")
class RulePick(CallbackData):
    """/rules by buttons: a kind, then month / quarter / year, then at least how many."""

    kind: MeetingKind
    period: RulePeriod | None = None
    count: int | None = None


@family("ovn")
class RuleCountAsk(CallbackData):
    """/rules by buttons, 其他数目…: the count for this kind and period is typed next."""

    kind: MeetingKind
    period: RulePeriod
