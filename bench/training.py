"""/hours for a 300-member branch and the admin view for 500 branches (not a test).

``python -m bench.training [--branches 500] [--members 300] [--others 20] [--database-url URL]``

Generates a committee with bulk inserts: branch 1 has `--members` people, the other
branches `--others` each; every branch has 12 courses (党课/培训) with check-ins, 12 study
items with 已学习 records, and approved external records. Prints the service time and the
command time (sent → reply received) of the secretary's and the admin's /hours, against
the 500 ms target.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any

from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers every table)
from bot.db import make_engine
from bot.demo.stage import ADMIN_ID, START, running_bot
from bot.models import (
    Attendance,
    Branch,
    CheckinMethod,
    Meeting,
    MeetingKind,
    Member,
    RecordState,
    Role,
    Rsvp,
    StudyItem,
    StudyRecord,
    StudyStatus,
    TrainingRecord,
)
from bot.services import training
from simulator import BotAPISimulator
from tests.harness import register_everything

TARGET_MS = 500.0
COURSES = 12
ITEMS = 12


def _table(model: Any) -> Any:
    return model.__table__


async def _insert(s: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        await s.execute(_table(model).insert(), rows[start : start + 5000])


async def _fill(stage: Any, branches: int, members: int, others: int) -> int:
    rnd = random.Random(13)
    now = stage.clock.now()
    first = START.replace(month=1, day=10)
    async with stage.sessions() as s:
        await _insert(
            s, Branch, [{"name": f"基准党支部{b:03d}", "kind": "single", "created_at": now}
                        for b in range(branches)],
        )  # fmt: skip
        ids = [b for (b,) in (await s.execute(_table(Branch).select().with_only_columns(_table(Branch).c.id).order_by(_table(Branch).c.id))).all()]  # fmt: skip
        people = []
        uid = 700_000
        for n, b in enumerate(ids):
            for i in range(members if n == 0 else others):
                people.append(
                    {"telegram_user_id": uid, "branch_id": b, "name": f"党员{uid}",
                     "role": Role.secretary if i == 0 else Role.member, "status": "active",
                     "is_committee": i < 3, "joined_at": now,
                     "secretary_since": now - timedelta(days=300) if i == 0 else None}
                )  # fmt: skip
                uid += 1
        await _insert(s, Member, people)
        member_rows = (await s.execute(_table(Member).select().with_only_columns(_table(Member).c.id, _table(Member).c.branch_id))).all()  # fmt: skip
        by_branch: dict[int, list[int]] = {}
        for m, b in member_rows:
            by_branch.setdefault(b, []).append(m)
        meetings = []
        for b in ids:
            for j in range(COURSES):
                starts = first + timedelta(days=25 * j, hours=j % 5)
                meetings.append(
                    {"branch_id": b, "kind": MeetingKind.training if j % 2 else MeetingKind.lecture,
                     "starts_at": starts, "ends_at": starts + timedelta(minutes=90 + 30 * (j % 3)),
                     "place": "", "first_topic": "", "checkin_by": "button", "status": "scheduled",
                     "created_at": now}
                )  # fmt: skip
        await _insert(s, Meeting, meetings)
        meeting_rows = (await s.execute(_table(Meeting).select().with_only_columns(_table(Meeting).c.id, _table(Meeting).c.branch_id, _table(Meeting).c.starts_at))).all()  # fmt: skip
        attendance = []
        for mid, b, starts in meeting_rows:
            for p in by_branch.get(b, []):
                roll = rnd.random()
                attendance.append(
                    {"meeting_id": mid, "member_id": p, "rsvp": Rsvp.attend,
                     "checked_in_at": starts if roll < 0.8 else None,
                     "method": CheckinMethod.button if roll < 0.8 else None,
                     "late": roll < 0.1, "marked_absent": False, "code_tries": 0}
                )  # fmt: skip
        await _insert(s, Attendance, attendance)
        await _insert(
            s, StudyItem, [{"title": f"学习{i}", "summary": "", "status": StudyStatus.published,
                            "scope_all": True, "created_at": now, "hours_tenths": 5}
                           for i in range(ITEMS)],
        )  # fmt: skip
        items = [i for (i,) in (await s.execute(_table(StudyItem).select().with_only_columns(_table(StudyItem).c.id))).all()]  # fmt: skip
        records, external = [], []
        for m, b in member_rows:
            for k, item in enumerate(items):
                if rnd.random() < 0.7:
                    at = first + timedelta(days=20 * k)
                    records.append(
                        {"item_id": item, "member_id": m, "completed_at": at, "updated_at": at}
                    )
            external.append(
                {"member_id": m, "branch_id": b, "source": "external", "title": "外部培训",
                 "organiser": "区委党校", "held_on": START.date() - timedelta(days=30),
                 "hours_tenths": 40, "secretary_training": False, "state": RecordState.approved,
                 "created_at": now}
            )  # fmt: skip
        await _insert(s, StudyRecord, records)
        await _insert(s, TrainingRecord, external)
        await s.commit()
    # Statistics, as autovacuum (PostgreSQL) would gather them shortly after a bulk load;
    # without them the planner takes every table for empty and nests loops over 1.8 M rows.
    async with stage.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("ANALYZE")
    print(
        f"data: {branches} branches, {len(member_rows)} members, {len(meeting_rows)} courses, "
        f"{len(attendance)} attendance rows, {len(records)} study records, "
        f"{len(external)} external records"
    )
    return ids[0]


async def _timed(rounds: int, fn: Any) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def run(
    branches: int, members: int, others: int, database_url: str | None, rounds: int = 5
) -> None:
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
            await _fill(stage, branches, members, others)
            stage.clock.set(START)
            settings = stage.app.bot_data.settings
            assert settings is not None
            tz = settings.tz
            secretary_user = sim.user(700_000, "书记")
            admin_user = sim.user(ADMIN_ID, "管理员")
            await admin_user.send("/me")  # registers the admin
            await stage.settle()
            async with stage.sessions() as s:
                secretary = await s.get(Member, 1)
                admin = (await s.exec(Member.__table__.select().where(Member.__table__.c.telegram_user_id == ADMIN_ID))).first()  # type: ignore[attr-defined]  # fmt: skip
            assert secretary is not None
            assert admin is not None

            async def branch_service() -> None:
                async with stage.sessions() as s:
                    found = await training.branch_hours(s, actor=secretary, now=START, tz=tz)
                    assert len(found.rows) == members

            async def committee_service() -> None:
                async with stage.sessions() as s:
                    who = await s.get(Member, admin.id)
                    found = await training.committee_hours(s, actor=who, now=START, tz=tz)
                    assert len(found.branches) == branches

            def command(user: Any, expect: int) -> Any:
                async def go() -> None:
                    before = len(user.bot_messages)
                    await user.send("/hours")
                    await sim.wait_until(
                        lambda: len(user.bot_messages) >= before + expect, timeout=60
                    )
                    await stage.settle()

                return go

            figures = {
                "secretary /hours service (300-member branch)": await _timed(
                    rounds, branch_service
                ),
                "secretary /hours sent → both replies": await _timed(
                    rounds, command(secretary_user, 2)
                ),
                f"admin /hours service ({branches} branches)": await _timed(
                    rounds, committee_service
                ),
                "admin /hours sent → reply": await _timed(rounds, command(admin_user, 1)),
            }
            assert "学时" in secretary_user.bot_messages[-1].text
            assert not sim.violations, sim.violations
        await engine.dispose()
    print(f"database: {engine.url.get_backend_name()}")
    for label, values in figures.items():
        med = statistics.median(values)
        print(
            f"{label}: median {med:.0f} ms = {med / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms "
            f"target (max {max(values):.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--branches", type=int, default=500)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.branches, args.members, args.others, args.database_url))


if __name__ == "__main__":
    main()
