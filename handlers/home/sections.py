"""The home screen as one table: each section, who sees it, and the commands it runs.

A section lists commands by name; it is shown only to roles it names, with the items
whose command is registered in this build (`bot_data.entry_points`) and allows the
role. So a capability that lands later (/study, /warnings, /reports) needs only its
command's label in LABELS and its name in a row of SECTIONS: until the command is
registered, its section or item is simply not shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.context import BotData
from bot.i18n import N_
from handlers.home.buttons import Section
from handlers.shape import ADMINS, JOINED, MEMBERS, SECRETARIES


@dataclass(frozen=True, slots=True)
class Item:
    """One button of a section: its label (a msgid), the command it runs, its arguments."""

    label: str
    command: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SectionSpec:
    label: str
    roles: frozenset[str]
    items: tuple[Item, ...]


# The label of a command's button, in whichever section lists it.
LABELS: Mapping[str, str] = {
    "meetings": N_("Upcoming meetings"),
    "study": N_("Open study items"),
    "pledge": N_("My yearly pledge"),
    "me": N_("My record"),
    "lang": N_("Language"),
    "ask": N_("Raise a request"),
    "asks": N_("Requests"),
    "newmeeting": N_("Schedule a meeting"),
    "attendance": N_("Attendance"),
    "groups": N_("Party groups"),
    "newstudy": N_("Publish a study item"),
    "studystatus": N_("Study completion"),
    "studysettings": N_("Study settings"),
    "members": N_("Roster"),
    "invite": N_("Invite link"),
    "committee": N_("Branch committee"),
    "broadcast": N_("Send a notice"),
    "notices": N_("Notices sent"),
    "receipts": N_("Receipts"),
    "report": N_("Reports"),
    "pledges": N_("Pledges"),
    "branches": N_("Branches"),
    "feeds": N_("Study feeds"),
    "audit": N_("Audit log"),
    "warnings": N_("Warnings"),
}


def _row(label: str, roles: frozenset[str], commands: str) -> SectionSpec:
    """One section: its label, who sees it, and its commands (space-separated, in order)."""
    return SectionSpec(label, roles, tuple(Item(LABELS[c], c) for c in commands.split()))


# A section's items are numbered in this order in its buttons (RunItem): append, never
# reorder, or a button already in a chat would run its neighbour.
SECTIONS: Mapping[Section, SectionSpec] = {
    Section.my_meetings: _row(N_("My meetings"), MEMBERS, "meetings"),
    Section.my_study: _row(N_("My study"), MEMBERS, "study"),
    Section.my_pledge: _row(N_("My pledge"), MEMBERS, "pledge"),
    Section.my_record: _row(N_("My record"), JOINED, "me lang"),
    Section.my_requests: _row(N_("My requests"), MEMBERS, "ask asks"),
    Section.meetings: _row(
        N_("Manage meetings"), SECRETARIES, "newmeeting meetings attendance groups"
    ),
    Section.study: _row(N_("Manage study"), SECRETARIES, "newstudy studystatus studysettings"),
    Section.members: _row(N_("Members"), SECRETARIES, "members invite committee"),
    Section.notices: _row(N_("Notices"), SECRETARIES, "broadcast notices receipts"),
    Section.reports: _row(N_("Reports"), SECRETARIES, "report attendance pledges asks"),
    Section.branches: _row(
        N_("All branches"), ADMINS, "branches attendance pledges asks studystatus feeds audit"
    ),
    Section.warnings: _row(N_("Warnings"), ADMINS, "warnings"),
    Section.broadcast: _row(N_("Broadcast"), ADMINS, "broadcast notices receipts"),
}


def command_handler(bot_data: BotData, name: str) -> Any | None:
    """The handler registered for `/name` in this build, or None."""
    for key, callback in bot_data.entry_points:
        if key == f"/{name}":
            return callback
    return None


def allowed(bot_data: BotData, item: Item, role: str) -> bool:
    """Whether `item`'s command exists here and its handler lets `role` run it."""
    callback = command_handler(bot_data, item.command)
    return callback is not None and role in callback.roles


def items_for(bot_data: BotData, section: Section, role: str) -> Sequence[tuple[int, Item]]:
    """The section's items this role may run (with their index in the table)."""
    spec = SECTIONS.get(section)
    if spec is None or role not in spec.roles:
        return []
    return [(i, item) for i, item in enumerate(spec.items) if allowed(bot_data, item, role)]


def sections_for(bot_data: BotData, role: str) -> list[Section]:
    """The sections shown to `role`: those with at least one item it may run."""
    return [s for s in SECTIONS if items_for(bot_data, s, role)]
