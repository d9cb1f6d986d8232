"""The 教育培训 button families (typed callback data)."""

from __future__ import annotations

from typing import Literal

from bot.services.training.targets import TargetRole
from handlers.callbacks import CallbackData, family


@family("trs")
class AddStep(CallbackData):
    """Under the /training add form: skip the certificate, 书记培训 on/off, 提交, 取消."""

    action: Literal["skip", "secretary", "submit", "cancel"]


@family("trd")
class Decide(CallbackData):
    """通过 / 退回 on an external training record."""

    record_id: int
    action: Literal["approve", "return"]


@family("tro")
class OpenRecord(CallbackData):
    """Open one record: its details, certificate and what one may do."""

    record_id: int


@family("trf")
class ShowCertificate(CallbackData):
    """Send the record's certificate again, by file_id."""

    record_id: int


@family("trp")
class HoursPage(CallbackData):
    """◀ ▶ through a branch's members (secretary) or the branches (admin) in /hours."""

    scope: Literal["branch", "committee"]
    page: int


@family("trt")
class TargetPick(CallbackData):
    """/targets by buttons: change this role's yearly target (the hours are typed next)."""

    role: TargetRole


@family("trc")
class CoursePick(CallbackData):
    """/course by buttons: name this 党课 / 培训 meeting as a course (typed next)."""

    meeting_id: int


@family("trk")
class CourseSecretary(CallbackData):
    """/course by buttons, the last step: 书记培训 or not, for the form's meeting."""

    meeting_id: int
    secretary: Literal["yes", "no"]
