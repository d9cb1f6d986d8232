"""Privacy: leaving (/leave), removal by the secretary (/remove), export and erasure.

A person who leaves or is removed keeps their rows — past meetings, study, pledges and
requests still count and show them as a former member — but status `left` takes them
out of `org.people_query` (every recipient list and reminder) and out of every role.
Erasure keeps the counts and removes what identifies them: the name is replaced and the
free texts they (or others about them) typed are emptied.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, delete, or_, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    AuditLog,
    Delivery,
    DeliveryStatus,
    FormState,
    Member,
    MemberStatus,
    Role,
)
from bot.services import access, audit
from bot.services.errors import Refused, clean_text

REASON_MAX = 500
# Rows a person owns whose children belong to them too (their pledge's versions…).
OWNED_PARENTS = ("pledge", "request")
# The free texts removed by erasure, per table: what people typed, not the counts.
FREE_TEXTS: dict[str, tuple[str, ...]] = {
    "attendance": ("leave_reason",),
    "study_record": ("reflection",),
    "pledge": ("post", "duties", "commitments", "review_comment", "rating_comment"),
    "pledge_version": ("post", "duties", "commitments"),
    "pledge_note": ("text",),
    "pledge_event": ("comment",),
    "request": ("text", "forward_reason", "reply", "reopen_reason", "file_id", "reply_file_id"),
    "request_event": ("comment",),
}
PERSON_COLUMNS = ("telegram_user_id", "chat_id")


@dataclass(frozen=True)
class Departure:
    """Who left which branch (for the confirmation)."""

    member_id: int
    name: str
    branch_id: int | None
    already: bool = False


def erased_name(member_id: int) -> str:
    """What replaces an erased person's name: their number, nothing else."""
    return f"#{member_id}"


async def _depart(session: AsyncSession, member: Member, now: datetime) -> None:
    """Status left; nothing more is sent to them, no form stays open."""
    member.status = MemberStatus.left
    member.status_changed_at = now
    member.is_committee = False
    session.add(member)
    assert member.id is not None
    await session.execute(
        update(Delivery)
        .where(
            col(Delivery.member_id) == member.id,
            col(Delivery.status) == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.cancelled, updated_at=now)
    )
    await session.execute(
        delete(FormState).where(col(FormState.telegram_user_id) == member.telegram_user_id)
    )


async def leave(session: AsyncSession, *, member: Member, now: datetime) -> Departure:
    """The member leaves their branch (退出); their records stay as a former member's."""
    assert member.id is not None
    if member.status == MemberStatus.left:
        return Departure(member.id, member.name, member.branch_id, already=True)
    if member.role == Role.admin:
        raise Refused("admin_no_leave")
    await _depart(session, member, now)
    left = {"branch": member.branch_id}
    await audit.entry(session, by=member, action="member.left", about=member, now=now, details=left)
    return Departure(member.id, member.name, member.branch_id)


async def find_member(session: AsyncSession, *, branch_id: int, who: str) -> Member:
    """A member of the branch by id (as shown in /members) or exact name."""
    query = select(Member).where(Member.branch_id == branch_id, Member.status != MemberStatus.left)
    if who.lstrip("#").isdigit():
        query = query.where(Member.id == int(who.lstrip("#")))
    else:
        query = query.where(Member.name == who)
    found = list(await session.exec(query))
    if len(found) != 1:
        raise Refused("no_such_member" if not found else "name_ambiguous", who=who)
    return found[0]


async def remove(
    session: AsyncSession, *, actor: Member, who: str, reason: str, now: datetime
) -> Departure:
    """The secretary removes a member of their own branch, with a reason (audit-logged)."""
    access.require(actor, Role.secretary)
    reason = clean_text(reason, REASON_MAX, "reason_too_long", empty="reason_needed")
    assert actor.branch_id is not None
    member = await find_member(session, branch_id=actor.branch_id, who=who)
    if member.id == actor.id or member.role != Role.member:
        raise Refused("cannot_remove")
    await _depart(session, member, now)
    assert member.id is not None
    removed = {"branch": member.branch_id, "reason": reason}
    await audit.entry(
        session, by=actor, action="member.removed", about=member, now=now, details=removed
    )
    return Departure(member.id, member.name, member.branch_id)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    return value


