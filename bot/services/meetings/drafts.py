"""What a secretary types to set up a meeting, and the draft a form holds until confirmed.

Dates and times are read by bot/services/periods.py; this module adds the meeting's own
words: the kind (支部党员大会, 主题党日, … or their English names), the length, the place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import CheckinBy, MeetingKind, Member, PartyGroup, Role
from bot.services import access, org, periods
from bot.services.committee import groups_of
from bot.services.errors import Refused, clean_text

DEFAULT_DURATION_MINUTES = 120
DURATION_MIN, DURATION_MAX = 15, 600
DURATIONS = (60, 90, 120, 180)  # the buttons of the guided form
PLACE_MAX = 200
TOPIC_MAX = 300

# What people may type for a kind: the glossary's Chinese names and the English ones.
KIND_WORDS = {
    "党员大会": MeetingKind.assembly,
    "支部党员大会": MeetingKind.assembly,
    "支委会": MeetingKind.committee,
    "党小组会": MeetingKind.group,
    "党课": MeetingKind.lecture,
    "主题党日": MeetingKind.theme_day,
    "组织生活会": MeetingKind.life_meeting,
    "民主评议党员": MeetingKind.member_review,
    "民主评议": MeetingKind.member_review,
    "培训": MeetingKind.training,
    "party day": MeetingKind.theme_day,
    "theme_day": MeetingKind.theme_day,
    "organisational life meeting": MeetingKind.life_meeting,
    "life_meeting": MeetingKind.life_meeting,
    "democratic review of members": MeetingKind.member_review,
    "member_review": MeetingKind.member_review,
    "training session": MeetingKind.training,
    "training": MeetingKind.training,
    "assembly": MeetingKind.assembly,
    "general assembly": MeetingKind.assembly,
    "committee": MeetingKind.committee,
    "branch committee meeting": MeetingKind.committee,
    "group": MeetingKind.group,
    "party group meeting": MeetingKind.group,
    "lecture": MeetingKind.lecture,
    "party lecture": MeetingKind.lecture,
}


def parse_kind(text: str) -> MeetingKind:
    kind = KIND_WORDS.get(" ".join(text.strip().lower().split()))
    if kind is None:
        raise Refused("bad_kind", text=text.strip()[:40])
    return kind


def parse_duration(text: str) -> int:
    """Minutes, typed as `90`, `90m`, `2h` or `1.5h`."""
    raw = text.strip().lower().replace("分钟", "m").replace("小时", "h")
    match = re.fullmatch(r"(\d{1,3}(?:\.\d)?)\s*(h|m|min)?", raw)
    if match is None:
        raise Refused("bad_duration")
    value = float(match[1])
    minutes = round(value * 60) if match[2] == "h" else round(value)
    if match[2] != "h" and "." in match[1]:
        raise Refused("bad_duration")
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        raise Refused("bad_duration")
    return minutes


def starts_in_future(day: date, at: time, tz: ZoneInfo, now: datetime) -> datetime:
    """The start in UTC; refused (in_past) unless it is still ahead."""
    starts = periods.local_to_utc(day, at, tz)
    if starts <= now:
        raise Refused("in_past")
    return starts


@dataclass(slots=True)
class Draft:
    """A meeting as the form holds it (JSON-friendly), before it is saved."""

    kind: MeetingKind | None = None
    group_id: int | None = None
    day: date | None = None
    at: time | None = None
    duration: int = DEFAULT_DURATION_MINUTES
    place: str = ""
    topic: str = ""
    checkin_by: CheckinBy = CheckinBy.button
    invitees: list[int] | None = None  # None: the kind's default

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        return cls(
            kind=MeetingKind(data["kind"]) if data.get("kind") else None,
            group_id=data.get("group_id"),
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
            at=time.fromisoformat(data["at"]) if data.get("at") else None,
            duration=int(data.get("duration") or DEFAULT_DURATION_MINUTES),
            place=data.get("place") or "",
            topic=data.get("topic") or "",
            checkin_by=CheckinBy(data.get("checkin_by") or CheckinBy.button),
            invitees=list(data["invitees"]) if data.get("invitees") is not None else None,
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value if self.kind else None,
            "group_id": self.group_id,
            "day": self.day.isoformat() if self.day else None,
            "at": self.at.strftime("%H:%M") if self.at else None,
            "duration": self.duration,
            "place": self.place,
            "topic": self.topic,
            "checkin_by": self.checkin_by.value,
            "invitees": self.invitees,
        }


def default_invitees(
    people: Sequence[Member], kind: MeetingKind, group_id: int | None
) -> list[Member]:
    """支委会: the committee and the secretaries; 党小组会: one group; otherwise everyone."""
    if kind == MeetingKind.committee:
        return [p for p in people if p.is_committee or p.role == Role.secretary]
    if kind == MeetingKind.group:
        return [p for p in people if group_id is not None and p.party_group_id == group_id]
    return list(people)


@dataclass(frozen=True, slots=True)
class Invitees:
    """Who a draft invites now, out of everyone of the branch who could be invited."""

    people: list[Member]
    chosen: list[Member]

    @property
    def chosen_ids(self) -> set[int | None]:
        return {p.id for p in self.chosen}


async def invitees(session: AsyncSession, *, branch_id: int, draft: Draft) -> Invitees:
    """The chosen people, or the kind's default."""
    people = await org.active_members(session, branch_id)
    if draft.invitees is not None:
        picked = set(draft.invitees)
        return Invitees(people, [p for p in people if p.id in picked])
    assert draft.kind is not None
    return Invitees(people, default_invitees(people, draft.kind, draft.group_id))


