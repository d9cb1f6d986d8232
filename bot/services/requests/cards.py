"""What a request looks like to the code that shows it: plain data, no rows, no text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, MemberStatus, Request, RequestEvent, Role
from bot.models.requests import OPEN_STATES, RequestKind, RequestRating, RequestState
from bot.services import access
from bot.services.rows import copy_of


class Action(StrEnum):
    """What someone may do with a request; the views turn these into buttons."""

    accept = "accept"  # 受理
    resolve = "resolve"  # 办结
    forward = "forward"  # 转交党委
    take = "take"  # an admin takes it over (接手办理)
    rate = "rate"  # 满意 / 基本满意 / 不满意


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a request's history."""

    action: str
    at: datetime
    actor_name: str | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class Card:
    """A request with the names it refers to, as every view needs it.

    Every field not worked out in `card_of` is the request's field of that name."""

    id: int
    number: int
    branch_id: int
    branch_name: str
    kind: RequestKind
    text: str
    state: RequestState
    member_id: int
    member_name: str
    handler_id: int | None
    handler_name: str | None
    created_at: datetime
    accept_due_at: datetime
    resolve_due_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    forward_reason: str | None
    reply: str | None
    rating: RequestRating | None
    reopen_reason: str | None
    reopened: bool
    escalated: bool
    file_id: str | None
    media_kind: str | None
    reply_file_id: str | None
    reply_media_kind: str | None
    history: list[Step] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


async def card_of(session: AsyncSession, request: Request, *, history: bool = False) -> Card:
    """The card of one request (with its history when asked)."""
    assert request.id is not None
    ids = {request.member_id, request.handler_id}
    steps: list[RequestEvent] = []
    if history:
        steps = list(
            await session.exec(
                select(RequestEvent)
                .where(RequestEvent.request_id == request.id)
                .order_by(col(RequestEvent.at), col(RequestEvent.id))
            )
        )
        ids |= {e.actor_id for e in steps}
    names = await names_of(session, {i for i in ids if i is not None})
    branch = await session.get(Branch, request.branch_id)
    return copy_of(
        Card,
        request,
        branch_name=branch.name if branch else "",
        member_name=names.get(request.member_id, ""),
        handler_name=names.get(request.handler_id) if request.handler_id else None,
        reopened=request.reopened_at is not None,
        escalated=request.escalated_at is not None,
        history=[
            Step(e.action, e.at, names.get(e.actor_id) if e.actor_id else None, e.comment)
            for e in steps
        ],
    )


async def names_of(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.exec(select(Member.id, Member.name).where(col(Member.id).in_(ids)))
    return {i: n for i, n in rows.all() if i is not None}


def may_see(actor: Member, request: Request | Card) -> bool:
    """Only the member, the branch's secretaries and the admins see a request."""
    if actor.status == MemberStatus.left:
        return False
    return actor.id == request.member_id or access.leads(actor, request.branch_id)


def may_handle(actor: Member, request: Request | Card) -> bool:
    """Admins, and the branch's secretaries for requests other than their own."""
    if actor.status == MemberStatus.left:
        return False
    if actor.role == Role.admin:
        return True
    return access.leads(actor, request.branch_id) and actor.id != request.member_id


def actions_for(actor: Member, request: Request | Card) -> frozenset[Action]:
    """What `actor` may do with the request now (the server checks again on each press)."""
    state = request.state
    actions: set[Action] = set()
    if actor.id == request.member_id and state == RequestState.resolved:
        actions.add(Action.rate)
    if not may_handle(actor, request):
        return frozenset(actions)
    admin = actor.role == Role.admin
    if state == RequestState.submitted or (state == RequestState.forwarded and admin):
        actions.add(Action.accept)
    if state in (RequestState.accepted, RequestState.reopened):
        actions.add(Action.resolve)
    if not admin and state in (
        RequestState.submitted,
        RequestState.accepted,
        RequestState.reopened,
    ):
        actions.add(Action.forward)
    taken = state in (RequestState.accepted, RequestState.reopened)
    if admin and taken and request.handler_id != actor.id:
        actions.add(Action.take)
    return frozenset(actions)
