"""Who may see which branches in a report, and what was typed after the command."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, Role
from bot.services import access
from bot.services.errors import Refused
from bot.services.periods import Period


@dataclass(frozen=True, slots=True)
class Scope:
    """One branch, or (branch_id None) the whole committee."""

    branch_id: int | None
    name: str

    @property
    def committee(self) -> bool:
        return self.branch_id is None

    @property
    def branch_ids(self) -> list[int] | None:
        return None if self.branch_id is None else [self.branch_id]

    def of(self, branch_column: Any) -> Any:
        """The condition that a row's branch (`branch_column`) is in the scope."""
        return branch_column == self.branch_id if self.branch_id is not None else True

    def during(
        self, branch_column: Any, time_column: Any, period: Period, tz: ZoneInfo
    ) -> list[Any]:
        """The conditions that a row is in the scope and its time in the period."""
        start, end = period.bounds(tz)
        return [self.of(branch_column), time_column >= start, time_column < end]


async def _branch_named(session: AsyncSession, words: Sequence[str]) -> tuple[Branch | None, int]:
    """The longest run of leading words that names a branch, and how many words it took."""
    names = [" ".join(words[:k]) for k in range(len(words), 0, -1)]
    if not names:
        return None, 0
    found = {
        b.name: b for b in await session.exec(select(Branch).where(col(Branch.name).in_(names)))
    }
    for k in range(len(words), 0, -1):
        if (branch := found.get(" ".join(words[:k]))) is not None:
            return branch, k
    return None, 0


async def resolve(
    session: AsyncSession, *, actor: Member | None, words: Sequence[str]
) -> tuple[Scope, list[str]]:
    """The scope the actor asked for and may see, and the words left (the period).

    A secretary gets their own branch (naming another branch is refused); an admin the
    committee, or the branch named first.
    """
    leader = access.require_leader(actor)
    branch, used = await _branch_named(session, words)
    rest = list(words[used:])
    if leader.role == Role.admin:
        if branch is None:
            return Scope(None, ""), rest
        assert branch.id is not None
        return Scope(branch.id, branch.name), rest
    if branch is not None and branch.id != leader.branch_id:
        raise Refused("other_branch")
    own = await session.get(Branch, leader.branch_id)
    if own is None or own.id is None:
        raise Refused("no_branch")
    return Scope(own.id, own.name), rest
