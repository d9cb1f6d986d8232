"""诉求 from submission to rating: 提交 → 受理 → 办结 → 满意/基本满意/不满意 (退回 once).

Every function checks who acts and what state allows, changes the request, records the
change (RequestEvent), and writes the other people's messages to the outbox in the same
transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.models import Member, Request, RequestEvent, Role
from bot.models.requests import REASON_MAX, TEXT_MAX, RequestKind, RequestRating, RequestState
from bot.services import access, fanout
from bot.services.errors import Refused
from bot.services.fanout import Attachment, SentFile
from bot.services.requests import notify
from bot.services.requests.cards import Action, Card, actions_for, card_of, may_see
from bot.services.requests.notify import Change, Compose, Event
from bot.services.requests.workdays import add_working_days

RAISERS = (Role.member, Role.secretary)


@dataclass(frozen=True, slots=True)
class Limits:
    """受理 within `accept_working_days` working days, 办结 within `resolve_days` days."""

    tz: ZoneInfo
    accept_working_days: int = 2
    resolve_days: int = 15
    holidays: Collection[date] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            tz=settings.tz,
            accept_working_days=settings.requests_accept_working_days,
            resolve_days=settings.requests_resolve_days,
            holidays=frozenset(settings.requests_holidays),
        )

    def accept_due(self, start: datetime) -> datetime:
        return add_working_days(start, self.accept_working_days, tz=self.tz, holidays=self.holidays)

    def resolve_due(self, start: datetime) -> datetime:
        return start + timedelta(days=self.resolve_days)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What was done, for the confirmation: the request now, and how many were told."""

    card: Card
    told: int = 0
    rating: RequestRating | None = None


def validate_text(text: str, *, code: str = "text", limit: int = TEXT_MAX) -> str:
    """Kept exactly as typed; only refused when blank or too long."""
    if not text.strip():
        raise Refused(f"{code}_empty")
    if len(text) > limit:
        raise Refused(f"{code}_too_long", length=len(text), limit=limit)
    return text


def _event(
    session: AsyncSession,
    request: Request,
    *,
    actor: Member | None,
    action: str,
    before: RequestState | None,
    now: datetime,
    comment: str | None = None,
) -> None:
    assert request.id is not None
    request.updated_at = now
    session.add(request)
    session.add(
        RequestEvent(
            request_id=request.id,
            actor_id=actor.id if actor else None,
            at=now,
            action=action,
            state_from=before,
            state_to=request.state,
            comment=comment,
        )
    )


async def _next_number(session: AsyncSession, branch_id: int) -> int:
    top = (
        await session.exec(select(func.max(Request.number)).where(Request.branch_id == branch_id))
    ).one()
    return int(top or 0) + 1


async def _insert_numbered(session: AsyncSession, request: Request) -> Request:
    """Insert with the branch's next number; two submitting at once retry on the unique
    (branch, number) instead of sharing a number."""
    for _attempt in range(5):
        request.number = await _next_number(session, request.branch_id)
        try:
            async with session.begin_nested():
                session.add(request)
                await session.flush()
        except IntegrityError:
            continue  # the savepoint's rollback left the row transient: add it again
        return request
    raise Refused("busy")


async def submit(
    session: AsyncSession,
    *,
    actor: Member | None,
    kind: RequestKind,
    text: str,
    file: SentFile | None = None,
    limits: Limits,
    compose: Compose,
    now: datetime,
) -> Outcome:
    """Record a member's request and tell the branch's secretaries (or the admins)."""
    member = access.require(actor, *RAISERS, in_branch=True)
    assert member.branch_id is not None
    assert member.id is not None
    text = validate_text(text)
    file_id, media_kind = fanout.columns(file)
    request = await _insert_numbered(
        session,
        Request(
            branch_id=member.branch_id,
            number=0,
            member_id=member.id,
            kind=kind,
            text=text,
            file_id=file_id,
            media_kind=media_kind,
            created_at=now,
            accept_due_at=limits.accept_due(now),
            resolve_due_at=limits.resolve_due(now),
            updated_at=now,
        ),
    )
    _event(session, request, actor=member, action="submitted", before=None, now=now)
    recipients = [
        s for s in await notify.secretaries(session, member.branch_id) if s.id != member.id
    ]
    if not recipients:  # the member is the branch's only secretary: the committee handles it
        recipients = await notify.admins(session)
    media = await fanout.attachment(session, file=file, now=now)
    return await tell(session, request, Event.new, recipients, media, compose, now, member)


