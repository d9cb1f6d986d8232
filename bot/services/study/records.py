"""Members and their study items: 已学习, 心得 (reflection), undo, and their open items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, MemberStatus, StudyItem, StudyRecord, StudyStatus, StudyTarget
from bot.services.errors import Refused
from bot.services.study.rules import REFLECTION_MAX


def _active(member: Member | None) -> Member:
    if member is None or member.status == MemberStatus.left or member.branch_id is None:
        raise Refused("not_in_scope")
    return member


async def _scoped_item(session: AsyncSession, member: Member | None, item_id: int) -> StudyItem:
    """The item, if it was pushed to this member's branch."""
    member = _active(member)
    item = await session.get(StudyItem, item_id)
    if item is None or item.status != StudyStatus.published:
        raise Refused("not_in_scope")
    target = (
        await session.exec(
            select(StudyTarget).where(
                StudyTarget.item_id == item_id,
                StudyTarget.branch_id == member.branch_id,
                col(StudyTarget.pushed_at).is_not(None),
            )
        )
    ).first()
    if target is None:
        raise Refused("not_in_scope")
    return item


async def _ensure_record(
    session: AsyncSession, item_id: int, member_id: int, now: datetime
) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = StudyRecord.__table__  # type: ignore[attr-defined]
    await session.execute(
        insert(table)
        .values(item_id=item_id, member_id=member_id, updated_at=now)
        .on_conflict_do_nothing(index_elements=["item_id", "member_id"])
    )


async def _record(session: AsyncSession, item_id: int, member_id: int) -> StudyRecord | None:
    return (
        await session.exec(
            select(StudyRecord)
            .where(StudyRecord.item_id == item_id, StudyRecord.member_id == member_id)
            .execution_options(populate_existing=True)
        )
    ).first()


async def _set_completed(
    session: AsyncSession, item_id: int, member_id: int, *, done: bool, now: datetime
) -> bool:
    """Mark studied (or not) in one conditional UPDATE, so a repeated or redelivered press
    changes the record once; True when it changed."""
    completed = col(StudyRecord.completed_at)
    result = await session.exec(
        update(StudyRecord)
        .where(
            col(StudyRecord.item_id) == item_id,
            col(StudyRecord.member_id) == member_id,
            completed.is_(None) if done else completed.is_not(None),
        )
        .values(completed_at=now if done else None, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def check_scope(session: AsyncSession, *, member: Member | None, item_id: int) -> StudyItem:
    """Refuse a button for an item that was not pushed to this member's branch."""
    return await _scoped_item(session, member, item_id)


async def mark_done(
    session: AsyncSession, *, member: Member | None, item_id: int, now: datetime
) -> tuple[StudyItem, bool]:
    """已学习: (item, True) when recorded now, False when it was recorded before."""
    item = await _scoped_item(session, member, item_id)
    assert member is not None
    assert member.id is not None
    await _ensure_record(session, item_id, member.id, now)
    return item, await _set_completed(session, item_id, member.id, done=True, now=now)


def validate_reflection(text: str) -> str:
    if not text.strip():
        raise Refused("reflection_empty")
    if len(text) > REFLECTION_MAX:
        raise Refused("reflection_too_long", limit=REFLECTION_MAX, length=len(text))
    return text


async def write_reflection(
    session: AsyncSession, *, member: Member | None, item_id: int, text: str, now: datetime
) -> tuple[StudyItem, bool]:
    """心得: stored exactly as typed; it also counts as 已学习. False when the same text
    was already recorded (a redelivered message)."""
    text = validate_reflection(text)
    item = await _scoped_item(session, member, item_id)
    assert member is not None
    assert member.id is not None
    await _ensure_record(session, item_id, member.id, now)
    record = await _record(session, item_id, member.id)
    assert record is not None
    if record.reflection == text and record.completed_at is not None:
        return item, False
    record.reflection = text
    record.reflected_at = now
    record.completed_at = record.completed_at or now
    record.updated_at = now
    session.add(record)
    return item, True


async def undo(
    session: AsyncSession, *, member: Member | None, item_id: int, now: datetime
) -> StudyItem:
    """Take back 已学习 until the due date; a written 心得 is kept for a later 已学习."""
    item = await _scoped_item(session, member, item_id)
    assert member is not None
    if item.due_at is not None and now >= item.due_at:
        raise Refused("past_due", due=item.due_at)
    assert member.id is not None
    if not await _set_completed(session, item_id, member.id, done=False, now=now):
        raise Refused("not_done")
    return item


@dataclass(frozen=True, slots=True)
class MyItem:
    item: StudyItem
    completed_at: datetime | None
    reflection: str | None


async def my_items(session: AsyncSession, *, member: Member | None, now: datetime) -> list[MyItem]:
    """The open items pushed to the member's branch, newest first, with their status."""
    member = _active(member)
    rows = await session.exec(
        select(StudyItem, StudyRecord)
        .join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id))
        .outerjoin(
            StudyRecord,
            (col(StudyRecord.item_id) == col(StudyItem.id))
            & (col(StudyRecord.member_id) == member.id),
        )
        .where(
            StudyTarget.branch_id == member.branch_id,
            col(StudyTarget.pushed_at).is_not(None),
            StudyItem.status == StudyStatus.published,
            col(StudyItem.due_at) > now,
        )
        .order_by(col(StudyItem.due_at), col(StudyItem.id))
    )
    return [
        MyItem(item, rec.completed_at if rec else None, rec.reflection if rec else None)
        for item, rec in rows
    ]
