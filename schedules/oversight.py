"""Oversight timing: calendar reminders, 换届 reminders, 述职 reminders, the weekly digest.

Every step reads what is due from the database and claims it exactly once
(bot/services/once.py) in the transaction that writes its outbox rows.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.context import BotApplication, BotContext, BotData
from bot.i18n import Translator
from bot.models import Member
from bot.services.oversight import calendar as cal
from bot.services.oversight import digest as dg
from bot.services.oversight import reviews, terms
from bot.services.oversight.indicators import Thresholds
from handlers.oversight import health_views, review_views, views

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Env:
    """What every step needs besides its session and `now`."""

    settings: Settings
    t_for: Callable[[Member], Translator]


@dataclass(frozen=True, slots=True)
class OversightJobResult:
    calendar: int = 0
    digest: int = 0
    terms: int = 0
    reviews: int = 0

    @property
    def total(self) -> int:
        return self.calendar + self.digest + self.terms + self.reviews


Step = Callable[[AsyncSession, datetime, Env], Awaitable[int]]


async def _calendar(s: AsyncSession, now: datetime, env: Env) -> int:
    compose = views.compose_reminder(env.t_for)
    return await cal.send_reminders(s, now=now, tz=env.settings.tz, compose=compose)


async def _digest(s: AsyncSession, now: datetime, env: Env) -> int:
    compose_digest, compose_todos, compose_escalation = health_views.composers(env.t_for)
    result = await dg.run_weekly(
        s,
        now=now,
        tz=env.settings.tz,
        thresholds=Thresholds.from_settings(env.settings),
        weekday=env.settings.digest_weekday,
        at=time.fromisoformat(env.settings.digest_time),
        compose_digest=compose_digest,
        compose_todos=compose_todos,
        compose_escalation=compose_escalation,
    )
    return result.messages if result else 0


async def _terms(s: AsyncSession, now: datetime, env: Env) -> int:
    compose = views.compose_terms(env.t_for)
    return await terms.send_reminders(s, now=now, tz=env.settings.tz, compose=compose)


async def _reviews(s: AsyncSession, now: datetime, env: Env) -> int:
    compose = review_views.composers(env.t_for)["due"]
    return await reviews.send_reminders(s, now=now, tz=env.settings.tz, compose=compose)


STEPS: list[Step] = [_calendar, _digest, _terms, _reviews]


async def run_oversight_jobs(data: BotData, *, now: datetime) -> OversightJobResult:
    """Everything oversight has due at `now`; running it twice sends nothing twice."""
    assert data.settings is not None
    assert data.sessions is not None
    assert data.catalogs is not None
    settings, catalogs = data.settings, data.catalogs

    def t_for(member: Member) -> Translator:
        return catalogs.translator(member.locale or settings.default_locale, settings.tz)

    env = Env(settings, t_for)
    counts: list[int] = []
    for step in STEPS:
        async with data.sessions() as s:
            counts.append(await step(s, now, env))
            await s.commit()
    outcome = OversightJobResult(*counts)
    if outcome.total and data.outbox is not None:
        data.outbox.wake()
    return outcome


async def oversight_job(context: BotContext) -> None:
    """JobQueue callback: run the oversight work due now."""
    try:
        await run_oversight_jobs(context.bot_data, now=context.clock.now())
    except Exception:
        # The next run finds the same work in the database; never let the job die.
        log.exception("oversight job failed; it will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    settings = app.bot_data.settings
    assert settings is not None
    interval = settings.oversight_job_interval_seconds
    app.job_queue.run_repeating(oversight_job, interval=interval, first=interval, name="oversight")
