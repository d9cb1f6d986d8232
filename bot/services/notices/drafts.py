"""Writing a notice (通知): the draft, its target, 收到 required or not, its send time.

A notice is a draft until its author presses 确认发送; only its author may change it,
and only admins may send wider than their own branch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.models import Branch, MediaFile, Member, Notice, NoticeStatus, NoticeTarget, Role
from bot.services import access, org
from bot.services.errors import Refused, found

# Telegram counts the text after HTML parsing; leave room for the header members see
# and for the preview's lines (recipients, choices) around the text.
TEXT_LIMIT = 3600
CAPTION_LIMIT = 950
SCHEDULE_HORIZON = timedelta(days=366)


# ---------------------------------------------------------------- who may do what
async def own_notice(
    session: AsyncSession, actor: Member | None, notice_id: int, *, lock: bool = False
) -> tuple[Member, Notice]:
    """The notice, if it exists and this person may manage it (its author, or any admin)."""
    author = access.require_leader(actor)
    query = select(Notice).where(Notice.id == notice_id)
    if lock:
        query = query.with_for_update()
    notice = found((await session.exec(query)).first(), "unknown_notice")
    if notice.created_by != author.id and author.role != Role.admin:
        raise Refused("not_allowed")
    return author, notice


async def draft_of(session: AsyncSession, actor: Member | None, notice_id: int) -> Notice:
    """The author's own draft, locked; refused once it was sent, scheduled or dropped."""
    author, notice = await own_notice(session, actor, notice_id, lock=True)
    if notice.created_by != author.id:
        raise Refused("not_allowed")
    if notice.status != NoticeStatus.draft:
        raise Refused("not_draft", status=notice.status)
    return notice


async def admin_draft(session: AsyncSession, actor: Member | None, notice_id: int) -> Notice:
    """A draft whose recipients may go beyond one branch: admins only."""
    notice = await draft_of(session, actor, notice_id)
    assert actor is not None
    if actor.role != Role.admin:
        raise Refused("not_allowed")
    return notice


async def _update(
    load: Callable[[AsyncSession, Member | None, int], Awaitable[Notice]],
    session: AsyncSession,
    actor: Member | None,
    notice_id: int,
    **fields: object,
) -> Notice:
    """The draft `load` lets this person change, with `fields` set."""
    notice = await load(session, actor, notice_id)
    for name, value in fields.items():
        setattr(notice, name, value)
    session.add(notice)
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


async def set_requires_ack(
    session: AsyncSession, *, actor: Member | None, notice_id: int, required: bool
) -> Notice:
    """Ask (or stop asking) every recipient to press 收到."""
    return await _update(draft_of, session, actor, notice_id, requires_ack=required)


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
    if send_at is not None and send_at > now + SCHEDULE_HORIZON:
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
    return await _update(
        draft_of, session, actor, notice_id, status=NoticeStatus.cancelled, progress_final=True
    )


# ---------------------------------------------------------------- recipients: chosen, then read
async def set_target(
    session: AsyncSession, *, actor: Member | None, notice_id: int, target: NoticeTarget
) -> Notice:
    """Choose everyone, chosen branches or secretaries only; only admins may go wider."""
    return await _update(admin_draft, session, actor, notice_id, target=target)


async def toggle_branch(
    session: AsyncSession, *, actor: Member | None, notice_id: int, branch_id: int
) -> Notice:
    """Add a branch to the chosen ones, or take it out again (admins)."""
    notice = await admin_draft(session, actor, notice_id)
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


def recipients_query(notice: Notice) -> SelectOfScalar[Member]:
    """Who gets the notice now: active members of branches, never its author."""
    secretaries = notice.target == NoticeTarget.secretaries
    roles = (Role.secretary,) if secretaries else (Role.member, Role.secretary)
    chosen = notice.target == NoticeTarget.branches
    branches = (notice.branch_ids or [-1]) if chosen else None
    return org.people_query(branches, roles=roles).where(
        Member.id != notice.created_by, col(Member.branch_id).is_not(None)
    )


async def recipients(session: AsyncSession, notice: Notice) -> list[Member]:
    return list(await session.exec(recipients_query(notice)))


async def recipient_count(session: AsyncSession, notice: Notice) -> int:
    """How many would get it; counted in the database (the preview of 5,000 is redrawn often)."""
    people = recipients_query(notice).order_by(None).subquery()
    return int((await session.exec(select(func.count()).select_from(people))).one())


async def branch_names(session: AsyncSession, ids: Sequence[int]) -> list[str]:
    if not ids:
        return []
    rows = await session.exec(select(Branch).where(col(Branch.id).in_(list(ids))))
    return sorted(b.name for b in rows)


# ---------------------------------------------------------------- what the author sees
@dataclass(frozen=True, slots=True)
class Essentials:
    """What a notice is, in short: the words of every preview and confirmation."""

    notice_id: int
    status: NoticeStatus
    target: NoticeTarget
    branch_names: list[str]
    recipients: int
    requires_ack: bool
    send_at: datetime | None


@dataclass(frozen=True, slots=True)
class Preview:
    """The draft as it will look: its text, attachment and essentials."""

    essentials: Essentials
    text: str
    attachment: str | None


async def essentials(
    session: AsyncSession, notice: Notice, *, recipients: int | None = None
) -> Essentials:
    """The essentials; `recipients` when already fixed (a sent notice's batch)."""
    assert notice.id is not None
    chosen = notice.target == NoticeTarget.branches
    return Essentials(
        notice_id=notice.id,
        status=notice.status,
        target=notice.target,
        branch_names=await branch_names(session, notice.branch_ids) if chosen else [],
        recipients=await recipient_count(session, notice) if recipients is None else recipients,
        requires_ack=notice.requires_ack,
        send_at=notice.send_at,
    )


async def preview(session: AsyncSession, notice: Notice) -> Preview:
    media = await session.get(MediaFile, notice.media_id) if notice.media_id else None
    return Preview(
        await essentials(session, notice),
        notice.text or "",
        media.filename if media is not None else None,
    )


@dataclass(frozen=True, slots=True)
class Picker:
    """The branches an admin can choose from, and the ones chosen."""

    notice_id: int
    branches: list[Branch]
    chosen: list[int]


async def picker(session: AsyncSession, *, actor: Member | None, notice_id: int) -> Picker:
    notice = await admin_draft(session, actor, notice_id)
    return Picker(notice_id, await org.all_branches(session), list(notice.branch_ids))
