"""公示: the branch's approved pledges sent to its members, once per set of pledges."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, MemberStatus, PledgeStatus
from bot.services import audit, fanout, once
from bot.services.errors import Refused
from bot.services.pledges.fanout import ComposeParts
from bot.services.pledges.records import Card, card, event
from bot.services.pledges.tally import Coverage, coverage


@dataclass(frozen=True, slots=True)
class Publication:
    """What 公示 sends (or would send): the approved pledges of a branch and year."""

    branch: str
    year: int
    cards: list[Card]
    new: int  # approved since the last publication
    audience: int  # the people it goes to


def _publication(cov: Coverage) -> Publication:
    approved = cov.with_status(PledgeStatus.approved)
    return Publication(
        branch=cov.branch.name,
        year=cov.year,
        cards=[card(p, name=m.name, branch=cov.branch.name) for m, p in approved],
        new=sum(1 for _, p in approved if not p.published),
        audience=len(_audience(cov)),
    )


def _audience(cov: Coverage) -> list[Member]:
    return [m for m, _ in cov.people if m.status == MemberStatus.active]


async def approved_for_publishing(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> Publication:
    """What 公示 would send; refused when there is nothing (new) to send."""
    found = _publication(await coverage(session, actor=actor, now=now, tz=tz))
    _check(found)
    return found


def _check(found: Publication) -> None:
    if not found.cards:
        raise Refused("nothing_to_publish")
    if found.new == 0:
        raise Refused("already_published")


@dataclass(frozen=True, slots=True)
class Published:
    pledges: int
    recipients: int
    branch: str
    year: int
    # What was published, for the branch's group (see handlers/groups).
    publication: Publication | None = None


async def publish(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    compose: ComposeParts[Publication],
) -> Published:
    """公示: send the branch's approved pledges to its members, through the outbox.

    `compose(member, publication)` gives each recipient their message split in parts.
    """
    cov = await coverage(session, actor=actor, now=now, tz=tz)
    assert actor is not None
    found = _publication(cov)
    _check(found)
    approved = cov.with_status(PledgeStatus.approved)
    ids = sorted(p.id or 0 for _, p in approved)
    fingerprint = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    subject = f"branch:{cov.branch.id}:{cov.year}"
    if not await once.claim(
        session, kind="pledges.publish", subject=subject, slot=fingerprint, now=now
    ):
        raise Refused("already_published")
    people = await fanout.enqueue_parts(
        session,
        parts=[(m, compose(m, found)) for m in _audience(cov)],
        kind="pledges.publish",
        now=now,
        subject_id=cov.branch.id,
        created_by=actor.id,
    )
    for _, p in approved:
        if not p.published:
            p.published, p.published_at = True, now
            session.add(p)
            event(session, p, actor_id=actor.id, action="published", now=now)
    details = {"year": cov.year, "pledges": len(found.cards), "recipients": people}
    await audit.entry(
        session, by=actor, action="pledge.published", about=cov.branch, now=now, details=details
    )
    return Published(len(found.cards), people, found.branch, found.year, found)
