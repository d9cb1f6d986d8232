"""年度目标: yearly 学时 targets per role, stored in the database, changed by an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Role, TrainingTarget
from bot.services import access, audit
from bot.services.errors import Refused
from bot.services.training.arithmetic import format_tenths, parse_hours


class TargetRole(StrEnum):
    """Whose target: a member, a committee member (支委委员), a secretary."""

    member = "member"
    committee = "committee"
    secretary = "secretary"


# Published norms: 32 学时 a year for members, 56 for secretaries and committee members.
DEFAULTS = {TargetRole.member: 320, TargetRole.committee: 560, TargetRole.secretary: 560}
ROLE_WORDS = {
    "member": TargetRole.member,
    "党员": TargetRole.member,
    "committee": TargetRole.committee,
    "支委": TargetRole.committee,
    "支委委员": TargetRole.committee,
    "secretary": TargetRole.secretary,
    "书记": TargetRole.secretary,
}


@dataclass(frozen=True, slots=True)
class Targets:
    """The yearly target of each role, in tenths."""

    member: int = DEFAULTS[TargetRole.member]
    committee: int = DEFAULTS[TargetRole.committee]
    secretary: int = DEFAULTS[TargetRole.secretary]

    def of_role(self, role: TargetRole) -> int:
        return int(getattr(self, role.value))

    def for_member(self, member: Member | Person) -> int:
        return self.of_role(role_of(member))


@dataclass(frozen=True, slots=True)
class Person:
    """The few columns of a member that counting needs (loading 10,000 rows as ORM objects
    costs more than all the sums together)."""

    id: int | None
    name: str
    branch_id: int | None
    role: Role
    is_committee: bool


def role_of(member: Member | Person) -> TargetRole:
    """The role a member's target follows: secretary first, then the committee (/committee)."""
    if member.role == Role.secretary:
        return TargetRole.secretary
    if member.is_committee:
        return TargetRole.committee
    return TargetRole.member


async def current(session: AsyncSession) -> Targets:
    rows = {r.role: r.hours_tenths for r in await session.exec(select(TrainingTarget))}
    return Targets(**{role.value: rows.get(role.value, DEFAULTS[role]) for role in TargetRole})


def parse_role(text: str) -> TargetRole:
    role = ROLE_WORDS.get(text.strip().lower())
    if role is None:
        raise Refused("target_role_unknown", value=text.strip()[:20])
    return role


async def set_target(
    session: AsyncSession, *, actor: Member | None, role: TargetRole, hours: str, now: datetime
) -> Targets:
    """An admin sets one role's yearly target (audit-logged); returns all targets now."""
    admin = access.require(actor, Role.admin)
    tenths = parse_hours(hours)
    row = await session.get(TrainingTarget, role.value)
    before = row.hours_tenths if row is not None else DEFAULTS[role]
    if row is None:
        row = TrainingTarget(role=role.value, hours_tenths=tenths, changed_at=now)
    row.hours_tenths, row.changed_by, row.changed_at = tenths, admin.id, now
    session.add(row)
    change = {"from": format_tenths(before), "to": format_tenths(tenths)}
    about = f"target:{role.value}"
    await audit.entry(
        session, by=admin, action="training.target", about=about, now=now, details=change
    )
    await session.flush()
    return await current(session)
