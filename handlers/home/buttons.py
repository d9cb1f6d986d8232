"""The home screen's button families: open a section, run one of its commands."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from handlers.callbacks import CallbackData


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
