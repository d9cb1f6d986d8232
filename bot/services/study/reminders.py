"""Timed study work: nudges before the due date, due-date reports, weekly digests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import BranchStudySettings, Role, StudyItem, StudyRecord, StudyStatus, StudyTarget
from bot.services import once, org
from bot.services.study.completion import BranchCompletion, completion
from bot.services.study.publish import ItemCompose, reachable_members, recipients_for
from bot.services.study.rules import StudyRules

# A secretary's due-date report: (locale, item, their branch's completion) → message.
ReportCompose = Callable[[str | None, StudyItem, BranchCompletion], OutgoingMessage]
# A member's weekly digest: (locale, their open items) → message.
DigestCompose = Callable[[str | None, list[StudyItem]], OutgoingMessage]


async def _pushed_branches(session: AsyncSession, item_id: int) -> list[int]:
    return list(
        await session.exec(
            select(StudyTarget.branch_id).where(
                StudyTarget.item_id == item_id, col(StudyTarget.pushed_at).is_not(None)
            )
        )
    )


async def _finished(session: AsyncSession, item_id: int) -> set[int]:
    return set(
        await session.exec(
            select(StudyRecord.member_id).where(
                StudyRecord.item_id == item_id, col(StudyRecord.completed_at).is_not(None)
            )
        )
    )


async def _published(session: AsyncSession, after: datetime, until: datetime) -> list[StudyItem]:
    """The published items due in (after, until]."""
    return list(
        await session.exec(
            select(StudyItem).where(
                StudyItem.status == StudyStatus.published,
                col(StudyItem.due_at) > after,
                col(StudyItem.due_at) <= until,
            )
        )
    )


async def send_nudges(
    session: AsyncSession, *, now: datetime, rules: StudyRules, compose: ItemCompose
) -> int:
    """One nudge per unfinished member, `nudge_before` the due date, never in quiet hours."""
    if rules.is_quiet(now):
        return 0
    # Due within `nudge_before`.
    items = await _published(session, now, now + rules.nudge_before)
    sent = 0
    for item in items:
        assert item.id is not None
        done = await _finished(session, item.id)
        members = await reachable_members(session, await _pushed_branches(session, item.id))
        waiting = [m for m in members if m.id not in done]
        newly = await once.claim_members(
            session,
            waiting,
            kind="study.nudge",
            subject=f"item:{item.id}",
            slot="before-due",
            now=now,
        )
        recipients = recipients_for(newly, item, compose)
        if recipients:
            batch = await outbox.enqueue(
                session, kind="study.nudge", recipients=recipients, now=now, subject_id=item.id
            )
            sent += batch.total
    return sent


async def send_due_reports(
    session: AsyncSession, *, now: datetime, rules: StudyRules, compose: ReportCompose
) -> int:
    """On the due date each branch's secretary gets who did not finish (once per branch)."""
    if rules.is_quiet(now):
        return 0
    # A report days late is noise; a bot that was down that long sends none.
    items = await _published(session, now - timedelta(days=2), now)
    sent = 0
    for item in items:
        assert item.id is not None
        rows = await completion(session, item=item)
        claimed = await once.claim_branches(
            session, rows, kind="study.due", subject=f"item:{item.id}", slot="due-report", now=now
        )
        by_branch = {r.branch_id: r for r in claimed}
        secretaries = (
            await org.active_members(
                session, list(by_branch), roles=(Role.secretary,), reachable=True
            )
            if by_branch
            else []
        )
        recipients = [
            Recipient(
                sec.telegram_user_id, compose(sec.locale, item, by_branch[sec.branch_id]), sec.id
            )
            for sec in secretaries
            if sec.branch_id is not None
        ]
        if recipients:
            batch = await outbox.enqueue(
                session, kind="study.report", recipients=recipients, now=now, subject_id=item.id
            )
            sent += batch.total
    return sent


async def _open_items(session: AsyncSession, branch_id: int, now: datetime) -> list[StudyItem]:
    return list(
        await session.exec(
            select(StudyItem)
            .join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id))
            .where(
                StudyTarget.branch_id == branch_id,
                col(StudyTarget.pushed_at).is_not(None),
                StudyItem.status == StudyStatus.published,
                col(StudyItem.due_at) > now,
            )
            .order_by(col(StudyItem.due_at), col(StudyItem.id))
        )
    )


async def _digest_recipients(
    session: AsyncSession, branch_id: int, now: datetime, compose: DigestCompose
) -> list[Recipient]:
    """Each member's unfinished open items; two queries per branch, not one per member."""
    items = await _open_items(session, branch_id, now)
    if not items:
        return []
    done = set(
        await session.exec(
            select(StudyRecord.item_id, StudyRecord.member_id).where(
                col(StudyRecord.item_id).in_([i.id for i in items]),
                col(StudyRecord.completed_at).is_not(None),
            )
        )
    )
    recipients = []
    for m in await reachable_members(session, [branch_id]):
        open_items = [i for i in items if (i.id, m.id) not in done]
        if open_items:
            recipients.append(Recipient(m.telegram_user_id, compose(m.locale, open_items), m.id))
    return recipients


async def send_digests(
    session: AsyncSession, *, now: datetime, rules: StudyRules, compose: DigestCompose
) -> int:
    """The weekly digest of open, unfinished items for branches that switched it on."""
    if rules.is_quiet(now):
        return 0
    sent = 0
    local = now.astimezone(rules.tz)
    for row in await session.exec(
        select(BranchStudySettings).where(col(BranchStudySettings.digest_enabled).is_(True))
    ):
        if local.weekday() != row.digest_weekday or rules.local_minute(now) < row.digest_minute:
            continue
        if not await once.claim(
            session,
            kind="study.digest",
            subject=f"branch:{row.branch_id}",
            slot=local.date().isoformat(),
            now=now,
        ):
            continue
        recipients = await _digest_recipients(session, row.branch_id, now, compose)
        if recipients:
            batch = await outbox.enqueue(
                session,
                kind="study.digest",
                recipients=recipients,
                now=now,
                subject_id=row.branch_id,
            )
            sent += batch.total
    return sent
