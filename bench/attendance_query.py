"""/attendance for a quarter: a branch of 100 members and 40 meetings (not a test).

``python -m bench.attendance_query [--members 100] [--meetings 40] [--database-url URL]``

Prints the time of the period report query alone and of the whole `/attendance 2026-Q4`
command through the simulator (command sent → reply received), against the 200 ms target.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta

from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers every table)
from bot.db import make_engine
from bot.demo.stage import START, running_bot
from bot.models import (
    Attendance,
    Branch,
    CheckinMethod,
    LeaveStatus,
    Meeting,
    MeetingKind,
    Member,
    Role,
    Rsvp,
)
from bot.services.meetings import attendance as att
from bot.services.periods import parse_period
from simulator import BotAPISimulator
from tests.harness import register_everything

TARGET_MS = 200.0


async def _fill(stage, members: int, meetings: int) -> int:  # type: ignore[no-untyped-def]
    rnd = random.Random(4)
    now = stage.clock.now()
    async with stage.sessions() as s:
        branch = Branch(name="基准党支部", created_at=now)
        s.add(branch)
        await s.flush()
        people = [
            Member(
                telegram_user_id=700_000 + i,
                branch_id=branch.id,
                name=f"党员{i:03d}",
                role=Role.secretary if i == 0 else Role.member,
                joined_at=now,
            )
            for i in range(members)
        ]
        s.add_all(people)
        await s.flush()
        first = START.replace(month=10, day=1)
        kinds = list(MeetingKind)
        rows = []
        for j in range(meetings):
            starts = first + timedelta(days=(j * 57) // meetings, hours=j % 5)
            meeting = Meeting(
                branch_id=branch.id, kind=kinds[j % 4], starts_at=starts,
                ends_at=starts + timedelta(hours=2), created_at=now,
            )  # fmt: skip
            s.add(meeting)
            await s.flush()
            for p in people:
                roll = rnd.random()
                checked = roll < 0.8
                leave = 0.8 <= roll < 0.9
                rows.append(
                    {
                        "meeting_id": meeting.id, "member_id": p.id,
                        "rsvp": Rsvp.leave if leave else Rsvp.attend,
                        "leave_status": LeaveStatus.approved if leave else None,
                        "leave_reason": "出差" if leave else None,
                        "checked_in_at": starts if checked else None,
                        "method": CheckinMethod.button if checked else None,
                        "late": checked and roll < 0.05, "marked_absent": False, "code_tries": 0,
                    }
                )  # fmt: skip
        await s.execute(Attendance.__table__.insert(), rows)  # type: ignore[attr-defined]
        await s.commit()
        assert branch.id is not None
        return branch.id


async def run(members: int, meetings: int, database_url: str | None, rounds: int = 20) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.drop_all)
            await conn.run_sync(SQLModel.metadata.create_all)
        async with (
            BotAPISimulator(bot_username="bench_bot") as sim,
            running_bot(sim, engine, register_everything) as stage,
        ):
            branch_id = await _fill(stage, members, meetings)
            stage.clock.set(START.replace(month=12, day=31))
            settings = stage.app.bot_data.settings
            assert settings is not None
            period = parse_period("2026-Q4", START.date())
            query_ms = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                async with stage.sessions() as s:
                    report = await att.period_report(
                            s, branch_id=branch_id, period=period, tz=settings.tz,
                            now=stage.clock.now(),
                        )  # fmt: skip
                query_ms.append((time.perf_counter() - t0) * 1000)
            assert report.meetings == meetings, report.meetings
            assert report.total.invited == members * meetings
            secretary = sim.user(700_000, "书记")
            command_ms = []
            for _ in range(rounds):
                before = len(secretary.bot_messages)
                t0 = time.perf_counter()
                await secretary.send("/attendance 2026-Q4")
                await sim.wait_until(lambda b=before: len(secretary.bot_messages) > b)
                command_ms.append((time.perf_counter() - t0) * 1000)
                await stage.settle()
            assert "2026-Q4" in secretary.bot_messages[-1].text or any(
                "2026-Q4" in m.text for m in secretary.bot_messages[-3:]
            )
            assert not sim.violations, sim.violations
        await engine.dispose()
    for label, values in (
        ("report query", query_ms),
        ("/attendance command → first reply", command_ms),
    ):
        med = statistics.median(values)
        print(
            f"{label}: {members} members × {meetings} meetings ({members * meetings} rows), "
            f"median {med:.1f} ms, max {max(values):.1f} ms; median/target {med / TARGET_MS:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--meetings", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.members, args.meetings, args.database_url))


if __name__ == "__main__":
    main()
