"""The home screen as one table: each section, who sees it, and the commands it runs.

A section lists commands by name; it is shown only to roles it names, with the items
whose command is registered in this build (`bot_data.entry_points`) and allows the
role. So a capability that lands later (/study, /warnings, /reports) needs only its
line here: until its command is registered, its section or item is simply not shown.
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


SECTIONS: Mapping[Section, SectionSpec] = {
    Section.my_meetings: SectionSpec(
        N_("My meetings"), MEMBERS, (Item(N_("Upcoming meetings"), "meetings"),)
    ),
    Section.my_study: SectionSpec(
        N_("My study"), MEMBERS, (Item(N_("Open study items"), "study"),)
    ),
    Section.my_pledge: SectionSpec(
        N_("My pledge"), MEMBERS, (Item(N_("My yearly pledge"), "pledge"),)
    ),
    Section.my_record: SectionSpec(
        N_("My record"),
        JOINED,
        (Item(N_("My record"), "me"), Item(N_("Language"), "lang")),
    ),
    Section.my_requests: SectionSpec(
        N_("My requests"),
        MEMBERS,
        (Item(N_("Raise a request"), "ask"), Item(N_("Requests"), "asks")),
    ),
    Section.meetings: SectionSpec(
        N_("Manage meetings"),
        SECRETARIES,
        (
            Item(N_("Schedule a meeting"), "newmeeting"),
            Item(N_("Upcoming meetings"), "meetings"),
            Item(N_("Attendance"), "attendance"),
            Item(N_("Party groups"), "groups"),
        ),
    ),
    Section.study: SectionSpec(
        N_("Manage study"),
        SECRETARIES,
        (
            Item(N_("Publish a study item"), "newstudy"),
            Item(N_("Study completion"), "studystatus"),
            Item(N_("Study settings"), "studysettings"),
        ),
    ),
    Section.members: SectionSpec(
        N_("Members"),
        SECRETARIES,
        (
            Item(N_("Roster"), "members"),
            Item(N_("Invite link"), "invite"),
            Item(N_("Branch committee"), "committee"),
        ),
    ),
    Section.notices: SectionSpec(
        N_("Notices"),
        SECRETARIES,
        (
            Item(N_("Send a notice"), "broadcast"),
            Item(N_("Notices sent"), "notices"),
            Item(N_("Receipts"), "receipts"),
        ),
    ),
    Section.reports: SectionSpec(
        N_("Reports"),
        SECRETARIES,
        (
            Item(N_("Reports"), "report"),
            Item(N_("Attendance"), "attendance"),
            Item(N_("Pledges"), "pledges"),
            Item(N_("Requests"), "asks"),
        ),
    ),
    Section.branches: SectionSpec(
        N_("All branches"),
        ADMINS,
        (
            Item(N_("Branches"), "branches"),
            Item(N_("Attendance"), "attendance"),
            Item(N_("Pledges"), "pledges"),
            Item(N_("Requests"), "asks"),
            Item(N_("Study completion"), "studystatus"),
            Item(N_("Study feeds"), "feeds"),
            Item(N_("Audit log"), "audit"),
        ),
    ),
    Section.warnings: SectionSpec(N_("Warnings"), ADMINS, (Item(N_("Warnings"), "warnings"),)),
    Section.broadcast: SectionSpec(
        N_("Broadcast"),
        ADMINS,
        (
            Item(N_("Send a notice"), "broadcast"),
            Item(N_("Notices sent"), "notices"),
            Item(N_("Receipts"), "receipts"),
        ),
    ),
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