async def _rows(session: AsyncSession, table: Table, where: Any) -> list[dict[str, Any]]:
    result = await session.execute(table.select().where(where))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in result]


def _person_columns(table: Table) -> list[tuple[str, str]]:
    """(column, which id) of a table: FKs to member.id, or Telegram ids."""
    out = []
    for c in table.columns:
        if any(fk.target_fullname == "member.id" for fk in c.foreign_keys):
            out.append((c.name, "member"))
        elif c.name in PERSON_COLUMNS:
            out.append((c.name, "telegram"))
    return out


async def person_rows(session: AsyncSession, member: Member) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about one person, table by table (read from the schema)."""
    assert member.id is not None
    ids = {"member": member.id, "telegram": member.telegram_user_id}
    found: dict[str, list[dict[str, Any]]] = {}
    tables = SQLModel.metadata.sorted_tables
    for table in tables:
        if table.name == "member":
            found["member"] = await _rows(session, table, table.c.id == member.id)
            continue
        conditions = [table.c[name] == ids[which] for name, which in _person_columns(table)]
        if conditions:
            rows = await _rows(session, table, or_(*conditions))
            if rows:
                found[table.name] = rows
    owned = {
        p: {r["id"] for r in found.get(p, []) if r.get("member_id") == member.id}
        for p in OWNED_PARENTS
    }
    for table in tables:
        for c in table.columns:
            for fk in c.foreign_keys:
                parent = fk.column.table.name
                if owned.get(parent):
                    rows = await _rows(session, table, c.in_(owned[parent]))
                    known = {r.get("id") for r in found.get(table.name, [])}
                    found.setdefault(table.name, []).extend(
                        r for r in rows if r.get("id") not in known
                    )
    return found


async def _target(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise Refused("no_such_person", id=member_id)
    return member


async def person(session: AsyncSession, *, actor: Member, member_id: int) -> Member:
    """The person an admin asks about (refused for anyone else)."""
    access.require(actor, Role.admin)
    return await _target(session, member_id)


async def export(
    session: AsyncSession, *, actor: Member, member_id: int, now: datetime
) -> tuple[Member, bytes]:
    """An admin's export of one person's data as a JSON document (audit-logged)."""
    access.require(actor, Role.admin)
    member = await _target(session, member_id)
    document = {
        "exported_at": now.isoformat(),
        "member_id": member_id,
        "tables": await person_rows(session, member),
    }
    await audit.entry(session, by=actor, action="person.exported", about=member, now=now)
    data = json.dumps(document, ensure_ascii=False, indent=1, default=str).encode()
    return member, data


@dataclass(frozen=True)
class Erasure:
    """What erasure did: how many texts it emptied (the rows and counts stay)."""

    member_id: int
    texts: int


async def erase(session: AsyncSession, *, actor: Member, member_id: int, now: datetime) -> Erasure:
    """Replace the person's name, empty their free texts, keep every count (audit-logged)."""
    access.require(actor, Role.admin)
    member = await _target(session, member_id)
    if member.role == Role.admin:
        raise Refused("cannot_erase_admin")
    if member.status != MemberStatus.left:
        await _depart(session, member, now)
    rows = await person_rows(session, member)
    emptied = 0
    for name, columns in FREE_TEXTS.items():
        table = SQLModel.metadata.tables[name]
        ids = [r["id"] for r in rows.get(name, [])]
        if not ids:
            continue
        values: dict[str, Any] = {
            c: ([] if c == "commitments" else None if table.c[c].nullable else "") for c in columns
        }
        result = await session.execute(update(table).where(table.c.id.in_(ids)).values(values))
        emptied += int(getattr(result, "rowcount", 0) or 0)
    for entry in await session.exec(
        select(AuditLog).where(AuditLog.subject == audit.subject_of(member))
    ):
        if "reason" in entry.details:
            entry.details = {k: v for k, v in entry.details.items() if k != "reason"}
            session.add(entry)
    await session.execute(
        update(Delivery)
        .where(col(Delivery.member_id) == member_id, col(Delivery.status) != DeliveryStatus.pending)
        .values(payload={"text": ""})
    )
    member.name = erased_name(member_id)
    await audit.saved(
        session, member, by=actor, action="person.erased", now=now, details={"texts": emptied}
    )
    return Erasure(member_id, emptied)
