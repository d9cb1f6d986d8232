"""第一议题 study timing: pushes at the branch's study time, nudges, due-date reports, digests."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.context import BotApplication, BotContext, BotData
from bot.services import study

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


async def run_study_jobs(data: BotData, *, now: datetime) -> StudyJobResult:
    """Everything study-related that is due at `now`, read from the database.

    Each part commits with its outbox rows and exactly-once claims, so running this twice,
    or in two processes, sends nothing twice.
    """
    assert data.settings is not None
    assert data.sessions is not None
    assert data.catalogs is not None
    rules = study.StudyRules.from_settings(data.settings)
    counts = []
    for step in (study.push_due, study.send_nudges, study.send_due_reports, study.send_digests):
        async with data.sessions() as s:
            result = await step(s, now=now, rules=rules, catalogs=data.catalogs)
            await s.commit()
        counts.append(sum(b.total for b in result) if isinstance(result, list) else result)
    outcome = StudyJobResult(*counts)
    if outcome.total and data.outbox is not None:
        data.outbox.wake()
    return outcome


async def study_job(context: BotContext) -> None:
    """JobQueue callback: run the study work due now."""
    try:
        await run_study_jobs(context.bot_data, now=context.clock.now())
    except Exception:
        # The next run finds the same work in the database; never let the job die.
        log.exception("study job failed; it will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    settings = app.bot_data.settings
    assert settings is not None
    interval = settings.study_job_interval_seconds
    app.job_queue.run_repeating(study_job, interval=interval, first=interval, name="study")
