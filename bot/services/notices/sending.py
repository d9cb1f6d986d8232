"""确认发送 through the outbox, the scheduled send, and 暂停 / 继续 / 取消.

Only at 确认发送 (or the scheduled time) are the recipients fixed, one NoticeReceipt
each, with one Delivery row per recipient written in the same transaction. What each
recipient reads is written by the caller's `compose` (the capability's views).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import BatchState, Member, Notice, NoticeReceipt, NoticeStatus, NoticeTarget
from bot.services import audit
from bot.services.errors import Refused
from bot.services.notices.drafts import draft_of, own_notice, recipient_count, recipients

KIND = "notice"
REMIND_KIND = "notice.remind"

# One recipient's copy of a notice (the views write it once per language).
Compose = Callable[[Member, Notice], OutgoingMessage]
Control = Literal["pause", "resume", "cancel"]

# Which states each control applies to, and the notice and batch states it leads to.
CONTROLS: dict[str, tuple[set[NoticeStatus], NoticeStatus, BatchState]] = {
    "pause": ({NoticeStatus.sending}, NoticeStatus.paused, BatchState.paused),
    "resume": ({NoticeStatus.paused}, NoticeStatus.sending, BatchState.active),
    "cancel": (
        {NoticeStatus.sending, NoticeStatus.paused, NoticeStatus.scheduled},
        NoticeStatus.cancelled,
        BatchState.cancelled,
    ),
}


async def audit_notice(
    session: AsyncSession,
    notice: Notice,
    action: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    *,
    actor: Member | None = None,
) -> None:
    """The audit entry of a notice's action (by its author unless `actor` says who)."""
    await audit.record(
        session,
        actor_id=actor.id if actor is not None else notice.created_by,
        action=action,
        now=now,
        subject=f"notice:{notice.id}",
        details=details,
    )


async def fan_out(
    session: AsyncSession,
    notice: Notice,
    people: Sequence[Member],
    *,
    kind: str,
    compose: Compose,
    now: datetime,
) -> int:
    """One outbox batch: each person's copy, in the caller's transaction."""
    batch = await outbox.enqueue(
        session,
        kind=kind,
        recipients=[Recipient(m.telegram_user_id, compose(m, notice), m.id) for m in people],
        now=now,
        subject_id=notice.id,
        created_by=notice.created_by,
    )
    assert batch.id is not None
    if kind == KIND:
        notice.batch_id = batch.id
    return batch.total


async def _start_sending(
    session: AsyncSession, notice: Notice, *, compose: Compose, now: datetime
) -> int:
    """Fix the recipients (one receipt each) and write their Delivery rows, together."""
    assert notice.id is not None
    people = await recipients(session, notice)
    if people:
        await session.execute(
            NoticeReceipt.__table__.insert(),  # type: ignore[attr-defined]
            [{"notice_id": notice.id, "member_id": m.id, "branch_id": m.branch_id} for m in people],
        )
    total = await fan_out(session, notice, people, kind=KIND, compose=compose, now=now)
    notice.status = NoticeStatus.sending
    notice.started_at = now
    notice.progress_edited_at = None
    session.add(notice)
    details = {"target": notice.target, "branches": notice.branch_ids, "recipients": total}
    await audit_notice(session, notice, "notice.sent", now, details)
    return total


async def confirm(
    session: AsyncSession,
    *,
    actor: Member | None,
    notice_id: int,
    compose: Compose,
    now: datetime,
) -> Notice:
    """确认发送: send now, or hold until the scheduled time."""
    notice = await draft_of(session, actor, notice_id)
    if notice.target == NoticeTarget.branches and not notice.branch_ids:
        raise Refused("no_branch_chosen")
    if not await recipient_count(session, notice):
        raise Refused("no_recipients")
    if notice.send_at is not None and notice.send_at > now:
        notice.status = NoticeStatus.scheduled
        session.add(notice)
        await audit_notice(
            session, notice, "notice.scheduled", now, {"send_at": notice.send_at.isoformat()}
        )
        return notice
    await _start_sending(session, notice, compose=compose, now=now)
    return notice


async def send_due(session: AsyncSession, *, compose: Compose, now: datetime) -> list[Notice]:
    """Enqueue every scheduled notice whose time has come (the caller commits)."""
    due = list(
        await session.exec(
            select(Notice.id).where(
                Notice.status == NoticeStatus.scheduled, col(Notice.send_at) <= now
            )
        )
    )
    started = []
    for notice_id in due:
        # The conditional update is the claim: two bot processes never both enqueue it.
        claimed = await session.execute(
            update(Notice)
            .where(col(Notice.id) == notice_id, col(Notice.status) == NoticeStatus.scheduled)
            .values(status=NoticeStatus.sending)
        )
        if not getattr(claimed, "rowcount", 0):
            continue
        notice = await session.get(Notice, notice_id, populate_existing=True)
        assert notice is not None
        await _start_sending(session, notice, compose=compose, now=now)
        started.append(notice)
    return started


async def control(
    session: AsyncSession, *, actor: Member | None, notice_id: int, action: Control, now: datetime
) -> Notice:
    """暂停 / 继续 / 取消 a notice that is sending (or 取消 one that is scheduled)."""
    _, notice = await own_notice(session, actor, notice_id, lock=True)
    if action not in CONTROLS:
        raise Refused("unknown_notice")
    allowed, status, batch_state = CONTROLS[action]
    if notice.status not in allowed:
        raise Refused("state", status=notice.status)
    if notice.batch_id is not None:
        await outbox.set_batch_state(session, batch_id=notice.batch_id, state=batch_state, now=now)
    notice.status = status
    if notice.batch_id is None:
        notice.progress_final = True
    session.add(notice)
    await audit_notice(session, notice, f"notice.{action}", now, actor=actor)
    return notice
