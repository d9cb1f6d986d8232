"""Who may do what: the role checks every service starts with."""

from __future__ import annotations

from bot.models import Member, MemberStatus, Role
from bot.services.errors import Refused


def require(actor: Member | None, *roles: Role, in_branch: bool = False) -> Member:
    """The actor, if active in one of `roles` (and, with `in_branch`, in a branch)."""
    if actor is None or actor.role not in roles or actor.status == MemberStatus.left:
        raise Refused("not_allowed")
    if in_branch and actor.branch_id is None:
        raise Refused("no_branch")
    return actor


def require_leader(actor: Member | None) -> Member:
    """An admin (any branch), or a secretary of a branch (their own)."""
    leader = require(actor, Role.admin, Role.secretary)
    if leader.role == Role.secretary and leader.branch_id is None:
        raise Refused("not_allowed")
    return leader


def leads(actor: Member, branch_id: int | None) -> bool:
    """Whether `actor` leads that branch: an admin leads every one, a secretary their own."""
    if actor.role == Role.admin:
        return True
    return actor.role == Role.secretary and branch_id is not None and actor.branch_id == branch_id
