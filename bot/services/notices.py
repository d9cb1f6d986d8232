"""Notices: drafts with a target, 确认发送 through the outbox, 收到 receipts and reminders.

A notice is a draft until its author presses 确认发送; only then are the recipients
fixed (one NoticeReceipt each) and one Delivery row per recipient written, in the same
transaction. A scheduled notice is fixed and enqueued by the job when its time comes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.delivery.outbox import BatchProgress, Recipient
from bot.i18n import N_, Catalogs, Translator
from bot.models import (
    BatchState,
    Branch,
    Delivery,
    DeliveryStatus,
    MediaFile,
    Member,
    MemberStatus,
    Notice,
    NoticeReceipt,
    NoticeStatus,
    NoticeTarget,
    Role,
)
from bot.services import access, audit
from bot.services.errors import Refused

KIND = "notice"
REMIND_KIND = "notice.remind"
# Telegram counts the text after HTML parsing; leave room for the header members see
# and for the preview's lines (recipients, choices) around the text.
TEXT_LIMIT = 3600
CAPTION_LIMIT = 950
REMIND_EVERY = timedelta(hours=1)
PROGRESS_EVERY = timedelta(seconds=3)
RATE_WINDOW = timedelta(minutes=1)
RECENT = 10

STATUS_NAMES = {
    NoticeStatus.draft: N_("draft"),
    NoticeStatus.scheduled: N_("scheduled"),
    NoticeStatus.sending: N_("sending"),
    NoticeStatus.paused: N_("paused"),
    NoticeStatus.cancelled: N_("cancelled"),
    NoticeStatus.done: N_("sent"),
}


# ---------------------------------------------------------------- who may do what
async def _own_notice(
    session: AsyncSession, actor: Member | None, notice_id: int, *, lock: bool = False
) -> tuple[Member, Notice]:
    """The notice, if it exists and this person may manage it (its author, or any admin)."""
    author = access.require_leader(actor)
    query = select(Notice).where(Notice.id == notice_id)
    if lock:
        query = query.with_for_update()
    notice = (await session.exec(query)).first()
    if notice is None:
        raise Refused("unknown_notice")
    if notice.created_by != author.id and author.role != Role.admin:
        raise Refused("not_allowed")
    return author, notice


async def draft_of(session: AsyncSession, actor: Member | None, notice_id: int) -> Notice:
    author, notice = await _own_notice(session, actor, notice_id, lock=True)
    if notice.created_by != author.id:
        raise Refused("not_allowed")
    if notice.status != NoticeStatus.draft:
        raise Refused("not_draft", status=notice.status)
    return notice


# ---------------------------------------------------------------- writing a draft
def check_text(text_html: str, plain_length: int, *, with_media: bool) -> str:
    """The notice text as typed (HTML); refuses empty or over Telegram's limits."""
    if not text_html.strip() and not with_media:
        raise Refused("text_empty")
    limit = CAPTION_LIMIT if with_media else TEXT_LIMIT
    if plain_length > limit:
        raise Refused("text_too_long", limit=limit, length=plain_length)
    return text_html.strip()


async def create_draft(
    session: AsyncSession,
    *,
    actor: Member | None,
    text_html: str,
    plain_length: int,
    now: datetime,
    media: MediaFile | None = None,
    media_kind: str | None = None,
) -> Notice:
    """A draft notice; admins default to everyone, secretaries to their own branch."""
    author = access.require_leader(actor)
    text = check_text(text_html, plain_length, with_media=media is not None)
    if media is not None:
        session.add(media)
        await session.flush()
    notice = Notice(
        text=text,
        media_id=media.id if media is not None else None,
        media_kind=media_kind if media is not None else None,
        target=NoticeTarget.all if author.role == Role.admin else NoticeTarget.branches,
        branch_ids=[] if author.role == Role.admin else [author.branch_id or 0],
        created_by=author.id or 0,
        created_at=now,
    )
    session.add(notice)
    await session.flush()
    return notice


