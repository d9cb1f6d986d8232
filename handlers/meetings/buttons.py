"""The meetings capability's button families (prefixes and layouts as before the typed
families, so buttons already sent keep working)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, Self, TypeVar

from handlers.callbacks import LARGEST_ID, CallbackData, family

Pressed = TypeVar("Pressed", bound=str)


@dataclass(frozen=True, slots=True)
class MeetingChoice(CallbackData, Generic[Pressed]):
    """The shape of the families below: a meeting and which of its buttons was pressed,
    "<prefix>:<meeting>:<choice>" (not a family itself: it has no prefix)."""

    meeting_id: int
    choice: Pressed


@family("mt")
class Vote(MeetingChoice[Literal["yes", "leave", "in"]]):
    """出席 / 请假 / 签到 on a notice or reminder: "mt:<meeting>:yes"."""


@family("ml")
class LeaveVote(CallbackData):
    """批准 / 不批准 one leave request; `token` names the request (see answers.leave_token)."""

    attendance_id: int
    choice: Literal["ok", "no"]
    token: str

    @classmethod
    def examples(cls) -> list[Self]:
        return [cls(attendance_id=LARGEST_ID, choice="ok", token="f" * 12)]


FormAction = Literal[
    "kind", "group", "dur", "ci", "inv", "invpg", "invdone", "ok", "edit", "field", "cancel"
]


@family("mf")
class FormPress(CallbackData):
    """A button of the guided /newmeeting form: "mf:<action>:<value>" (value "0" if none).

    The value's meaning depends on the action (a kind, an id, minutes, a page, a field);
    the form checks it against the step it is at.
    """

    action: FormAction
    value: str = "0"

    @classmethod
    def examples(cls) -> list[Self]:
        return [
            cls(action="invdone", value=str(LARGEST_ID)),
            cls(action="field", value="duration"),
            cls(action="kind", value="member_review"),
        ]


@family("mc")
class CancelPress(MeetingChoice[Literal["yes", "no"]]):
    """Confirm or drop calling a meeting off: "mc:<meeting>:yes"."""


@family("mi")
class Studied(MeetingChoice[Literal["y", "n"]]):
    """Whether 第一议题 was studied: "mi:<meeting>:y"."""


@family("mdoc")
class MinutesFile(CallbackData):
    """Send me the minutes document: "mdoc:<meeting>"."""

    meeting_id: int


@family("mmp")
class MarkOpen(CallbackData):
    """Open the marking list (a new message): "mmp:<meeting>:<page>"."""

    meeting_id: int
    page: int


@family("mmn")
class MarkPage(MarkOpen):
    """◀ ▶ in the marking list (edits it): "mmn:<meeting>:<page>"."""


@family("mm")
class Mark(CallbackData):
    """Mark one invitee present or absent by hand: "mm:<attendance>:p:<page>"."""

    attendance_id: int
    choice: Literal["p", "a"]
    page: int


@family("mrs")
class ReschedulePick(CallbackData):
    """/reschedule by buttons: move this meeting (the new date, then the time, are typed)."""

    meeting_id: int
