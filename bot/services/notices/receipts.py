"""收到 receipts: recorded once per recipient, reported by branch and name, re-reminded.

Also the author's list of notices (/notices): scheduled ones first, then recent ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Branch,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    Notice,
    NoticeReceipt,
    NoticeStatus,
    Role,
)
from bot.services import access
from bot.services.errors import Refused
from bot.services.notices.drafts import own_notice
from bot.services.notices.sending import REMIND_KIND, Compose, audit_notice, fan_out

REMIND_EVERY = timedelta(hours=1)
RECENT = 10
NOT_YET_OUT = (None, DeliveryStatus.pending, DeliveryStatus.sending)


# ---------------------------------------------------------------- 收到
@dataclass(frozen=True, slots=True)
class Ack:
    """A recipient's 收到: when it was recorded, and whether this press recorded it."""

    notice_id: int
    acked_at: datetime
    recorded: bool


async def acknowledge(
    session: AsyncSession, *, member: Member | None, notice_id: int, now: datetime
) -> Ack:
    """Record 收到 once; a second press (or a racing one) records nothing more."""
    if member is None or member.id is None:
        raise Refused("unknown_notice")
    receipt = (
        await session.exec(
            select(NoticeReceipt).where(
                NoticeReceipt.notice_id == notice_id, NoticeReceipt.member_id == member.id
            )
        )
    ).first()
    notice = await session.get(Notice, notice_id)
    if receipt is None or notice is None or not notice.requires_ack:
        raise Refused("unknown_notice")
    if receipt.acked_at is not None:
        return Ack(notice_id, receipt.acked_at, recorded=False)
    # Conditional, so two presses racing record one time.
    result = await session.execute(
        update(NoticeReceipt)
        .where(col(NoticeReceipt.id) == receipt.id, col(NoticeReceipt.acked_at).is_(None))
        .values(acked_at=now)
    )
    await session.refresh(receipt)
    assert receipt.acked_at is not None
    return Ack(notice_id, receipt.acked_at, recorded=bool(getattr(result, "rowcount", 0)))


# ---------------------------------------------------------------- receipts
@dataclass(slots=True)
class ReceiptRow:
    member_id: int
    name: str
    branch: str
    delivery: DeliveryStatus | None
    acked_at: datetime | None
    reminded_at: datetime | None


@dataclass(slots=True)
class BranchTally:
    name: str
    total: int = 0
    delivered: int = 0
    confirmed: int = 0
    waiting: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """One row per recipient of a sent notice: reached or not, confirmed or not."""

    notice: Notice
    rows: list[ReceiptRow]

    def count(self, status: DeliveryStatus) -> int:
        return sum(1 for r in self.rows if r.delivery == status)

    @property
    def delivered(self) -> int:
        return self.count(DeliveryStatus.sent)

    @property
    def pending(self) -> int:
        return sum(1 for r in self.rows if r.delivery in NOT_YET_OUT)

    @property
    def confirmed(self) -> list[ReceiptRow]:
        return [r for r in self.rows if r.acked_at is not None]

    @property
    def waiting(self) -> list[ReceiptRow]:
        """Reached but not yet confirmed: the people a reminder is for."""
        return [r for r in self.rows if r.acked_at is None and r.delivery == DeliveryStatus.sent]

    @property
    def unreachable(self) -> list[ReceiptRow]:
        return [
            r for r in self.rows if r.delivery in (DeliveryStatus.blocked, DeliveryStatus.failed)
        ]

    @property
    def can_remind(self) -> bool:
        notice = self.notice
        return (
            notice.requires_ack and bool(self.waiting) and notice.status != NoticeStatus.cancelled
        )

    def by_branch(self) -> list[BranchTally]:
        tallies: dict[str, BranchTally] = {}
        for r in self.rows:
            tally = tallies.setdefault(r.branch, BranchTally(r.branch))
            tally.total += 1
            if r.delivery == DeliveryStatus.sent:
                tally.delivered += 1
            if r.acked_at is not None:
                tally.confirmed += 1
            elif r.delivery == DeliveryStatus.sent:
                tally.waiting.append(r.name)
        return [tallies[k] for k in sorted(tallies)]


async def latest(session: AsyncSession, *, actor: Member | None) -> Notice | None:
    """The newest notice this person sent (admins: anyone's)."""
    author = access.require_leader(actor)
    query = select(Notice).where(col(Notice.batch_id).is_not(None))
    if author.role != Role.admin:
        query = query.where(Notice.created_by == author.id)
    return (await session.exec(query.order_by(col(Notice.id).desc()).limit(1))).first()


