"""The privacy button families."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class LeaveChoice(CallbackData):
    """确认 / 取消 under /leave: ``lv:yes``."""

    prefix: ClassVar[str] = "lv"
    choice: Literal["yes", "no"]


@dataclass(frozen=True, slots=True)
class EraseChoice(CallbackData):
    """确认 / 取消 under /person erase: ``pe:12:yes``."""

    prefix: ClassVar[str] = "pe"
    member_id: int
    choice: Literal["yes", "no"]
