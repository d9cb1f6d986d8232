"""Organisation: branches (党支部), members (党员), roles and invites."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.models import Branch, Invite, Member, MemberStatus, Role
from bot.services import access, audit
from bot.services.errors import Refused

NAME_MAX = 64
BRANCH_NAME_MAX = 100


async def member_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Member | None:
    return (
        await session.exec(select(Member).where(Member.telegram_user_id == telegram_user_id))
    ).first()


async def ensure_bootstrap_admin(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    profile_name: str,
    admin_ids: frozenset[int],
    now: datetime,
    locale: str | None = None,
) -> Member | None:
    """Give an ADMIN_IDS person their admin row the first time they write."""
    member = await member_by_telegram_id(session, telegram_user_id)
    if telegram_user_id not in admin_ids:
        return member
    if member is None:
        member = Member(
            telegram_user_id=telegram_user_id,
            name=clean_name(profile_name or str(telegram_user_id)),
            role=Role.admin,
            joined_at=now,
            locale=locale,
        )
        session.add(member)
        await session.flush()
        await audit.record(
            session, actor_id=member.id, action="admin.bootstrap", now=now, subject=str(member.id)
        )
    elif member.role != Role.admin:
        old = member.role
        member.role = Role.admin
        await audit.record(
            session,
            actor_id=member.id,
            action="role.changed",
            now=now,
            subject=str(member.id),
            details={"from": old, "to": Role.admin, "by": "ADMIN_IDS"},
        )
    return member


def clean_name(raw: str) -> str:
    """Trim surrounding blanks; everything else is kept exactly as typed."""
    return raw.strip()[:NAME_MAX] if raw.strip() else ""


def validate_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise Refused("name_empty")
    if len(name) > NAME_MAX:
        raise Refused("name_too_long", limit=NAME_MAX, length=len(name))
    if any(ch in name for ch in "\n\r\t"):
        raise Refused("name_multiline")
    return name


def _new_token() -> str:
    # 16 random bytes = 128 bits; URL-safe text fits Telegram's 64-character /start payload.
    return secrets.token_urlsafe(16)


async def create_branch(
    session: AsyncSession,
    *,
    actor: Member | None,
    name: str,
    now: datetime,
    invite_ttl: timedelta,
) -> tuple[Branch, Invite]:
    """Create a branch and a one-time invite for its secretary (admins only)."""
    admin = access.require(actor, Role.admin)
    name = name.strip()
    if not name:
        raise Refused("branch_name_empty")
    if len(name) > BRANCH_NAME_MAX:
        raise Refused("branch_name_too_long", limit=BRANCH_NAME_MAX)
    exists = (await session.exec(select(Branch).where(Branch.name == name))).first()
    if exists is not None:
        raise Refused("branch_exists", name=name)
    branch = Branch(name=name, created_at=now)
    await audit.saved(
        session, branch, by=admin, action="branch.created", now=now, details={"name": name}
    )
    assert branch.id is not None
    invite = await _issue_invite(
        session, branch.id, Role.secretary, by=admin, now=now, ttl=invite_ttl
    )
    return branch, invite


@dataclass(frozen=True, slots=True)
class BranchRow:
    id: int
    name: str
    secretaries: list[str]
    members: int


async def branch_overview(session: AsyncSession, *, actor: Member | None) -> list[BranchRow]:
    """Every branch with its secretaries and the count of its active members (admins only)."""
    access.require(actor, Role.admin)
    branches = await all_branches(session)
    people = people_query().order_by(None).subquery()
    counts = dict(
        (
            await session.exec(
                select(people.c.branch_id, func.count()).group_by(people.c.branch_id)
            )
        ).all()
    )
    secretaries = await secretaries_by_branch(session)
    return [
        BranchRow(b.id, b.name, [m.name for m in secretaries.get(b.id, [])], counts.get(b.id, 0))
        for b in branches
        if b.id is not None
    ]


async def create_invite(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    ttl: timedelta,
    max_uses: int,
) -> Invite:
    """A member invite for the secretary's own branch."""
    secretary = access.require(actor, Role.secretary)
    if secretary.branch_id is None:
        raise Refused("no_branch")
    branch_id = secretary.branch_id
    return await _issue_invite(
        session, branch_id, Role.member, by=secretary, now=now, ttl=ttl, max_uses=max_uses
    )


async def _issue_invite(
    session: AsyncSession,
    branch_id: int,
    role: Role,
    *,
    by: Member,
    now: datetime,
    ttl: timedelta,
    max_uses: int = 1,
) -> Invite:
    """A new invite to `branch_id` in `role`, recorded in the audit log."""
    invite = Invite(
        token=_new_token(),
        branch_id=branch_id,
        role=role,
        created_by=by.id,
        created_at=now,
        expires_at=now + ttl,
        max_uses=max_uses,
    )
    session.add(invite)
    await audit.entry(
        session,
        by=by,
        action="invite.created",
        about=f"branch:{branch_id}",
        now=now,
        details={"role": role, "max_uses": max_uses},
    )
    return invite