async def report(
    session: AsyncSession, *, actor: Member | None, notice_id: int | None = None
) -> Report | None:
    """Who was reached and who confirmed; the newest sent notice without `notice_id`
    (None when this person has sent none)."""
    if notice_id is None:
        newest = await latest(session, actor=actor)
        if newest is None or newest.id is None:
            return None
        notice_id = newest.id
    _, notice = await own_notice(session, actor, notice_id)
    if notice.batch_id is None:
        raise Refused("not_sent", status=notice.status)
    deliveries = {
        d.member_id: d.status
        for d in await session.exec(select(Delivery).where(Delivery.batch_id == notice.batch_id))
    }
    rows = await session.exec(
        select(NoticeReceipt, Member, Branch)
        .join(Member, col(Member.id) == NoticeReceipt.member_id)
        .join(Branch, col(Branch.id) == NoticeReceipt.branch_id, isouter=True)
        .where(NoticeReceipt.notice_id == notice.id)
        .order_by(col(Branch.name), col(Member.name), col(Member.id))
    )
    return Report(
        notice,
        [
            ReceiptRow(
                member_id=m.id or 0,
                name=m.name,
                branch=b.name if b is not None else "",
                delivery=deliveries.get(m.id),
                acked_at=r.acked_at,
                reminded_at=r.reminded_at,
            )
            for r, m, b in rows
        ],
    )


def _check_pace(notice: Notice, now: datetime) -> None:
    """At most one reminder an hour."""
    if notice.reminded_at is not None and notice.reminded_at > now - REMIND_EVERY:
        wait = notice.reminded_at + REMIND_EVERY - now
        raise Refused("remind_too_soon", minutes=max(1, math.ceil(wait.total_seconds() / 60)))


async def _claim_reminder(session: AsyncSession, notice: Notice, now: datetime) -> None:
    """The conditional update is the claim: a double press or a second process sends none."""
    claimed = await session.execute(
        update(Notice)
        .where(
            col(Notice.id) == notice.id,
            or_(col(Notice.reminded_at).is_(None), col(Notice.reminded_at) <= now - REMIND_EVERY),
        )
        .values(reminded_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        raise Refused("remind_too_soon", minutes=60)


async def remind(
    session: AsyncSession,
    *,
    actor: Member | None,
    notice_id: int,
    compose: Compose,
    now: datetime,
) -> int:
    """Send the notice again to those reached who have not confirmed; how many."""
    _, notice = await own_notice(session, actor, notice_id, lock=True)
    if not notice.requires_ack:
        raise Refused("no_ack")
    if notice.batch_id is None:
        raise Refused("not_sent", status=notice.status)
    if notice.status == NoticeStatus.cancelled:
        raise Refused("state", status=notice.status)
    _check_pace(notice, now)
    rep = await report(session, actor=actor, notice_id=notice_id)
    assert rep is not None
    waiting_ids = [r.member_id for r in rep.waiting]
    if not waiting_ids:
        raise Refused("nobody_waiting")
    await _claim_reminder(session, notice, now)
    people = list(
        await session.exec(
            select(Member)
            .where(col(Member.id).in_(waiting_ids), Member.status != MemberStatus.left)
            .order_by(col(Member.id))
        )
    )
    await session.execute(
        update(NoticeReceipt)
        .where(
            col(NoticeReceipt.notice_id) == notice_id,
            col(NoticeReceipt.member_id).in_([m.id for m in people]),
        )
        .values(reminded_at=now)
    )
    total = await fan_out(session, notice, people, kind=REMIND_KIND, compose=compose, now=now)
    await audit_notice(session, notice, "notice.reminded", now, {"recipients": total}, actor=actor)
    return total


# ---------------------------------------------------------------- /notices
async def listing(session: AsyncSession, *, actor: Member | None) -> list[Notice]:
    """Scheduled notices first (cancellable until their time), then the recent ones."""
    author = access.require_leader(actor)
    query = select(Notice).where(Notice.status != NoticeStatus.draft)
    if author.role != Role.admin:
        query = query.where(Notice.created_by == author.id)
    scheduled = list(
        await session.exec(
            query.where(Notice.status == NoticeStatus.scheduled).order_by(col(Notice.send_at))
        )
    )
    recent = list(
        await session.exec(
            query.where(Notice.status != NoticeStatus.scheduled)
            .order_by(col(Notice.id).desc())
            .limit(RECENT)
        )
    )
    return scheduled + recent
