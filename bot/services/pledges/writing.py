"""承诺: a member writes the yearly pledge (a draft while the form is open) and submits it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Pledge, PledgeStatus, PledgeVersion, Role
from bot.services import access, org
from bot.services.errors import Refused
from bot.services.pledges import rules
from bot.services.pledges.fanout import Compose, tell
from bot.services.pledges.records import Card, PledgeText, branch_name, card, current, event

PLEDGERS = (Role.member, Role.secretary)


async def start_form(
    session: AsyncSession, *, member: Member | None, now: datetime, tz: ZoneInfo
) -> Pledge | None:
    """Check the member may write or edit this year's pledge; returns it if it exists."""
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    return await _editable(session, pledger, now=now, tz=tz)


async def _editable(
    session: AsyncSession, pledger: Member, *, now: datetime, tz: ZoneInfo, lock: bool = False
) -> Pledge | None:
    """The pledger's pledge (see `current`) if there is one; refused once it is approved."""
    pledge = await current(session, member=pledger, now=now, tz=tz, lock=lock)
    if pledge is not None and pledge.status == PledgeStatus.approved:
        raise Refused("already_approved")
    return pledge


def _new(pledger: Member, *, now: datetime, tz: ZoneInfo) -> Pledge:
    """This year's pledge of `pledger`, not stored yet."""
    assert pledger.id is not None
    assert pledger.branch_id is not None
    return Pledge(
        member_id=pledger.id,
        branch_id=pledger.branch_id,
        year=rules.pledge_year(now, tz),
        post="",
        duties="",
        created_at=now,
        updated_at=now,
    )


async def draft(
    session: AsyncSession,
    *,
    member: Member | None,
    text: PledgeText,
    now: datetime,
    tz: ZoneInfo,
) -> Card:
    """The form's text as a card to check before 提交.

    A pledge never submitted keeps the text as its draft; a submitted one is untouched.
    """
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    pledge = await current(session, member=pledger, now=now, tz=tz)
    if pledge is None or pledge.status == PledgeStatus.draft:
        pledge = pledge or _new(pledger, now=now, tz=tz)
        pledge.post, pledge.duties = text.post, text.duties
        pledge.commitments = list(text.commitments)
        pledge.updated_at = now
        session.add(pledge)
        await session.flush()
    branch = await branch_name(session, pledger)
    return Card(pledger.name, branch, pledge.year, text.post, text.duties, list(text.commitments))


@dataclass(frozen=True, slots=True)
class Submitted:
    pledge: Pledge
    duplicate: bool  # the same text was already submitted and waits for review
    resubmitted: bool  # a version existed before
    card: Card
    reviewers: int = 0  # how many were told (0 without `compose`, or for a duplicate)
    by_committee: bool = False  # a secretary's pledge: the admins review it


async def submit(
    session: AsyncSession,
    *,
    member: Member | None,
    text: PledgeText,
    now: datetime,
    tz: ZoneInfo,
    compose: Compose[Card] | None = None,
) -> Submitted:
    """Submit (or resubmit) the member's pledge (see `current`) for review; keeps the version.

    `compose` writes the reviewers' heads-up, sent through the outbox: the branch
    secretaries for a member's pledge, the admins (the committee) for a secretary's.
    """
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    checked = (rules.validate_post(text.post), rules.validate_duties(text.duties))
    items = rules.validate_commitments(text.commitments)
    pledge = await _editable(session, pledger, now=now, tz=tz, lock=True)
    branch = await branch_name(session, pledger)
    by_committee = pledger.role == Role.secretary
    if (
        pledge is not None
        and pledge.status == PledgeStatus.submitted
        and (pledge.post, pledge.duties, pledge.commitments) == (*checked, items)
    ):
        shown = card(pledge, name=pledger.name, branch=branch)
        return Submitted(pledge, True, pledge.version > 1, shown, by_committee=by_committee)
    pledge = pledge or _new(pledger, now=now, tz=tz)
    resubmitted = pledge.version > 0
    await _record_version(session, pledge, pledger, text=checked, items=items, now=now)
    shown = card(pledge, name=pledger.name, branch=branch)
    told = 0
    if compose is not None:
        told = await tell(
            session,
            kind="pledges.submitted",
            people=await _reviewers(session, pledger, pledge),
            compose=compose,
            about=shown,
            now=now,
            subject_id=pledge.id,
            created_by=pledger.id,
        )
    return Submitted(pledge, False, resubmitted, shown, told, by_committee)


async def _record_version(
    session: AsyncSession,
    pledge: Pledge,
    pledger: Member,
    *,
    text: tuple[str, str],
    items: list[str],
    now: datetime,
) -> None:
    """The pledge becomes the submitted text; the version and the event are kept."""
    resubmitted = pledge.version > 0
    pledge.post, pledge.duties = text
    pledge.commitments = items
    pledge.status = PledgeStatus.submitted
    pledge.version += 1
    pledge.submitted_at = pledge.updated_at = now
    # The previous review comment stays in the history; the new version awaits a new one.
    pledge.review_comment = pledge.reviewed_by = pledge.reviewed_at = None
    session.add(pledge)
    await session.flush()
    assert pledge.id is not None
    assert pledger.id is not None
    session.add(
        PledgeVersion(
            pledge_id=pledge.id,
            number=pledge.version,
            post=pledge.post,
            duties=pledge.duties,
            commitments=items,
            submitted_by=pledger.id,
            submitted_at=now,
        )
    )
    action = "resubmitted" if resubmitted else "submitted"
    event(session, pledge, actor_id=pledger.id, action=action, now=now)


async def _reviewers(session: AsyncSession, pledger: Member, pledge: Pledge) -> list[Member]:
    """审诺 is never one's own: the branch secretaries, or the committee for a secretary."""
    if pledger.role == Role.secretary:
        query = org.people_query(roles=(Role.admin,), reachable=True)
    else:
        query = org.people_query(pledge.branch_id, roles=(Role.secretary,), reachable=True).where(
            Member.id != pledger.id
        )
    return list(await session.exec(query))
