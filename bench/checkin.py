"""签到 under load: 1,000 invitees press 签到 within the same minute (not a test).

``python -m bench.checkin [--people 1000] [--seconds 60] [--database-url URL]``

The real Application polls the Bot API simulator; each person presses the 签到 button of
the notice they received. Figures: every check-in recorded exactly once, and the time from
the press (the update queued in the simulator) to the bot's answerCallbackQuery, p50/p95/max
against the 300 ms target, plus a burst run where everyone presses at once.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date, timedelta
from datetime import time as dtime

from sqlmodel import SQLModel, func, select

import bot.models
from bot.db import make_engine
from bot.demo.stage import START, running_bot
from bot.models import Attendance, Branch, Member, Role
from bot.services.meetings import schedule as svc
from bot.services.meetings.drafts import Draft
from handlers.meetings import views
from simulator import BotAPISimulator
from tests.harness import register_everything

TARGET_P95_MS = 300.0


async def _setup(stage, people: int) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    now = stage.clock.now()
    async with stage.sessions() as s:
        branch = Branch(name="压测党支部", created_at=now)
        s.add(branch)
        await s.flush()
        secretary = Member(
            telegram_user_id=500_000, branch_id=branch.id, name="书记", role=Role.secretary,
            joined_at=now,
        )  # fmt: skip
        s.add(secretary)
        s.add_all(
            Member(telegram_user_id=500_001 + i, branch_id=branch.id, name=f"党员{i + 1}", joined_at=now)
            for i in range(people - 1)
        )  # fmt: skip
        await s.flush()
        settings = stage.app.bot_data.settings
        catalogs = stage.app.bot_data.catalogs
        done = await svc.schedule(
            s,
            actor=secretary,
            draft=Draft(
                kind=bot.models.MeetingKind.assembly, day=date(2026, 12, 1), at=dtime(14, 30),
                place="礼堂", topic="第一议题",
            ),
            tz=settings.tz,
            compose=views.compose(views.translators(catalogs, settings)),
            now=now,
        )  # fmt: skip
        await s.commit()
    users = [stage.sim.user(500_000 + i, f"P{i}") for i in range(people)]
    await stage.deliver()
    return done.meeting.id, users


async def _press_all(stage, users, seconds: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Press 签到 for everyone spread over `seconds`; returns press→answer latencies (ms)."""
    sim = stage.sim
    pressed: dict[int, float] = {}
    start = time.monotonic()
    gap = seconds / len(users) if seconds else 0.0
    for i, user in enumerate(users):
        delay = start + i * gap - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        notice = user.last
        pressed[user.user_id] = time.monotonic()
        await user.press("签到", notice)
    await stage.settle()
    answered: dict[int, float] = {}
    for call in sim.calls_to("answerCallbackQuery"):
        qid = str(call.params.get("callback_query_id"))
        for uid in pressed:
            if qid.startswith(str(uid)) and uid not in answered and call.t >= pressed[uid]:
                answered[uid] = call.t
                break
    return [(answered[u] - pressed[u]) * 1000 for u in pressed if u in answered]


def _report(label: str, latencies: list[float], people: int) -> None:
    latencies = sorted(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"{label}: answered {len(latencies)}/{people}; press→answerCallbackQuery "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms; "
        f"p95/target {p95 / TARGET_P95_MS:.2f}"
    )


async def run(people: int, seconds: float, database_url: str | None) -> None:
    for label, spread in ((f"spread over {seconds:g} s", seconds), ("burst (all at once)", 0.0)):
        with tempfile.TemporaryDirectory() as tmp:
            url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
            engine = make_engine(url)
            async with engine.begin() as conn:
                await conn.run_sync(SQLModel.metadata.drop_all)
                await conn.run_sync(SQLModel.metadata.create_all)
            async with BotAPISimulator(bot_username="bench_bot") as sim:
                async with running_bot(sim, engine, register_everything) as stage:
                    meeting_id, users = await _setup(stage, people)
                    stage.clock.set(
                        START.replace(day=1, month=12, hour=6, minute=20) - timedelta(0)
                    )
                    latencies = await _press_all(stage, users, spread)
                    # Everyone presses a second time: nothing new may be recorded.
                    await _press_all(stage, users[:100], 0.0)
                    async with stage.sessions() as s:
                        recorded = (
                            await s.exec(
                                select(func.count())
                                .select_from(Attendance)
                                .where(
                                    Attendance.meeting_id == meeting_id,
                                    Attendance.checked_in_at.is_not(None),  # type: ignore[union-attr]
                                )
                            )
                        ).one()
                print(
                    f"{label}: {people} invitees pressed 签到, {recorded} check-ins recorded "
                    f"(100 pressed twice); recorded/invitees {recorded / people:.2f}"
                )
                _report(label, latencies, people)
                assert not sim.violations, sim.violations
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.people, args.seconds, args.database_url))


if __name__ == "__main__":
    main()