async def set_target(
    session: AsyncSession, *, actor: Member | None, notice_id: int, target: NoticeTarget
) -> Notice:
    """Choose everyone, chosen branches or secretaries only; only admins may go wider."""
    notice = await draft_of(session, actor, notice_id)
    assert actor is not None
    if actor.role != Role.admin:
        raise Refused("not_allowed")
    notice.target = target
    session.add(notice)
    return notice


async def toggle_branch(
    session: AsyncSession, *, actor: Member | None, notice_id: int, branch_id: int
) -> Notice:
    """Add a branch to the chosen ones, or take it out again (admins)."""
    notice = await draft_of(session, actor, notice_id)
    assert actor is not None
    if actor.role != Role.admin:
        raise Refused("not_allowed")
    if await session.get(Branch, branch_id) is None:
        raise Refused("unknown_branch")
    chosen = list(notice.branch_ids)
    if branch_id in chosen:
        chosen.remove(branch_id)
    else:
        chosen.append(branch_id)
    notice.branch_ids = chosen  # a new list, so the JSON column is saved
    notice.target = NoticeTarget.branches
    session.add(notice)
    return notice


async def set_requires_ack(
    session: AsyncSession, *, actor: Member | None, notice_id: int, required: bool
) -> Notice:
    notice = await draft_of(session, actor, notice_id)
    notice.requires_ack = required
    session.add(notice)
    return notice


_WHEN = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s+(\d{1,2})\s*[:：点]\s*(\d{2})\s*分?\s*$"
)


