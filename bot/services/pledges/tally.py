"""Who has pledged: a branch's coverage, the committee's overview, reminders to the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, MemberStatus, Pledge, PledgeRating, PledgeStatus, Role
from bot.services import access, once, org
from bot.services.errors import Refused
from bot.services.periods import local_today
from bot.services.pledges import rules
from bot.services.pledges.fanout import Compose, tell
from bot.services.pledges.writing import PLEDGERS


@dataclass(slots=True)
class Coverage:
    """One branch in one year: each of its people with their pledge (or None)."""

    branch: Branch
    year: int
    people: list[tuple[Member, Pledge | None]] = field(default_factory=list)

    @property
    def missing(self) -> list[Member]:
        """Who has not submitted this year (no pledge, or only a draft)."""
        return [m for m, p in self.people if p is None or p.status == PledgeStatus.draft]

    @property
    def submitted(self) -> int:
        return len(self.people) - len(self.missing)

    def count(self, status: PledgeStatus) -> int:
        return sum(1 for _, p in self.people if p is not None and p.status == status)

    def with_status(self, status: PledgeStatus) -> list[tuple[Member, Pledge]]:
        return [(m, p) for m, p in self.people if p is not None and p.status == status]

    @property
    def ratings(self) -> Counter[PledgeRating]:
        return Counter(p.rating for _, p in self.people if p is not None and p.rating is not None)

    @property
    def unrated(self) -> int:
        return self.count(PledgeStatus.approved) - sum(self.ratings.values())


async def coverages(session: AsyncSession, branches: Sequence[Branch], year: int) -> list[Coverage]:
    """Coverage of each branch, in two queries however many branches there are."""
    ids = [b.id for b in branches if b.id is not None]
    people = await session.exec(org.people_query(ids, roles=PLEDGERS))
    pledges = {
        (p.branch_id, p.member_id): p
        for p in await session.exec(
            select(Pledge).where(col(Pledge.branch_id).in_(ids), Pledge.year == year)
        )
    }
    result = {b.id: Coverage(b, year) for b in branches}
    for m in people:
        if m.branch_id is not None and m.branch_id in result:
            result[m.branch_id].people.append((m, pledges.get((m.branch_id, m.id or 0))))
    return list(result.values())


async def coverage(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> Coverage:
    """The secretary's branch: each person with this year's pledge (or None)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    branch = await session.get(Branch, secretary.branch_id)
    if branch is None:
        raise Refused("no_branch")
    return (await coverages(session, [branch], rules.pledge_year(now, tz)))[0]


async def overview(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    year: int | None = None,
) -> list[Coverage]:
    """Admins: coverage and ratings of every branch, this year or the year asked for."""
    access.require(actor, Role.admin)
    year = year or rules.pledge_year(now, tz)
    branches = await org.all_branches(session)
    return await coverages(session, branches, year)


@dataclass(frozen=True, slots=True)
class Reminded:
    sent: int
    already: int  # reminded earlier today
    year: int


async def remind_missing(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    compose: Compose[int],
) -> Reminded:
    """Remind everyone who has not submitted, each at most once a (local) day.

    `compose(member, year)` writes the reminder.
    """
    cov = await coverage(session, actor=actor, now=now, tz=tz)
    assert actor is not None
    missing = [m for m in cov.missing if m.status == MemberStatus.active and m.id is not None]
    if not missing:
        raise Refused("nobody_missing")
    claimed = await once.claim_many(
        session,
        kind="pledges.remind",
        subject=f"branch:{cov.branch.id}:{cov.year}",
        slot=local_today(now, tz).isoformat(),
        member_ids=[m.id for m in missing if m.id is not None],
        now=now,
    )
    sent = await tell(
        session,
        kind="pledges.remind",
        people=[m for m in missing if m.id in claimed],
        compose=compose,
        about=cov.year,
        now=now,
        subject_id=cov.branch.id,
        created_by=actor.id,
    )
    return Reminded(sent=sent, already=len(missing) - sent, year=cov.year)
