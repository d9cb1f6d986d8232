"""The group capability's button families."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class LinkPress(CallbackData):
    """确认关联 / 取消 in the secretary's private chat, for one requested link."""

    prefix: ClassVar[str] = "gl"
    group_id: int
    choice: Literal["ok", "no"]


@dataclass(frozen=True, slots=True)
class GroupVote(CallbackData):
    """出席 / 签到 pressed in the group under a meeting notice: checked against the presser."""

    prefix: ClassVar[str] = "gm"
    meeting_id: int
    choice: Literal["yes", "in"]


@dataclass(frozen=True, slots=True)
class GroupStudy(CallbackData):
    """已学习 pressed in the group under a study item: recorded for the presser."""

    prefix: ClassVar[str] = "gs"
    item_id: int