def toggle_invitee(draft: Draft, current: Invitees, member_id: int) -> None:
    """Invite or uninvite one person of the branch (in the branch's order)."""
    if member_id not in {p.id for p in current.people}:
        raise Refused("no_such_person")
    chosen = current.chosen_ids ^ {member_id}
    draft.invitees = [p.id for p in current.people if p.id in chosen and p.id is not None]


async def group_of(session: AsyncSession, draft: Draft) -> PartyGroup | None:
    """The party group a 党小组会 draft is for."""
    if draft.kind != MeetingKind.group or draft.group_id is None:
        return None
    return await session.get(PartyGroup, draft.group_id)


async def require_groups(session: AsyncSession, *, branch_id: int, kind: MeetingKind) -> None:
    """A 党小组会 needs a party group to choose; without one the form would be stuck."""
    if kind == MeetingKind.group and not await groups_of(session, branch_id):
        raise Refused("no_groups")


async def _group_named(
    session: AsyncSession, branch_id: int, rest: list[str]
) -> tuple[int, list[str]]:
    """The group a quick 党小组会 names first (or the branch's only group), and the rest."""
    groups = await groups_of(session, branch_id)
    named = [g for g in groups if rest and g.name == rest[0]]
    if named:
        assert named[0].id is not None
        return named[0].id, rest[1:]
    if len(groups) == 1:
        assert groups[0].id is not None
        return groups[0].id, rest
    if not groups:
        raise Refused("no_groups")
    raise Refused("which_group", groups="、".join(g.name for g in groups))


async def quick_draft(
    session: AsyncSession, *, actor: Member | None, args: list[str], tz: ZoneInfo, now: datetime
) -> Draft:
    """`<kind> <YYYY-MM-DD> <HH:MM> [place]`; a 党小组会 names its group first when there are several."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    assert secretary.branch_id is not None
    if len(args) < 3:
        raise Refused("quick_usage")
    kind = parse_kind(args[0])
    day = periods.parse_date(args[1])
    at = periods.parse_time(args[2])
    starts_in_future(day, at, tz, now)
    rest = list(args[3:])
    group_id = None
    if kind == MeetingKind.group:
        group_id, rest = await _group_named(session, secretary.branch_id, rest)
    place = clean_text(" ".join(rest), PLACE_MAX, "place_too_long")
    return Draft(kind=kind, group_id=group_id, day=day, at=at, place=place)
