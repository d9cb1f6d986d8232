"""The branch's own organisation: who sits on the 支委 (committee), and the 党小组 (groups)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, MemberStatus, PartyGroup, Role
from bot.services import access, audit, org
from bot.services.errors import Refused

GROUP_NAME_MAX = 32


async def groups_of(session: AsyncSession, branch_id: int) -> list[PartyGroup]:
    """The branch's party groups, by name."""
    rows = await session.exec(
        select(PartyGroup)
        .where(PartyGroup.branch_id == branch_id)
        .order_by(col(PartyGroup.name), col(PartyGroup.id))
    )
    return list(rows)


async def own_group(session: AsyncSession, *, actor: Member | None, group_id: int) -> PartyGroup:
    """A party group of the secretary's own branch."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    group = await session.get(PartyGroup, group_id)
    if group is None or group.branch_id != secretary.branch_id:
        raise Refused("no_such_group")
    return group


@dataclass(frozen=True, slots=True)
class GroupRoster:
    """One party group and the names of the people in it."""

    group: PartyGroup
    names: list[str]


@dataclass(frozen=True, slots=True)
class Organisation:
    """The branch's people, its committee and its groups, for the secretary's views."""

    people: list[Member]
    committee: list[Member]
    groups: list[GroupRoster]


async def organisation(session: AsyncSession, *, actor: Member | None) -> Organisation:
    """Everyone of the secretary's branch, who is on the committee, who is in which group."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    assert secretary.branch_id is not None
    people = await org.active_members(session, secretary.branch_id)
    groups = await groups_of(session, secretary.branch_id)
    rosters = [GroupRoster(g, [p.name for p in people if p.party_group_id == g.id]) for g in groups]
    return Organisation(people, [p for p in people if p.is_committee], rosters)


async def create_group(
    session: AsyncSession, *, actor: Member | None, name: str, now: datetime
) -> PartyGroup:
    """A new 党小组 in the secretary's branch."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    name = name.strip()
    if not name:
        raise Refused("group_name_empty")
    if len(name) > GROUP_NAME_MAX or "\n" in name:
        raise Refused("group_name_too_long", limit=GROUP_NAME_MAX)
    assert secretary.branch_id is not None
    exists = (
        await session.exec(
            select(PartyGroup).where(
                PartyGroup.branch_id == secretary.branch_id, PartyGroup.name == name
            )
        )
    ).first()
    if exists is not None:
        raise Refused("group_exists", name=name)
    group = PartyGroup(branch_id=secretary.branch_id, name=name, created_at=now)
    named = {"name": name}
    await audit.saved(session, group, by=secretary, action="group.created", now=now, details=named)
    return group


async def _own_person(session: AsyncSession, secretary: Member, member_id: int) -> Member:
    person = await session.get(Member, member_id)
    if (
        person is None
        or person.branch_id != secretary.branch_id
        or person.status == MemberStatus.left
    ):
        raise Refused("no_such_person")
    return person


async def set_committee(
    session: AsyncSession, *, actor: Member | None, member_id: int, on: bool, now: datetime
) -> Member:
    """Mark or unmark a person of the branch as 支委 (branch committee member)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    person = await _own_person(session, secretary, member_id)
    if person.is_committee != on:
        person.is_committee = on
        action = "committee.set" if on else "committee.unset"
        await audit.saved(session, person, by=secretary, action=action, now=now)
    return person


@dataclass(frozen=True, slots=True)
class GroupChange:
    person: Member
    group: PartyGroup
    joined: bool  # False: they left the group


async def toggle_group(
    session: AsyncSession, *, actor: Member | None, group_id: int, member_id: int, now: datetime
) -> GroupChange:
    """Put a person into a 党小组 of the branch, or take them out if they are in it."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    group = await own_group(session, actor=secretary, group_id=group_id)
    person = await _own_person(session, secretary, member_id)
    joined = person.party_group_id != group.id
    person.party_group_id = group.id if joined else None
    details = {"group": person.party_group_id}
    await audit.saved(
        session, person, by=secretary, action="group.assigned", now=now, details=details
    )
    return GroupChange(person, group, joined)
