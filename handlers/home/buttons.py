"""The home screen's button families: open a section, run one of its commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from handlers.callbacks import LARGEST_ID, CallbackData, family


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


@family("hm")
class OpenSection(CallbackData):
    """Show the home screen, or one section's submenu (also the 返回 buttons)."""

    section: Section


@family("hr")
class RunItem(CallbackData):
    """Run item number `item` of `section`: the same handler as its command."""

    section: Section
    item: int


@family("hc")
class RunCommand(CallbackData):
    """Run `/command arg` from a button on a list (e.g. /attendance 12), in place.

    `back` names the command whose output the 返回 button shows again (the list).
    """

    command: str
    arg: str | None = None
    back: str | None = None

    @classmethod
    def examples(cls) -> list[Self]:
        return [
            cls(command="cancelmeeting", arg=str(LARGEST_ID), back="attendance"),
            cls(command="attendance", arg="last quarter", back="attendance"),
            cls(command="attendance", arg=f"@{LARGEST_ID} last quarter", back="attendance"),
            cls(command="course", arg=f"@{LARGEST_ID} page 9999", back="course"),
        ]
