"""Publishing a study item and pushing it to each branch at the branch's study time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import Branch, DeliveryBatch, Member, StudyItem, StudyStatus, StudyTarget
from bot.services import audit, groups, once, org
from bot.services.errors import Refused
from bot.services.study.drafts import own_draft
from bot.services.study.rules import StudyRules
from bot.services.study.settings import branch_settings

# What a member gets for an item, in one language: (locale, item) → message.
ItemCompose = Callable[[str | None, StudyItem], OutgoingMessage]
# What a branch's linked group gets for an item (worded once, for the whole group).
GroupCompose = Callable[[StudyItem], OutgoingMessage]


@dataclass(frozen=True, slots=True)
class Published:
    item: StudyItem
    pushes: list[tuple[str, datetime]]  # (branch name, push time)
    pushed_now: int  # members in the batch sent right away
    people: int = 0  # members of the chosen branches who will get it


async def reachable_members(session: AsyncSession, branch_ids: Iterable[int]) -> list[Member]:
    """Those of the branches' members a message can reach (not blocked, not left)."""
    ids = list(branch_ids)
    return await org.active_members(session, ids, reachable=True) if ids else []


def recipients_for(
    members: Iterable[Member], item: StudyItem, compose: ItemCompose
) -> list[Recipient]:
    """One recipient per member; the message is composed once per language."""
    messages: dict[str | None, OutgoingMessage] = {}
    out = []
    for m in members:
        if m.locale not in messages:
            messages[m.locale] = compose(m.locale, item)
        out.append(Recipient(m.telegram_user_id, messages[m.locale], m.id))
    return out


async def _targets(session: AsyncSession, item: StudyItem) -> dict[int, StudyTarget]:
    """The item's branches: those chosen, or every branch for an item 'for all'."""
    assert item.id is not None
    targets = {
        t.branch_id: t
        for t in await session.exec(select(StudyTarget).where(StudyTarget.item_id == item.id))
    }
    if item.scope_all:
        for branch_id in await session.exec(select(Branch.id)):
            if branch_id is not None and branch_id not in targets:
                targets[branch_id] = StudyTarget(item_id=item.id, branch_id=branch_id)
    if not targets:
        raise Refused("no_branches")
    return targets


async def _people(session: AsyncSession, branch_ids: Iterable[int]) -> int:
    query = org.people_query(list(branch_ids), reachable=True).order_by(None).subquery()
    return int((await session.exec(select(func.count()).select_from(query))).one())


async def publish(
    session: AsyncSession,
    *,
    actor: Member | None,
    item_id: int,
    now: datetime,
    rules: StudyRules,
    compose: ItemCompose,
    group_compose: GroupCompose | None = None,
) -> Published:
    """Publish a draft: fix its branches and push times, and push at once what is due.

    With `group_compose`, each branch's linked group gets the item with its push.
    """
    item = await own_draft(session, actor, item_id)
    assert actor is not None
    assert item.id is not None
    targets = await _targets(session, item)
    names = dict(
        (
            await session.exec(select(Branch.id, Branch.name).where(col(Branch.id).in_(targets)))
        ).all()
    )
    pushes = []
    for branch_id, target in targets.items():
        settings = await branch_settings(session, branch_id, rules)
        target.push_at = rules.push_time(now, settings.study_minute)
        session.add(target)
        pushes.append((names.get(branch_id, ""), target.push_at))
    item.status = StudyStatus.published
    item.published_at = now
    item.due_at = now + timedelta(days=rules.due_days)
    branches = {"branches": sorted(targets)}
    await audit.saved(session, item, by=actor, action="study.published", now=now, details=branches)
    await session.flush()
    batches = await push_due(
        session,
        now=now,
        rules=rules,
        compose=compose,
        group_compose=group_compose,
        item_id=item.id,
    )
    pushes.sort(key=lambda p: (p[1], p[0]))
    people = await _people(session, targets)
    return Published(item, pushes, sum(b.total for b in batches), people)


async def _due_targets(
    session: AsyncSession, now: datetime, item_id: int | None
) -> dict[int, tuple[StudyItem, list[StudyTarget]]]:
    query = (
        select(StudyTarget, StudyItem)
        .join(StudyItem, col(StudyItem.id) == col(StudyTarget.item_id))
        .where(
            col(StudyTarget.pushed_at).is_(None),
            col(StudyTarget.push_at) <= now,
            StudyItem.status == StudyStatus.published,
        )
        .order_by(col(StudyTarget.item_id), col(StudyTarget.branch_id))
    )
    if item_id is not None:
        query = query.where(StudyTarget.item_id == item_id)
    by_item: dict[int, tuple[StudyItem, list[StudyTarget]]] = {}
    for target, item in await session.exec(query):
        by_item.setdefault(target.item_id, (item, []))[1].append(target)
    return by_item


async def push_due(
    session: AsyncSession,
    *,
    now: datetime,
    rules: StudyRules,
    compose: ItemCompose,
    group_compose: GroupCompose | None = None,
    item_id: int | None = None,
) -> list[DeliveryBatch]:
    """Push every item whose branches' push time has come: one outbox batch per item,
    and (with `group_compose`) one post in each of those branches' linked groups."""
    if rules.is_quiet(now):
        return []
    batches = []
    for iid, (item, targets) in (await _due_targets(session, now, item_id)).items():
        # The claim makes a push exactly-once even when two bot processes run this job.
        mine = await once.claim_branches(
            session, targets, kind="study.push", subject=f"item:{iid}", slot="push", now=now
        )
        if not mine:
            continue
        members = await reachable_members(session, (t.branch_id for t in mine))
        batch = await outbox.enqueue(
            session,
            kind="study.push",
            recipients=recipients_for(members, item, compose),
            now=now,
            subject_id=iid,
        )
        for target in mine:
            target.pushed_at = now
            target.batch_id = batch.id
            session.add(target)
        batches.append(batch)
        if group_compose is not None:
            # Exactly once per group, by the same claim as the members' push.
            message = group_compose(item)
            await groups.post_to_branches(
                session,
                branch_ids=[t.branch_id for t in mine],
                kind="study",
                subject_id=iid,
                message=message,
                now=now,
                created_by=item.created_by,
            )
            await _post_to_committee(session, item, message, now)
    return batches


async def _post_to_committee(
    session: AsyncSession, item: StudyItem, message: OutgoingMessage, now: datetime
) -> None:
    """An item for every branch (the committee's own) is also posted once in the
    committee's linked group, with its first push (claimed, so once across processes)."""
    if not item.scope_all or await groups.linked_group(session, branch_id=None) is None:
        return
    assert item.id is not None
    if await once.claim(
        session, kind="study.push", subject=f"item:{item.id}", slot="committee", now=now
    ):
        await groups.post(
            session,
            branch_id=None,
            kind="study",
            subject_id=item.id,
            message=message,
            now=now,
            created_by=item.created_by,
        )
