"""The privacy button families."""

from __future__ import annotations

from typing import Literal

from handlers.callbacks import CallbackData, Choice, family


@family("lv")
class LeaveChoice(Choice[Literal["yes", "no"]]):
    """确认 / 取消 under /leave: ``lv:yes``."""


@family("pe")
class EraseChoice(CallbackData):
    """确认 / 取消 under /person erase: ``pe:12:yes``."""

    member_id: int
    choice: Literal["yes", "no"]
