"""Group posts edited in place, at most once a minute: a meeting's counts ("已签到
12/30"), a new time after /reschedule, and "cancelled" (without buttons) once called off;
a study item's "已学习 8/30" (counts only, never names)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import TelegramError

from bot.context import BotApplication, BotContext, BotData
from bot.delivery import sender
from bot.delivery.limiter import Lane
from bot.i18n import Translator
from bot.models import Branch, PartyGroup
from bot.services import groups, study
from handlers.groups import views

log = logging.getLogger(__name__)


async def refresh_counts(data: BotData, bot: Any, *, now: datetime) -> int:
    """Edit each live meeting post whose counts changed; returns how many were edited.

    Every bot process runs this job: each edit is claimed in the database (and the claim
    committed) before the edit is sent, so two workers never both edit one post.
    """
    assert data.sessions is not None
    assert data.settings is not None
    assert data.catalogs is not None
    t = views.default_translator(data.catalogs, data.settings)
    edited = 0
    async with data.sessions() as s:
        for due in await groups.meeting_posts_due(s, now=now):
            meeting, post = due.meeting, due.post
            assert meeting.id is not None
            assert post.id is not None
            counts = await groups.meeting_counts(s, meeting.id)
            state = groups.PostState.of(meeting, views.counts_line(t, meeting, counts), post.shown)
            if state.encode() == post.shown:
                continue
            # A process killed between this commit and the edit leaves the old counts
            # shown until they change again: at most once, as with a failed edit.
            claimed = await groups.claim_post_edit(
                s, post_id=post.id, shown=state.encode(), now=now
            )
            await s.commit()
            if not claimed:
                continue
            branch = await s.get(Branch, meeting.branch_id)
            party = (
                await s.get(PartyGroup, meeting.party_group_id) if meeting.party_group_id else None
            )
            message = views.meeting_post(
                t,
                meeting,
                party,
                counts,
                branch=branch.name if branch else "",
                bot_username=bot.username,
                moved=state.moved,
            )
            try:
                await sender.edit(bot, post.chat_id, due.message_id, message, lane=Lane.bulk)
            except TelegramError as exc:
                log.warning("editing a group post failed: %s", exc)
            edited += 1
        edited += await _refresh_study(s, bot, t, now=now)
    return edited


async def _study_counts(
    s: AsyncSession, due: list[groups.StudyPostable]
) -> dict[tuple[int, int | None], tuple[int, int]]:
    """(item, group's branch) → (studied, members): one completion count per item; the
    committee's group (branch None) counts every branch the item was pushed to."""
    out: dict[tuple[int, int | None], tuple[int, int]] = {}
    by_item: dict[int, list[groups.StudyPostable]] = {}
    for d in due:
        by_item.setdefault(d.item.id or 0, []).append(d)
    for item_id, posts in by_item.items():
        branches = {d.branch_id for d in posts}
        ids = None if None in branches else [b for b in branches if b is not None]
        rows = await study.completion(s, item=posts[0].item, branch_ids=ids)
        per_branch = {r.branch_id: (r.done, r.total) for r in rows}
        for b in branches:
            if b is None:
                out[item_id, b] = (sum(r.done for r in rows), sum(r.total for r in rows))
            else:
                out[item_id, b] = per_branch.get(b, (0, 0))
    return out


async def _refresh_study(s: AsyncSession, bot: Any, t: Translator, *, now: datetime) -> int:
    """Edit each live study post whose 已学习 count changed; returns how many were edited."""
    due = await groups.study_posts_due(s, now=now)
    counts = await _study_counts(s, due) if due else {}
    edited = 0
    for d in due:
        line = views.studied_line(t, *counts[d.item.id or 0, d.branch_id])
        if line == d.post.shown:
            continue
        assert d.post.id is not None
        # Claimed and committed before the edit, as the meeting posts are (one worker edits).
        claimed = await groups.claim_post_edit(s, post_id=d.post.id, shown=line, now=now)
        await s.commit()
        if not claimed:
            continue
        message = views.study_post(t, d.item, bot_username=bot.username, counts=line)
        try:
            await sender.edit(bot, d.post.chat_id, d.message_id, message, lane=Lane.bulk)
        except TelegramError as exc:
            log.warning("editing a group post failed: %s", exc)
        edited += 1
    return edited


async def _tick(context: BotContext) -> None:
    try:
        await refresh_counts(context.bot_data, context.bot, now=context.clock.now())
    except Exception:
        log.exception("refreshing group posts failed; it will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(_tick, interval=60, first=60, name="groups.counts")
