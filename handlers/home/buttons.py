"""The home screen's button families: open a section, run one of its commands."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self

from handlers.callbacks import LARGEST_ID, CallbackData


class Section(StrEnum):
    """The home screen (home) and its sections; short, they travel in callback data."""

    home = "home"
    my_meetings = "mym"
    my_study = "mys"
    my_pledge = "myp"
    my_record = "myr"
    my_requests = "myq"
    meetings = "mt"
    study = "st"
    members = "mb"
    notices = "nt"
    reports = "rp"
    branches = "br"
    warnings = "wn"
    broadcast = "bc"


@dataclass(frozen=True, slots=True)
class OpenSection(CallbackData):
    """Show the home screen, or one section's submenu (also the 返回 buttons)."""

    prefix: ClassVar[str] = "hm"
    section: Section


@dataclass(frozen=True, slots=True)
class RunItem(CallbackData):
    """Run item number `item` of `section`: the same handler as its command."""

    prefix: ClassVar[str] = "hr"
    section: Section
    item: int


@dataclass(frozen=True, slots=True)
class RunCommand(CallbackData):
    """Run `/command arg` from a button on a list (e.g. /attendance 12), in place.

    `back` names the command whose output the 返回 button shows again (the list).
    """

    prefix: ClassVar[str] = "hc"
    command: str
    arg: str | None = None
    back: str | None = None

    @classmethod
    def examples(cls) -> list[Self]:
        return [
            cls(command="cancelmeeting", arg=str(LARGEST_ID), back="attendance"),
            cls(command="attendance", arg="last quarter", back="attendance"),
        ]