async def load(
    session: AsyncSession, *, actor: Member | None, request_id: int, lock: bool = False
) -> Request:
    """The request, if `actor` may see it; one refusal for missing and not-yours alike."""
    if actor is None:
        raise Refused("not_allowed")
    query = select(Request).where(Request.id == request_id)
    if lock:
        query = query.with_for_update()
    request = (await session.exec(query)).first()
    if request is None or not may_see(actor, request):
        raise Refused("unknown_request")
    return request


async def check(
    session: AsyncSession, *, actor: Member | None, request_id: int, action: Action
) -> Request:
    """The request if `actor` may do `action` on it now; otherwise why not."""
    request = await load(session, actor=actor, request_id=request_id, lock=True)
    assert actor is not None
    if action in actions_for(actor, request):
        return request
    raise _why_not(actor, request, action)


async def _acting(
    session: AsyncSession, actor: Member | None, request_id: int, action: Action
) -> tuple[Request, Member, RequestState]:
    """The request `actor` may do `action` on now, the actor, and the state before it."""
    request = await check(session, actor=actor, request_id=request_id, action=action)
    assert actor is not None
    return request, actor, request.state


def _why_not(actor: Member, request: Request, action: Action) -> Refused:
    state = request.state
    if action == Action.rate:
        if actor.id != request.member_id:
            return Refused("not_allowed")
        if state == RequestState.closed:
            return Refused("already_rated")
        if state == RequestState.reopened:
            return Refused("already_reopened")
        return Refused("not_rateable")
    if actor.id == request.member_id and actor.role != Role.admin:
        return Refused("own_request")
    if state == RequestState.closed or state == RequestState.resolved:
        return Refused("already_resolved")
    if action == Action.accept and state != RequestState.submitted:
        if state == RequestState.forwarded:
            return Refused("with_committee")
        return Refused("already_accepted")
    if action == Action.forward:
        if state == RequestState.forwarded:
            return Refused("already_forwarded")
        return Refused("admin_no_forward")
    if action == Action.take:
        return Refused("already_yours" if request.handler_id == actor.id else "not_takeable")
    if state == RequestState.forwarded:
        return Refused("with_committee")
    return Refused("accept_first")


async def accept(
    session: AsyncSession,
    *,
    actor: Member | None,
    request_id: int,
    take_over: bool = False,
    compose: Compose,
    now: datetime,
) -> Outcome:
    """受理: the actor handles it from now on; the member is told who.

    With `take_over`, 接手办理: an admin takes over a request a secretary handles (after
    an escalation, say); the branch's secretaries are told too.
    """
    action = Action.take if take_over else Action.accept
    request, actor, before = await _acting(session, actor, request_id, action)
    request.handler_id = actor.id
    request.responded_at = request.responded_at or now
    if not take_over:
        request.state, request.accepted_at = RequestState.accepted, now
        _event(session, request, actor=actor, action="accepted", before=before, now=now)
        return await _tell_member(session, request, Event.accepted, actor, compose, now)
    request.accepted_at = request.accepted_at or now
    _event(session, request, actor=actor, action="taken_over", before=before, now=now)
    people = [await _member(session, request)]
    people += [s for s in await notify.secretaries(session, request.branch_id) if s.id != actor.id]
    return await tell(session, request, Event.taken, people, None, compose, now, actor)


async def forward(
    session: AsyncSession,
    *,
    actor: Member | None,
    request_id: int,
    reason: str,
    compose: Compose,
    now: datetime,
) -> Outcome:
    """转交党委 with a reason: the admins get it, the member is told."""
    request, actor, before = await _acting(session, actor, request_id, Action.forward)
    reason = validate_text(reason, code="reason", limit=REASON_MAX)
    request.state, request.handler_id = RequestState.forwarded, None
    request.forwarded_at, request.forward_reason = now, reason
    request.responded_at = request.responded_at or now
    _event(
        session, request, actor=actor, action="forwarded", before=before, now=now, comment=reason
    )
    media = await fanout.attachment(
        session, file=SentFile.of(request.file_id, request.media_kind), now=now
    )
    admins = await notify.admins(session)
    outcome = await tell(session, request, Event.forwarded, admins, media, compose, now, actor)
    await _tell_member(session, request, Event.forwarded, actor, compose, now)
    return outcome


