"""外部培训记录: a member records outside training; the secretary approves or returns it.

Nobody decides their own record; a secretary's record goes to the admins. Every message
to the other person is written to the outbox in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import Branch, Member, RecordState, Role, TrainingRecord
from bot.models.training import COMMENT_MAX, ORGANISER_MAX, TITLE_MAX
from bot.services import access, audit, fanout, org
from bot.services.errors import Refused
from bot.services.fanout import SentFile, attachment
from bot.services.rows import copy_of


class Event(StrEnum):
    """Why a message about a record goes out."""

    submitted = "submitted"  # to whoever decides it
    approved = "approved"  # to the member
    returned = "returned"  # to the member, with the comment


@dataclass(frozen=True, slots=True)
class Card:
    """A record as people see it (the fields not worked out in `card_of` are the record's)."""

    id: int
    member_id: int
    member_name: str
    branch_name: str
    title: str
    organiser: str
    held_on: date
    hours_tenths: int
    secretary_training: bool
    state: RecordState
    has_file: bool
    comment: str | None = None
    decided_by: str | None = None


# One message's subject: the event, the record, and the certificate to send on.
News = fanout.Change[Event, Card]
Compose = Callable[[Member, News], list[OutgoingMessage]]


@dataclass(frozen=True, slots=True)
class Outcome:
    card: Card
    told: int


def validate_text(text: str, *, code: str, limit: int) -> str:
    """Kept as typed; refused when blank or too long."""
    if not text.strip():
        raise Refused(f"{code}_empty")
    if len(text) > limit:
        raise Refused(f"{code}_too_long", length=len(text), limit=limit)
    return text.strip()


def validate_title(text: str) -> str:
    return validate_text(text, code="title", limit=TITLE_MAX)


def validate_organiser(text: str) -> str:
    return validate_text(text, code="organiser", limit=ORGANISER_MAX)


def validate_held_on(day: date, today: date) -> date:
    """Training already held (today at the latest), within the last two years."""
    if day > today:
        raise Refused("date_future", day=day.isoformat())
    if day.year < today.year - 1:
        raise Refused("date_too_old", day=day.isoformat())
    return day


async def card_of(session: AsyncSession, record: TrainingRecord) -> Card:
    assert record.id is not None
    member = await session.get(Member, record.member_id)
    branch = await session.get(Branch, record.branch_id)
    decider = await session.get(Member, record.approved_by) if record.approved_by else None
    return copy_of(
        Card,
        record,
        member_name=member.name if member else "",
        branch_name=branch.name if branch else "",
        has_file=bool(record.file_id),
        decided_by=decider.name if decider else None,
    )


async def deciders(session: AsyncSession, owner: Member) -> list[Member]:
    """Who may decide `owner`'s record: their secretaries, or the admins for a secretary."""
    if owner.role != Role.secretary and owner.branch_id is not None:
        found = await org.active_members(session, owner.branch_id, roles=(Role.secretary,))
        found = [m for m in found if m.id != owner.id]
        if found:
            return found
    admins = await org.active_members(session, None, roles=(Role.admin,))
    return [m for m in admins if m.id != owner.id]


def may_decide(actor: Member, owner: Member) -> bool:
    if actor.id == owner.id:
        return False
    if owner.role == Role.secretary:  # a secretary's record is the committee's to decide
        return actor.role == Role.admin
    return access.leads(actor, owner.branch_id)


@dataclass(frozen=True, slots=True)
class Draft:
    """What the /training add form collected: fields of the record it becomes."""

    title: str
    held_on: date
    hours_tenths: int
    organiser: str
    secretary_training: bool = False
    file_id: str | None = None
    media_kind: str | None = None


async def submit(
    session: AsyncSession, *, actor: Member | None, draft: Draft, compose: Compose, now: datetime
) -> Outcome:
    """Record the draft as pending and tell whoever decides it (with the certificate)."""
    member = access.require(actor, Role.member, Role.secretary, in_branch=True)
    assert member.branch_id is not None
    file = SentFile.of(draft.file_id, draft.media_kind)
    file_id, media_kind = fanout.columns(file)
    kept = replace(draft, file_id=file_id, media_kind=media_kind)
    record = TrainingRecord(
        **asdict(kept), member_id=member.id or 0, branch_id=member.branch_id, created_at=now
    )
    session.add(record)
    await session.flush()
    card = await card_of(session, record)
    media = await attachment(session, file=file, now=now)
    told = await fanout.send(
        session,
        capability="training",
        recipients=await deciders(session, member),
        change=News(Event.submitted, card, media),
        compose=compose,
        now=now,
        actor_id=member.id,
    )
    return Outcome(card, told)


async def decide(
    session: AsyncSession,
    *,
    actor: Member | None,
    record_id: int,
    approve: bool,
    comment: str | None,
    compose: Compose,
    now: datetime,
) -> Outcome:
    """通过 or 退回 (with a comment); refuses one's own record and a decided one."""
    leader = access.require_leader(actor)
    found = (
        await session.exec(
            select(TrainingRecord).where(TrainingRecord.id == record_id).with_for_update()
        )
    ).first()
    record, owner = await _decidable(session, leader, found)
    if not approve:
        comment = validate_text(comment or "", code="comment", limit=COMMENT_MAX)
    record.state = RecordState.approved if approve else RecordState.returned
    record.approved_by, record.decided_at, record.comment = leader.id, now, comment
    session.add(record)
    action = "training.approved" if approve else "training.returned"
    details = {"record": record.id, "hours": record.hours_tenths}
    await audit.entry(session, by=leader, action=action, about=owner, now=now, details=details)
    await session.flush()
    card = await card_of(session, record)
    event = Event.approved if approve else Event.returned
    told = await fanout.send(
        session,
        capability="training",
        recipients=[owner],
        change=News(event, card),
        compose=compose,
        now=now,
        actor_id=leader.id,
    )
    return Outcome(card, told)


async def check_decidable(session: AsyncSession, *, actor: Member | None, record_id: int) -> Card:
    """Before asking for a comment: the record exists, is pending and this person may."""
    leader = access.require_leader(actor)
    record, _ = await _decidable(session, leader, await session.get(TrainingRecord, record_id))
    return await card_of(session, record)


async def _decidable(
    session: AsyncSession, leader: Member, record: TrainingRecord | None
) -> tuple[TrainingRecord, Member]:
    """The record and its owner, if it is pending and `leader` may decide it."""
    record, owner = await _owned(session, record)
    if owner.id == leader.id:
        raise Refused("own_record")
    if not may_decide(leader, owner):
        raise Refused("not_yours_to_decide")
    if record.state != RecordState.pending:
        raise Refused("already_decided", state=str(record.state))
    return record, owner


async def _owned(
    session: AsyncSession, record: TrainingRecord | None
) -> tuple[TrainingRecord, Member]:
    """The record and its owner; one refusal when either is missing."""
    owner = await session.get(Member, record.member_id) if record is not None else None
    if record is None or owner is None:
        raise Refused("unknown_record")
    return record, owner


@dataclass(frozen=True, slots=True)
class Records:
    """/training: one's own latest records, and those waiting for one's decision."""

    mine: list[Card]
    waiting: list[Card]


async def records(session: AsyncSession, *, actor: Member | None, limit: int = 10) -> Records:
    person = access.require(actor, Role.member, Role.secretary, Role.admin)
    own = await session.exec(
        select(TrainingRecord)
        .where(TrainingRecord.member_id == person.id)
        .order_by(col(TrainingRecord.id).desc())
        .limit(limit)
    )
    mine = [await card_of(session, r) for r in own]
    waiting: list[Card] = []
    if person.role in (Role.secretary, Role.admin):
        query = select(TrainingRecord).where(TrainingRecord.state == RecordState.pending)
        if person.role == Role.secretary:
            query = query.where(TrainingRecord.branch_id == person.branch_id)
        rows = await session.exec(query.order_by(col(TrainingRecord.id)).limit(200))
        for r in rows:
            owner = await session.get(Member, r.member_id)
            if owner is not None and may_decide(person, owner):
                waiting.append(await card_of(session, r))
            if len(waiting) >= limit:
                break
    return Records(mine, waiting)


async def visible(session: AsyncSession, *, actor: Member | None, record_id: int) -> TrainingRecord:
    """A record its owner or someone who may decide it can see."""
    record, owner = await _owned(session, await session.get(TrainingRecord, record_id))
    if actor is None or (actor.id != owner.id and not may_decide(actor, owner)):
        raise Refused("unknown_record")
    return record


async def certificate(session: AsyncSession, *, actor: Member | None, record_id: int) -> SentFile:
    """The certificate, for its owner or who decides it."""
    record = await visible(session, actor=actor, record_id=record_id)
    file = SentFile.of(record.file_id, record.media_kind)
    if file is None:
        raise Refused("no_certificate")
    return file
