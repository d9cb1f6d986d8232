"""Who sees which requests: the member their own, secretaries their branch's, admins theirs."""

from __future__ import annotations

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, Request, Role
from bot.models.requests import OPEN_STATES
from bot.services import access
from bot.services.requests.cards import Card, card_of
from bot.services.requests.flow import load

LIST_MAX = 300


async def _cards(session: AsyncSession, requests: list[Request]) -> list[Card]:
    return [await card_of(session, r) for r in requests]


async def mine(session: AsyncSession, *, actor: Member | None) -> list[Card]:
    """The member's own requests, newest first."""
    member = access.require(actor, Role.member, Role.secretary)
    rows = await session.exec(
        select(Request)
        .where(Request.member_id == member.id)
        .order_by(col(Request.created_at).desc(), col(Request.id).desc())
        .limit(LIST_MAX)
    )
    return await _cards(session, list(rows))


async def branch_open(session: AsyncSession, *, actor: Member | None) -> list[Card]:
    """The secretary's branch's open requests, oldest first (the longest waiting on top)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    rows = await session.exec(
        select(Request)
        .where(Request.branch_id == secretary.branch_id, col(Request.state).in_(OPEN_STATES))
        .order_by(col(Request.created_at), col(Request.id))
        .limit(LIST_MAX)
    )
    return await _cards(session, list(rows))


async def committee_open(session: AsyncSession, *, actor: Member | None) -> list[Card]:
    """For admins: open requests forwarded to the committee, escalated, or taken over."""
    admin = access.require(actor, Role.admin)
    rows = await session.exec(
        select(Request)
        .where(
            col(Request.state).in_(OPEN_STATES),
            or_(
                col(Request.forwarded_at).is_not(None),
                col(Request.escalated_at).is_not(None),
                col(Request.handler_id) == admin.id,
            ),
        )
        .order_by(col(Request.created_at), col(Request.id))
        .limit(LIST_MAX)
    )
    return await _cards(session, list(rows))


async def detail(session: AsyncSession, *, actor: Member | None, request_id: int) -> Card:
    """One request with its history, for those who may see it."""
    request = await load(session, actor=actor, request_id=request_id)
    return await card_of(session, request, history=True)
