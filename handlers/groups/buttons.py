"""The group capability's button families."""

from __future__ import annotations

from typing import Literal

from handlers.callbacks import CallbackData, family


@family("gl")
class LinkPress(CallbackData):
    """确认关联 / 取消 in the secretary's private chat, for one requested link."""

    group_id: int
    choice: Literal["ok", "no"]


@family("gm")
class GroupVote(CallbackData):
    """出席 / 签到 pressed in the group under a meeting notice: checked against the presser."""

    meeting_id: int
    choice: Literal["yes", "in"]


@family("gs")
class GroupStudy(CallbackData):
    """已学习 pressed in the group under a study item: recorded for the presser."""

    item_id: int