async def resolve(
    session: AsyncSession,
    *,
    actor: Member | None,
    request_id: int,
    reply: str,
    file: SentFile | None = None,
    compose: Compose,
    now: datetime,
) -> Outcome:
    """办结 with a reply (and optionally a file): the member is told and asked to rate."""
    request, actor, before = await _acting(session, actor, request_id, Action.resolve)
    reply = validate_text(reply, code="reply")
    request.reply_file_id, request.reply_media_kind = fanout.columns(file)
    request.state, request.resolved_at, request.reply = RequestState.resolved, now, reply
    request.handler_id = request.handler_id or actor.id
    _event(session, request, actor=actor, action="resolved", before=before, now=now, comment=reply)
    return await _tell_member(session, request, Event.resolved, actor, compose, now)


async def check_rating(
    session: AsyncSession, *, actor: Member | None, request_id: int, rating: RequestRating
) -> bool:
    """Whether this rating needs a reason first (the first 不满意 reopens the request)."""
    request = await check(session, actor=actor, request_id=request_id, action=Action.rate)
    return rating == RequestRating.dissatisfied and request.reopened_at is None


async def rate(
    session: AsyncSession,
    *,
    actor: Member | None,
    request_id: int,
    rating: RequestRating,
    reason: str | None = None,
    limits: Limits,
    compose: Compose,
    now: datetime,
) -> Outcome:
    """满意 / 基本满意 close it; the first 不满意 (with a reason) reopens it, once."""
    reopen = await check_rating(session, actor=actor, request_id=request_id, rating=rating)
    request = await load(session, actor=actor, request_id=request_id)
    before = request.state
    if reopen:
        reason = validate_text(reason or "", code="reason", limit=REASON_MAX)
        request.state, request.reopened_at, request.reopen_reason = (
            RequestState.reopened,
            now,
            reason,
        )
        request.resolved_at = None
        request.resolve_due_at = limits.resolve_due(now)
        _event(
            session, request, actor=actor, action="reopened", before=before, now=now, comment=reason
        )
        event = Event.reopened
    else:
        request.state, request.rating, request.rated_at = RequestState.closed, rating, now
        _event(
            session,
            request,
            actor=actor,
            action="rated",
            before=before,
            now=now,
            comment=str(rating),
        )
        event = Event.rated
    people = await _handlers(session, request)
    outcome = await tell(session, request, event, people, None, compose, now, actor)
    return Outcome(outcome.card, outcome.told, rating)


async def _member(session: AsyncSession, request: Request) -> Member:
    member = await session.get(Member, request.member_id)
    assert member is not None
    return member


async def _handlers(session: AsyncSession, request: Request) -> list[Member]:
    """Who hears of a rating or a 退回: the handler, else the branch's secretaries."""
    if request.handler_id is not None:
        handler = await session.get(Member, request.handler_id)
        if handler is not None:
            return [handler]
    return await notify.secretaries(session, request.branch_id)


async def _tell_member(
    session: AsyncSession,
    request: Request,
    event: Event,
    actor: Member,
    compose: Compose,
    now: datetime,
) -> Outcome:
    media = None
    if event == Event.resolved:
        media = await fanout.attachment(
            session, file=SentFile.of(request.reply_file_id, request.reply_media_kind), now=now
        )
    member = await _member(session, request)
    people = [member] if member.id != actor.id else []
    return await tell(session, request, event, people, media, compose, now, actor)


async def tell(
    session: AsyncSession,
    request: Request,
    event: Event,
    people: list[Member],
    media: Attachment | None,
    compose: Compose,
    now: datetime,
    actor: Member | None,
) -> Outcome:
    """The request's card now, and `people` told of `event` through the outbox."""
    card = await card_of(session, request)
    told = await notify.send(
        session,
        recipients=people,
        change=Change(event, card, media),
        compose=compose,
        now=now,
        actor_id=actor.id if actor else None,
    )
    return Outcome(card, told)
