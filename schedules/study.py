"""第一议题 study timing: pushes at the branch's study time, nudges, due-date reports, digests."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import BotApplication, BotContext, BotData
from bot.services import study
from handlers.groups import views as group_views
from handlers.study import views

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StudyJobResult:
    pushed: int = 0
    nudged: int = 0
    reported: int = 0
    digested: int = 0

    @property
    def total(self) -> int:
        return self.pushed + self.nudged + self.reported + self.digested


async def _pushed(
    s: AsyncSession,
    now: datetime,
    rules: study.StudyRules,
    compose: study.ItemCompose,
    group_compose: study.GroupCompose,
) -> int:
    batches = await study.push_due(
        s, now=now, rules=rules, compose=compose, group_compose=group_compose
    )
    return sum(b.total for b in batches)


async def run_study_jobs(data: BotData, *, now: datetime, bot_username: str) -> StudyJobResult:
    """Everything study-related that is due at `now`, read from the database.

    Each part commits with its outbox rows and exactly-once claims, so running this twice,
    or in two processes, sends nothing twice. `bot_username` makes the 写心得 deep links
    of the posts in the branches' groups.
    """
    assert data.settings is not None
    assert data.sessions is not None
    assert data.catalogs is not None
    rules = study.StudyRules.from_settings(data.settings)
    catalogs, tz = data.catalogs, data.settings.tz
    in_groups = group_views.study_compose(catalogs, data.settings, bot_username)
    steps: list[Callable[[AsyncSession], Awaitable[int]]] = [
        lambda s: _pushed(s, now, rules, views.push_compose(catalogs, tz), in_groups),
        lambda s: study.send_nudges(
            s, now=now, rules=rules, compose=views.nudge_compose(catalogs, tz)
        ),
        lambda s: study.send_due_reports(
            s, now=now, rules=rules, compose=views.report_compose(catalogs, tz)
        ),
        lambda s: study.send_digests(
            s, now=now, rules=rules, compose=views.digest_compose(catalogs, tz)
        ),
    ]
    counts = []
    for step in steps:
        async with data.sessions() as s:
            counts.append(await step(s))
            await s.commit()
    outcome = StudyJobResult(*counts)
    if outcome.total and data.outbox is not None:
        data.outbox.wake()
    return outcome


async def study_job(context: BotContext) -> None:
    """JobQueue callback: run the study work due now."""
    try:
        await run_study_jobs(
            context.bot_data, now=context.clock.now(), bot_username=context.bot.username
        )
    except Exception:
        # The next run finds the same work in the database; never let the job die.
        log.exception("study job failed; it will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    settings = app.bot_data.settings
    assert settings is not None
    interval = settings.study_job_interval_seconds
    app.job_queue.run_repeating(study_job, interval=interval, first=interval, name="study")
