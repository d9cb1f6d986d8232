"""评诺: the secretary rates each approved pledge at year end; the member is told."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Pledge, PledgeRating, PledgeStatus, Role
from bot.services import access, audit
from bot.services.errors import Refused, found
from bot.services.pledges import rules
from bot.services.pledges.fanout import Compose, tell
from bot.services.pledges.records import Next, card_of, event, member_of, notes


async def rateable(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> list[Pledge]:
    """Approved pledges of the branch not rated yet, oldest first.

    Last year's count too: 评诺 of a year is often held in the January after it.
    """
    secretary = access.require(actor, Role.secretary, in_branch=True)
    year = rules.pledge_year(now, tz)
    rows = await session.exec(
        select(Pledge)
        .where(
            Pledge.branch_id == secretary.branch_id,
            col(Pledge.year).in_((year - 1, year)),
            Pledge.status == PledgeStatus.approved,
            col(Pledge.rating).is_(None),
        )
        .order_by(col(Pledge.year), col(Pledge.submitted_at), col(Pledge.id))
    )
    return list(rows)


async def next_rating(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> Next | None:
    """The oldest approved pledge not rated yet (None when all are rated)."""
    left = await rateable(session, actor=actor, now=now, tz=tz)
    if not left:
        return None
    pledge = left[0]
    shown = await card_of(session, pledge)
    return Next(pledge, shown, len(left), await notes(session, pledge=pledge))


async def check_rateable(session: AsyncSession, *, actor: Member | None, pledge_id: int) -> Pledge:
    """Whether this secretary may rate this pledge (an approved one of their branch)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    pledge = found(await session.get(Pledge, pledge_id), "pledge_unknown")
    if pledge.branch_id != secretary.branch_id:
        raise Refused("other_branch")
    if pledge.status != PledgeStatus.approved:
        raise Refused("rate_not_approved")
    return pledge


async def rate(
    session: AsyncSession,
    *,
    actor: Member | None,
    pledge_id: int,
    rating: PledgeRating,
    comment: str | None,
    now: datetime,
    compose: Compose[Pledge] | None = None,
) -> tuple[Pledge, bool]:
    """评诺: rate an approved pledge; (pledge, changed). A re-rating is kept in the history.

    With `compose`, the member is told the rating through the outbox.
    """
    pledge = await check_rateable(session, actor=actor, pledge_id=pledge_id)
    assert actor is not None
    text = rules.validate_comment(comment or "", required=False)
    if pledge.rating == rating and pledge.rating_comment == text:
        return pledge, False
    previous = pledge.rating
    pledge.rating, pledge.rating_comment = rating, text
    pledge.rated_by, pledge.rated_at, pledge.updated_at = actor.id, now, now
    rated = {"rating": str(rating)}
    await audit.saved(session, pledge, by=actor, action="pledge.rated", now=now, details=rated)
    event(
        session,
        pledge,
        actor_id=actor.id,
        action="rated",
        now=now,
        comment=text,
        rating=str(rating),
        previous=str(previous) if previous else None,
    )
    if compose is not None:
        await tell(
            session,
            kind="pledges.rated",
            people=[await member_of(session, pledge)],
            compose=compose,
            about=pledge,
            now=now,
            subject_id=pledge_id,
            created_by=actor.id,
        )
    return pledge, True