def parse_when(raw: str, tz: ZoneInfo) -> datetime:
    """`YYYY-MM-DD HH:MM` in the configured zone → aware UTC; Refused("time_format") else."""
    match = _WHEN.match(raw.replace("\u3000", " "))
    if match is None:
        raise Refused("time_format")
    year, month, day, hour, minute = (int(g) for g in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        raise Refused("time_invalid") from None
    return local.astimezone(ZoneInfo("UTC"))


async def set_send_at(
    session: AsyncSession,
    *,
    actor: Member | None,
    notice_id: int,
    send_at: datetime | None,
    now: datetime,
) -> Notice:
    """Schedule the draft for later, or (None) back to sending at once."""
    notice = await draft_of(session, actor, notice_id)
    if send_at is not None and send_at <= now:
        raise Refused("time_past")
    if send_at is not None and send_at > now + timedelta(days=366):
        raise Refused("time_far")
    notice.send_at = send_at
    session.add(notice)
    return notice


async def set_preview(
    session: AsyncSession, *, notice: Notice, chat_id: int, message_id: int
) -> None:
    """Remember the message that shows the preview; progress is edited into it."""
    notice.preview_chat_id, notice.preview_message_id = chat_id, message_id
    session.add(notice)


async def discard(session: AsyncSession, *, actor: Member | None, notice_id: int) -> Notice:
    """取消 on the preview: the draft is dropped and nothing is sent."""
    notice = await draft_of(session, actor, notice_id)
    notice.status = NoticeStatus.cancelled
    notice.progress_final = True
    session.add(notice)
    return notice


# ---------------------------------------------------------------- recipients
def _who(notice: Notice) -> list[Any]:
    """Who gets the notice now: people of branches (not left), never the author."""
    where: list[Any] = [
        Member.status != MemberStatus.left,
        Member.id != notice.created_by,
        col(Member.branch_id).is_not(None),
    ]
    if notice.target == NoticeTarget.secretaries:
        where.append(Member.role == Role.secretary)
    else:
        where.append(col(Member.role).in_([Role.member, Role.secretary]))
        if notice.target == NoticeTarget.branches:
            where.append(col(Member.branch_id).in_(notice.branch_ids or [-1]))
    return where


async def recipients(session: AsyncSession, notice: Notice) -> list[Member]:
    return list(await session.exec(select(Member).where(*_who(notice)).order_by(col(Member.id))))


async def recipient_count(session: AsyncSession, notice: Notice) -> int:
    """How many would get it; counted in the database (the preview of 5,000 is redrawn often)."""
    return int((await session.exec(select(func.count()).where(*_who(notice)))).one())


async def branch_names(session: AsyncSession, ids: Sequence[int]) -> list[str]:
    if not ids:
        return []
    rows = await session.exec(select(Branch).where(col(Branch.id).in_(list(ids))))
    return sorted(b.name for b in rows)


async def all_branches(session: AsyncSession) -> list[Branch]:
    return list(await session.exec(select(Branch).order_by(col(Branch.name))))


async def media_of(session: AsyncSession, notice: Notice) -> MediaFile | None:
    return await session.get(MediaFile, notice.media_id) if notice.media_id else None


# ---------------------------------------------------------------- what members get
def ack_button(t: Translator, notice_id: int) -> Button:
    return Button(t.label("Received"), data=f"nack:{notice_id}")


def acked_button(t: Translator, notice_id: int, at: datetime) -> Button:
    return Button(t.label("✅ Received {time}", time=t.datetime(at, "short")), f"nack:{notice_id}")


def member_message(t: Translator, notice: Notice, *, reminder: bool = False) -> OutgoingMessage:
    """The notice as one member sees it, with 收到 when confirmation is required."""
    assert notice.id is not None
    head = (
        t._("⏰ <b>Reminder</b>: please confirm that you have read this notice.")
        if reminder
        else t._("📢 <b>Notice</b>")
    )
    buttons: Keyboard = [[ack_button(t, notice.id)]] if notice.requires_ack else []
    text = f"{head}\n\n{notice.text}" if notice.text else head
    return OutgoingMessage(
        text=text, buttons=buttons, media_id=notice.media_id, media_kind=notice.media_kind
    )


async def _enqueue_to(
    session: AsyncSession,
    notice: Notice,
    people: Sequence[Member],
    *,
    kind: str,
    catalogs: Catalogs,
    tz: ZoneInfo,
    now: datetime,
    reminder: bool = False,
) -> int:
    translators: dict[str | None, Translator] = {}

    def t_for(m: Member) -> Translator:
        if m.locale not in translators:
            translators[m.locale] = catalogs.translator(m.locale, tz)
        return translators[m.locale]

    batch = await outbox.enqueue(
        session,
        kind=kind,
        recipients=[
            Recipient(m.telegram_user_id, member_message(t_for(m), notice, reminder=reminder), m.id)
            for m in people
        ],
        now=now,
        subject_id=notice.id,
        created_by=notice.created_by,
    )
    assert batch.id is not None
    if not reminder:
        notice.batch_id = batch.id
    return batch.total


async def _start_sending(
    session: AsyncSession, notice: Notice, *, catalogs: Catalogs, tz: ZoneInfo, now: datetime
) -> int:
    """Fix the recipients (one receipt each) and write their Delivery rows, together."""
    assert notice.id is not None
    people = await recipients(session, notice)
    if people:
        await session.execute(
            NoticeReceipt.__table__.insert(),  # type: ignore[attr-defined]
            [{"notice_id": notice.id, "member_id": m.id, "branch_id": m.branch_id} for m in people],
        )
    total = await _enqueue_to(session, notice, people, kind=KIND, catalogs=catalogs, tz=tz, now=now)
    notice.status = NoticeStatus.sending
    notice.started_at = now
    notice.progress_edited_at = None
    session.add(notice)
    await audit.record(
        session,
        actor_id=notice.created_by,
        action="notice.sent",
        now=now,
        subject=f"notice:{notice.id}",
        details={"target": notice.target, "branches": notice.branch_ids, "recipients": total},
    )
    return total


async def confirm(
    session: AsyncSession,
    *,
    actor: Member | None,
    notice_id: int,
    catalogs: Catalogs,
    tz: ZoneInfo,
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
        await audit.record(
            session,
            actor_id=notice.created_by,
            action="notice.scheduled",
            now=now,
            subject=f"notice:{notice.id}",
            details={"send_at": notice.send_at.isoformat()},
        )
        return notice
    await _start_sending(session, notice, catalogs=catalogs, tz=tz, now=now)
    return notice


async def send_due(
    session: AsyncSession, *, catalogs: Catalogs, tz: ZoneInfo, now: datetime
) -> list[Notice]:
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
        await _start_sending(session, notice, catalogs=catalogs, tz=tz, now=now)
        started.append(notice)
    return started


# ---------------------------------------------------------------- pause / resume / cancel
async def control(
    session: AsyncSession, *, actor: Member | None, notice_id: int, action: str, now: datetime
) -> Notice:
    """暂停 / 继续 / 取消 a notice that is sending (or 取消 one that is scheduled)."""
    _, notice = await _own_notice(session, actor, notice_id, lock=True)
    allowed = {
        "pause": {NoticeStatus.sending},
        "resume": {NoticeStatus.paused},
        "cancel": {NoticeStatus.sending, NoticeStatus.paused, NoticeStatus.scheduled},
    }
    if action not in allowed:
        raise Refused("unknown_notice")
    if notice.status not in allowed[action]:
        raise Refused("state", status=notice.status)
    new_state = {
        "pause": (NoticeStatus.paused, BatchState.paused),
        "resume": (NoticeStatus.sending, BatchState.active),
        "cancel": (NoticeStatus.cancelled, BatchState.cancelled),
    }[action]
    if notice.batch_id is not None:
        await outbox.set_batch_state(session, batch_id=notice.batch_id, state=new_state[1], now=now)
    notice.status = new_state[0]
    if notice.batch_id is None:
        notice.progress_final = True
    session.add(notice)
    await audit.record(
        session,
        actor_id=actor.id if actor else None,
        action=f"notice.{action}",
        now=now,
        subject=f"notice:{notice.id}",
    )
    return notice


# ---------------------------------------------------------------- progress
@dataclass(slots=True)
class Progress:
    notice: Notice
    batch: BatchProgress | None
    eta: timedelta | None

    @property
    def finished(self) -> bool:
        return self.batch is None or self.batch.finished


async def progress(session: AsyncSession, notice: Notice, *, now: datetime) -> Progress:
    """Counts of the notice's deliveries and, while sending, the time still needed."""
    if notice.batch_id is None:
        return Progress(notice, None, None)
    counts = await outbox.progress(session, notice.batch_id)
    eta = None
    remaining = counts.pending + counts.sending
    if notice.status == NoticeStatus.sending and remaining:
        # The pace of the last minute: time spent paused (or before a restart) is not
        # sending time, and 429s slow the pace down as they happen.
        first, recent = (
            await session.execute(
                select(func.min(Delivery.updated_at), func.count()).where(
                    col(Delivery.batch_id) == notice.batch_id,
                    col(Delivery.status).in_(
                        [DeliveryStatus.sent, DeliveryStatus.failed, DeliveryStatus.blocked]
                    ),
                    col(Delivery.updated_at) > now - RATE_WINDOW,
                )
            )
        ).one()
        span = (now - first).total_seconds() if first is not None else 0
        if span > 0 and recent:
            eta = timedelta(seconds=math.ceil(remaining * span / recent))
    return Progress(notice, counts, eta)


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """A text bar like ▓▓▓░░░░░░░ for done out of total."""
    filled = width if total <= 0 else min(width, (done * width) // total)
    return "▓" * filled + "░" * (width - filled)


def duration(t: Translator, span: timedelta) -> str:
    seconds = max(1, int(span.total_seconds()))
    if seconds < 60:
        return t.n_("{n} second", "{n} seconds", seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return t.n_("{n} minute", "{n} minutes", minutes)
    return t.n_("{n} hour", "{n} hours", math.ceil(minutes / 60))


def progress_message(t: Translator, p: Progress) -> OutgoingMessage:
    """The author's live view: counts, a bar, the ETA and 暂停 / 继续 / 取消."""
    notice = p.notice
    assert notice.id is not None
    b = p.batch
    lines = [
        t._(
            "<b>Notice #{id}</b> — {status}",
            id=notice.id,
            status=t._(STATUS_NAMES[notice.status]),
        )
    ]
    if b is not None:
        total = b.total
        lines += [
            f"{progress_bar(b.done, total)} {t.percent(b.done / total if total else 1)}",
            t._(
                "Sent {sent} · blocked {blocked} · failed {failed} · pending {pending} (of {total})",
                sent=b.sent,
                blocked=b.blocked,
                failed=b.failed,
                pending=b.pending + b.sending,
                total=total,
            ),
        ]
        if b.cancelled:
            lines.append(t._("Withdrawn before sending: {n}", n=b.cancelled))
        if notice.status == NoticeStatus.sending and not p.finished:
            lines.append(
                t._("About {eta} left", eta=duration(t, p.eta))
                if p.eta is not None
                else t._("Estimating the time left…")
            )
    buttons: Keyboard = []
    nid = notice.id
    if notice.status == NoticeStatus.sending:
        buttons.append(
            [
                Button(t.label("Pause"), f"ntc:{nid}:pause:-"),
                Button(t.label("Cancel"), f"ntc:{nid}:cancel:-"),
            ]
        )
    elif notice.status == NoticeStatus.paused:
        buttons.append(
            [
                Button(t.label("Resume"), f"ntc:{nid}:resume:-"),
                Button(t.label("Cancel"), f"ntc:{nid}:cancel:-"),
            ]
        )
    if notice.batch_id is not None:
        buttons.append([Button(t.label("Receipts"), f"ntc:{nid}:rcpt:-")])
    return OutgoingMessage(text="\n".join(lines), buttons=buttons)


async def progress_due(session: AsyncSession, *, now: datetime) -> list[Notice]:
    """Sending notices whose live view should be edited (and state settled) now, throttled."""
    rows = await session.exec(
        select(Notice).where(
            col(Notice.batch_id).is_not(None),
            col(Notice.progress_final).is_(False),
            or_(
                col(Notice.progress_edited_at).is_(None),
                col(Notice.progress_edited_at) <= now - PROGRESS_EVERY,
            ),
        )
    )
    return list(rows)


async def claim_progress_edit(session: AsyncSession, *, notice_id: int, now: datetime) -> bool:
    """Take this notice's edit slot; False when it was edited (by anyone) too recently."""
    result = await session.execute(
        update(Notice)
        .where(
            col(Notice.id) == notice_id,
            or_(
                col(Notice.progress_edited_at).is_(None),
                col(Notice.progress_edited_at) <= now - PROGRESS_EVERY,
            ),
        )
        .values(progress_edited_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def snapshot(p: Progress) -> dict[str, int | str]:
    b = p.batch
    out: dict[str, int | str] = {"status": p.notice.status}
    if b is not None:
        out |= {
            "sent": b.sent,
            "blocked": b.blocked,
            "failed": b.failed,
            "pending": b.pending + b.sending,
            "cancelled": b.cancelled,
        }
    if p.eta is not None:
        out["eta"] = int(p.eta.total_seconds()) // 10
    return out


async def settle(session: AsyncSession, p: Progress, *, now: datetime) -> bool:
    """Mark a notice done when its deliveries are all out; True when this view is final."""
    notice = p.notice
    if notice.status == NoticeStatus.sending and p.finished:
        notice.status = NoticeStatus.done
        notice.finished_at = now
    final = notice.status in (NoticeStatus.done, NoticeStatus.cancelled) and p.finished
    notice.progress_shown = snapshot(p)
    notice.progress_final = final
    session.add(notice)
    return final


# ---------------------------------------------------------------- 收到
async def acknowledge(
    session: AsyncSession, *, member: Member | None, notice_id: int, now: datetime
) -> tuple[NoticeReceipt, bool]:
    """Record 收到 once; returns the receipt and whether this press recorded it."""
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
        return receipt, False
    # Conditional, so two presses racing record one time.
    result = await session.execute(
        update(NoticeReceipt)
        .where(col(NoticeReceipt.id) == receipt.id, col(NoticeReceipt.acked_at).is_(None))
        .values(acked_at=now)
    )
    await session.refresh(receipt)
    return receipt, bool(getattr(result, "rowcount", 0))


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
    notice: Notice
    rows: list[ReceiptRow]

    def count(self, status: DeliveryStatus) -> int:
        return sum(1 for r in self.rows if r.delivery == status)

    @property
    def delivered(self) -> int:
        return self.count(DeliveryStatus.sent)

    @property
    def pending(self) -> int:
        return sum(
            1
            for r in self.rows
            if r.delivery in (None, DeliveryStatus.pending, DeliveryStatus.sending)
        )

    @property
    def confirmed(self) -> list[ReceiptRow]:
        return [r for r in self.rows if r.acked_at is not None]

    @property
    def waiting(self) -> list[ReceiptRow]:
        """Reached but not yet confirmed: the people a reminder is for."""
        return [r for r in self.rows if r.acked_at is None and r.delivery == DeliveryStatus.sent]

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


async def report(session: AsyncSession, *, actor: Member | None, notice_id: int) -> Report:
    """Who was reached and who confirmed, one row per recipient."""
    _, notice = await _own_notice(session, actor, notice_id)
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


async def remind(
    session: AsyncSession,
    *,
    actor: Member | None,
    notice_id: int,
    catalogs: Catalogs,
    tz: ZoneInfo,
    now: datetime,
) -> int:
    """Send the notice again to those reached who have not confirmed; at most once an hour."""
    _, notice = await _own_notice(session, actor, notice_id, lock=True)
    if not notice.requires_ack:
        raise Refused("no_ack")
    if notice.batch_id is None:
        raise Refused("not_sent", status=notice.status)
    if notice.status == NoticeStatus.cancelled:
        raise Refused("state", status=notice.status)
    if notice.reminded_at is not None and notice.reminded_at > now - REMIND_EVERY:
        wait = notice.reminded_at + REMIND_EVERY - now
        raise Refused("remind_too_soon", minutes=max(1, math.ceil(wait.total_seconds() / 60)))
    rep = await report(session, actor=actor, notice_id=notice_id)
    waiting_ids = [r.member_id for r in rep.waiting]
    if not waiting_ids:
        raise Refused("nobody_waiting")
    # The conditional update is the claim: a double press or a second process sends none.
    claimed = await session.execute(
        update(Notice)
        .where(
            col(Notice.id) == notice_id,
            or_(col(Notice.reminded_at).is_(None), col(Notice.reminded_at) <= now - REMIND_EVERY),
        )
        .values(reminded_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        raise Refused("remind_too_soon", minutes=60)
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
    total = await _enqueue_to(
        session,
        notice,
        people,
        kind=REMIND_KIND,
        catalogs=catalogs,
        tz=tz,
        now=now,
        reminder=True,
    )
    await audit.record(
        session,
        actor_id=actor.id if actor else None,
        action="notice.reminded",
        now=now,
        subject=f"notice:{notice.id}",
        details={"recipients": total},
    )
    return total


DELIVERY_NAMES = {
    DeliveryStatus.pending: N_("pending"),
    DeliveryStatus.sending: N_("pending"),
    DeliveryStatus.sent: N_("delivered"),
    DeliveryStatus.failed: N_("failed"),
    DeliveryStatus.blocked: N_("blocked the bot"),
    DeliveryStatus.cancelled: N_("withdrawn"),
}


def delivery_name(t: Translator, status: DeliveryStatus | None) -> str:
    return t.label(DELIVERY_NAMES[status or DeliveryStatus.pending])


def receipts_xlsx(t: Translator, rep: Report) -> bytes:
    """The receipts as a spreadsheet: one row per recipient."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t.label("Receipts")[:31]
    header = [
        t.label("Name"),
        t.label("Branch"),
        t.label("Delivery"),
        t.label("Confirmed at"),
        t.label("Reminded at"),
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rep.rows:
        ws.append(
            [
                r.name,
                r.branch,
                delivery_name(t, r.delivery),
                t.datetime(r.acked_at, "short") if r.acked_at else "",
                t.datetime(r.reminded_at, "short") if r.reminded_at else "",
            ]
        )
        for cell in ws[ws.max_row]:
            # openpyxl stores a string starting with "=" as a formula: a name stays a name.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for column, width in zip("ABCDE", (20, 28, 14, 20, 20), strict=True):
        ws.column_dimensions[column].width = width
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- lists
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


async def confirmed_count(session: AsyncSession, notice_id: int) -> int:
    return int(
        (
            await session.exec(
                select(func.count()).where(
                    NoticeReceipt.notice_id == notice_id, col(NoticeReceipt.acked_at).is_not(None)
                )
            )
        ).one()
    )
