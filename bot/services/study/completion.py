"""Who finished a study item: per branch, the finished count, who did not, the 心得."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, Role, StudyItem, StudyRecord, StudyStatus, StudyTarget
from bot.services import access, org
from bot.services.errors import Refused


@dataclass(slots=True)
class BranchCompletion:
    branch_id: int
    branch: str
    done: int = 0
    not_done: list[str] = field(default_factory=list)
    reflections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The branch's active members: those who finished and those who did not."""
        return self.done + len(self.not_done)

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0


async def completion(
    session: AsyncSession, *, item: StudyItem, branch_ids: Iterable[int] | None = None
) -> list[BranchCompletion]:
    """Per pushed branch: who finished, who did not, the reflections (by name)."""
    query = select(StudyTarget.branch_id, Branch.name).join(
        Branch, col(Branch.id) == col(StudyTarget.branch_id)
    )
    query = query.where(StudyTarget.item_id == item.id, col(StudyTarget.pushed_at).is_not(None))
    if branch_ids is not None:
        query = query.where(col(StudyTarget.branch_id).in_(list(branch_ids)))
    result = {
        bid: BranchCompletion(bid, name)
        for bid, name in await session.exec(query.order_by(col(Branch.name)))
    }
    records = {
        r.member_id: r
        for r in await session.exec(select(StudyRecord).where(StudyRecord.item_id == item.id))
    }
    members: list[Member] = await org.active_members(session, list(result)) if result else []
    for m in members:
        assert m.branch_id is not None
        row = result[m.branch_id]
        rec = records.get(m.id or 0)
        if rec is not None and rec.completed_at is not None:
            row.done += 1
            if rec.reflection:
                row.reflections.append((m.name, rec.reflection))
        else:
            row.not_done.append(m.name)
    return list(result.values())


async def recent_items(
    session: AsyncSession, *, actor: Member | None, limit: int = 10
) -> list[StudyItem]:
    """Published items the actor may query, newest first."""
    actor = access.require_leader(actor)
    query = select(StudyItem).where(StudyItem.status == StudyStatus.published)
    if actor.role == Role.secretary:
        query = query.join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id)).where(
            StudyTarget.branch_id == actor.branch_id
        )
    return list(await session.exec(query.order_by(col(StudyItem.id).desc()).limit(limit)))


async def status_of(
    session: AsyncSession, *, actor: Member | None, item_id: int
) -> tuple[StudyItem, list[BranchCompletion]]:
    """Secretary: their branch's completion of an item; admin: every branch's."""
    actor = access.require_leader(actor)
    item = await session.get(StudyItem, item_id)
    if item is None or item.status != StudyStatus.published:
        raise Refused("item_unknown")
    if actor.role != Role.secretary:
        return item, await completion(session, item=item)
    assert actor.branch_id is not None
    target = (
        await session.exec(
            select(StudyTarget).where(
                StudyTarget.item_id == item_id, StudyTarget.branch_id == actor.branch_id
            )
        )
    ).first()
    if target is None:
        raise Refused("item_unknown")
    return item, await completion(session, item=item, branch_ids=[actor.branch_id])


async def rates(
    session: AsyncSession, *, items: Sequence[StudyItem], branch_id: int | None
) -> dict[int, tuple[int, int]]:
    """item id → (done, total) for a list of items, in one branch or all pushed branches."""
    out: dict[int, tuple[int, int]] = {}
    for item in items:
        assert item.id is not None
        rows = await completion(
            session, item=item, branch_ids=[branch_id] if branch_id is not None else None
        )
        out[item.id] = (sum(r.done for r in rows), sum(r.total for r in rows))
    return out
