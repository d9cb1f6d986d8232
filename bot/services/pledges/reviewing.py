"""审诺: the reviewer's queue, and 通过 / 退回 of exactly the version the reviewer saw.

The owner hears the outcome through the outbox, written in the review's transaction:
a member who blocked the bot costs the reviewer nothing but a delivery counted blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Pledge, PledgeStatus, Role
from bot.services import access, audit
from bot.services.errors import Refused
from bot.services.pledges import rules
from bot.services.pledges.fanout import Compose, tell
from bot.services.pledges.records import Card, Next, card_of, event

# The audit action of each review outcome (the /audit table names them).
AUDIT_ACTIONS = {PledgeStatus.approved: "pledge.approved", PledgeStatus.returned: "pledge.returned"}


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A review just recorded: the pledge as it now is, whose it is, who reviewed it."""

    pledge: Pledge
    owner: Member
    card: Card
    by_committee: bool  # reviewed by an admin (a secretary's pledge)

    @property
    def approved(self) -> bool:
        return self.pledge.status == PledgeStatus.approved


async def _reviewable(
    session: AsyncSession, *, actor: Member | None, pledge_id: int, version: int
) -> tuple[Member, Pledge]:
    """审诺 is never one's own: a branch secretary reviews the members' pledges of the
    branch; the pledges of secretaries (any branch) are reviewed by the admins."""
    reviewer = access.require_leader(actor)
    pledge = await session.get(Pledge, pledge_id)
    if pledge is None:
        raise Refused("pledge_unknown")
    owner = await session.get(Member, pledge.member_id)
    by_committee = owner is not None and owner.role == Role.secretary
    if reviewer.role == Role.admin:
        if not by_committee:
            raise Refused("branch_reviews")
    elif pledge.branch_id != reviewer.branch_id:
        raise Refused("other_branch")
    elif pledge.member_id == reviewer.id:
        raise Refused("own_pledge")
    elif by_committee:
        raise Refused("committee_reviews")
    _check_state(pledge, version)
    return reviewer, pledge


def _check_state(pledge: Pledge, version: int) -> None:
    """Only the version the reviewer saw, and only while it waits for review."""
    if pledge.status == PledgeStatus.approved:
        raise Refused("already_approved")
    if pledge.status == PledgeStatus.returned and pledge.version == version:
        raise Refused("already_returned")
    if pledge.version != version:
        raise Refused("pledge_changed")
    if pledge.status != PledgeStatus.submitted:
        raise Refused("not_pending")


async def check_reviewable(
    session: AsyncSession, *, actor: Member | None, pledge_id: int, version: int
) -> Card:
    """Whether this reviewer may review this version now (before asking for a comment)."""
    _, pledge = await _reviewable(session, actor=actor, pledge_id=pledge_id, version=version)
    return await card_of(session, pledge)


async def review(
    session: AsyncSession,
    *,
    actor: Member | None,
    pledge_id: int,
    version: int,
    status: PledgeStatus,
    comment: str | None,
    now: datetime,
    compose: Compose[Reviewed] | None = None,
) -> Reviewed:
    """Record 通过 or 退回 (with a comment) once; with `compose`, the owner is told.

    The owner's message goes through the outbox in this transaction.
    """
    if status == PledgeStatus.returned:
        comment = rules.validate_comment(comment or "", required=True)
    reviewer, pledge = await _reviewable(session, actor=actor, pledge_id=pledge_id, version=version)
    await _record(session, reviewer, pledge, status=status, comment=comment, now=now)
    owner = await session.get(Member, pledge.member_id)
    assert owner is not None
    shown = await card_of(session, pledge, owner=owner)
    done = Reviewed(pledge, owner, shown, by_committee=reviewer.role == Role.admin)
    if compose is not None:
        await tell(
            session,
            kind=f"pledges.{status}",
            people=[owner],
            compose=compose,
            about=done,
            now=now,
            subject_id=pledge_id,
            created_by=reviewer.id,
        )
    return done


async def _record(
    session: AsyncSession,
    reviewer: Member,
    pledge: Pledge,
    *,
    status: PledgeStatus,
    comment: str | None,
    now: datetime,
) -> None:
    """The review, its history line and its audit entry; refused if someone was quicker."""
    version = pledge.version
    # A conditional update, so two presses racing each other record one review.
    result = await session.exec(
        update(Pledge)
        .where(
            col(Pledge.id) == pledge.id,
            col(Pledge.version) == version,
            col(Pledge.status) == PledgeStatus.submitted,
        )
        .values(
            status=status,
            review_comment=comment,
            reviewed_by=reviewer.id,
            reviewed_at=now,
            updated_at=now,
        )
    )
    await session.refresh(pledge)
    if not getattr(result, "rowcount", 0):
        raise Refused(
            "already_approved" if pledge.status == PledgeStatus.approved else "pledge_changed"
        )
    event(session, pledge, actor_id=reviewer.id, action=str(status), now=now, comment=comment)
    reviewed = {"version": version}
    await audit.entry(
        session, by=reviewer, action=AUDIT_ACTIONS[status], about=pledge, now=now, details=reviewed
    )


async def pending(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> list[Pledge]:
    """The reviewer's queue, oldest first: for a secretary the members' pledges of the
    branch (never their own), for an admin the secretaries' pledges of every branch.

    Last year's count too, so one submitted on 31 December is not stranded by the new year.
    """
    reviewer = access.require_leader(actor)
    year = rules.pledge_year(now, tz)
    query = (
        select(Pledge)
        .join(Member, col(Member.id) == col(Pledge.member_id))
        .where(
            col(Pledge.year).in_((year - 1, year)),
            Pledge.status == PledgeStatus.submitted,
        )
        .order_by(col(Pledge.submitted_at), col(Pledge.id))
    )
    if reviewer.role == Role.admin:
        query = query.where(Member.role == Role.secretary)
    else:
        query = query.where(
            Pledge.branch_id == reviewer.branch_id,
            Member.role != Role.secretary,
        )
    return list(await session.exec(query))


async def next_review(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> Next | None:
    """The oldest pledge in the reviewer's queue (None when it is empty)."""
    waiting = await pending(session, actor=actor, now=now, tz=tz)
    if not waiting:
        return None
    return Next(waiting[0], await card_of(session, waiting[0]), len(waiting))