async def revoke_invites(session: AsyncSession, *, actor: Member | None, now: datetime) -> int:
    """Revoke every open invite of the secretary's branch; returns how many."""
    secretary = access.require(actor, Role.secretary)
    result = await session.exec(
        update(Invite)
        .where(
            col(Invite.branch_id) == secretary.branch_id,
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
            col(Invite.uses) < col(Invite.max_uses),
        )
        .values(revoked_at=now)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    about = f"branch:{secretary.branch_id}"
    await audit.entry(
        session,
        by=secretary,
        action="invite.revoked",
        about=about,
        now=now,
        details={"count": count},
    )
    return count


async def _refuse_unusable(
    session: AsyncSession, invite: Invite | None, existing: Member | None, now: datetime
) -> None:
    """Refuse an invite that cannot be used, or a person who cannot use one."""
    if invite is None:
        raise Refused("invite_unknown")
    if existing is not None and existing.role == Role.admin:
        raise Refused("admin_no_join")
    if existing is not None and existing.status != MemberStatus.left:
        branch = await branch_of(session, existing)
        raise Refused("already_member", branch=branch.name if branch else "")
    if invite.revoked_at is not None:
        raise Refused("invite_revoked")
    if invite.expires_at <= now:
        raise Refused("invite_expired")
    if invite.uses >= invite.max_uses:
        raise Refused("invite_used_up")


async def accept_invite(
    session: AsyncSession,
    *,
    token: str,
    telegram_user_id: int,
    profile_name: str,
    now: datetime,
    locale: str | None = None,
) -> Member:
    """Join the invite's branch in its role. Refuses unknown, expired, used-up, revoked."""
    existing = await member_by_telegram_id(session, telegram_user_id)
    invite = (
        await session.exec(select(Invite).where(Invite.token == token).with_for_update())
    ).first()
    await _refuse_unusable(session, invite, existing, now)
    assert invite is not None
    invite.uses += 1
    name = clean_name(profile_name) or str(telegram_user_id)
    if existing is None:
        member = Member(
            telegram_user_id=telegram_user_id,
            branch_id=invite.branch_id,
            name=name,
            role=invite.role,
            joined_at=now,
            locale=locale,
        )
    else:  # someone who had left comes back
        member = existing
        member.branch_id, member.role, member.status = (
            invite.branch_id,
            invite.role,
            MemberStatus.active,
        )
        member.joined_at = now
    if invite.role == Role.secretary and member.secretary_since is None:
        member.secretary_since = now
    elif invite.role != Role.secretary:
        member.secretary_since = None
    session.add(member)
    await session.flush()
    if invite.role != Role.member:
        details = {"to": invite.role, "branch": invite.branch_id, "invite": invite.id}
        await audit.entry(
            session, by=member, action="role.changed", about=member, now=now, details=details
        )
    return member


async def set_name(session: AsyncSession, *, member: Member, name: str) -> Member:
    member.name = validate_name(name)
    session.add(member)
    return member


async def set_locale(session: AsyncSession, *, member: Member, locale: str) -> Member:
    member.locale = locale
    session.add(member)
    return member


async def set_blocked(
    session: AsyncSession, *, telegram_user_id: int, blocked: bool, now: datetime
) -> Member | None:
    """Keep a member's status in step with whether they blocked the bot."""
    member = await member_by_telegram_id(session, telegram_user_id)
    if member is None or member.status == MemberStatus.left:
        return member
    new = MemberStatus.blocked if blocked else MemberStatus.active
    if member.status != new:
        member.status = new
        member.status_changed_at = now
        session.add(member)
    return member


async def roster(session: AsyncSession, *, actor: Member | None) -> tuple[Branch, list[Member]]:
    """The secretary's branch and its active members, secretaries first, then by name."""
    secretary = access.require(actor, Role.secretary)
    branch = await session.get(Branch, secretary.branch_id) if secretary.branch_id else None
    if branch is None:
        raise Refused("no_branch")
    return branch, await active_members(session, branch.id)


async def all_branches(session: AsyncSession) -> list[Branch]:
    """Every branch, by name: the order every list of branches is shown in."""
    return list(await session.exec(select(Branch).order_by(col(Branch.name))))


async def branch_of(session: AsyncSession, member: Member) -> Branch | None:
    return await session.get(Branch, member.branch_id) if member.branch_id else None


def people_query(
    branch_ids: int | Sequence[int] | None = None,
    *,
    roles: Sequence[Role] = (Role.member, Role.secretary),
    reachable: bool = False,
) -> SelectOfScalar[Member]:
    """The one definition of "the active members of a branch", as a query to refine.

    Active means not left; blocked members are members still (their records count and
    the outbox records them as blocked) unless `reachable` asks only for those who can
    be written to. Admins are not branch members unless `roles` says so. Ordered
    secretaries first, then by name, so every list reads the same way.
    """
    query = select(Member).where(
        Member.status != MemberStatus.left, col(Member.role).in_(list(roles))
    )
    if reachable:
        query = query.where(Member.status == MemberStatus.active)
    if isinstance(branch_ids, int):
        query = query.where(Member.branch_id == branch_ids)
    elif branch_ids is not None:
        query = query.where(col(Member.branch_id).in_(list(branch_ids)))
    return query.order_by(col(Member.role).desc(), col(Member.name), col(Member.id))


async def active_members(
    session: AsyncSession,
    branch_ids: int | Sequence[int] | None = None,
    *,
    roles: Sequence[Role] = (Role.member, Role.secretary),
    reachable: bool = False,
) -> list[Member]:
    """The active members of a branch (or branches, or every branch); see people_query."""
    return list(await session.exec(people_query(branch_ids, roles=roles, reachable=reachable)))


async def secretaries_by_branch(session: AsyncSession) -> dict[int, list[Member]]:
    """Every branch's active secretaries (a branch without one is not a key)."""
    secretaries: dict[int, list[Member]] = {}
    for m in await active_members(session, roles=(Role.secretary,)):
        if m.branch_id is not None:
            secretaries.setdefault(m.branch_id, []).append(m)
    return secretaries
