"""Reading pledges and writing their history: whose, which year, what happened to them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, Pledge, PledgeEvent, PledgeNote, PledgeStatus
from bot.services.periods import local_today

# Last year's pledge still open (returned, or waiting for review) stays the member's pledge
# through January while none of the new year exists: one returned in December can be fixed.
CARRIED_OVER = (PledgeStatus.returned, PledgeStatus.submitted)


@dataclass(frozen=True, slots=True)
class PledgeText:
    """What the member wrote in the form: 岗位, 职责 and the 承诺 items, as typed."""

    post: str
    duties: str
    commitments: Sequence[str]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> PledgeText:
        """From the form's saved answers (a field not reached yet is empty)."""
        return cls(data.get("post", ""), data.get("duties", ""), data.get("commitments", []))


@dataclass(frozen=True, slots=True)
class Card:
    """A pledge as people read it: whose, in which branch and year, and what it says."""

    name: str
    branch: str
    year: int
    post: str
    duties: str
    commitments: Sequence[str]


@dataclass(frozen=True, slots=True)
class Next:
    """The next pledge in a queue (to review, to rate) and how many are left with it."""

    pledge: Pledge
    card: Card
    left: int
    notes: list[PledgeNote] = field(default_factory=list)


def card(pledge: Pledge, *, name: str, branch: str) -> Card:
    return Card(name, branch, pledge.year, pledge.post, pledge.duties, list(pledge.commitments))


def event(
    session: AsyncSession,
    pledge: Pledge,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    comment: str | None = None,
    **details: object,
) -> None:
    """Add one line to the pledge's history (kept for good, with who and when)."""
    assert pledge.id is not None
    session.add(
        PledgeEvent(
            pledge_id=pledge.id,
            actor_id=actor_id,
            at=now,
            action=action,
            version=pledge.version,
            comment=comment,
            details=dict(details),
        )
    )


async def pledge_of(
    session: AsyncSession, *, member: Member, year: int, lock: bool = False
) -> Pledge | None:
    query = select(Pledge).where(Pledge.member_id == member.id, Pledge.year == year)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def current(
    session: AsyncSession, *, member: Member, now: datetime, tz: ZoneInfo, lock: bool = False
) -> Pledge | None:
    """The member's pledge: this year's; in January, while none exists, last year's if open."""
    today = local_today(now, tz)
    pledge = await pledge_of(session, member=member, year=today.year, lock=lock)
    if pledge is None and today.month == 1:
        last = await pledge_of(session, member=member, year=today.year - 1, lock=lock)
        if last is not None and last.status in CARRIED_OVER:
            return last
    return pledge


async def member_of(session: AsyncSession, pledge: Pledge) -> Member:
    member = await session.get(Member, pledge.member_id)
    assert member is not None
    return member


async def branch_name(session: AsyncSession, member: Member) -> str:
    branch = await session.get(Branch, member.branch_id) if member.branch_id else None
    return branch.name if branch else ""


async def card_of(session: AsyncSession, pledge: Pledge, *, owner: Member | None = None) -> Card:
    """The pledge with its owner's name and branch, ready to be shown."""
    owner = owner or await member_of(session, pledge)
    return card(pledge, name=owner.name, branch=await branch_name(session, owner))


async def notes(session: AsyncSession, *, pledge: Pledge) -> list[PledgeNote]:
    rows = await session.exec(
        select(PledgeNote)
        .where(PledgeNote.pledge_id == pledge.id)
        .order_by(col(PledgeNote.noted_on), col(PledgeNote.id))
    )
    return list(rows)
