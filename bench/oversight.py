"""Oversight at committee scale: every branch's level, /warnings and /calendar (not a test).

``python -m bench.oversight [--branches 500] [--members 30] [--database-url URL]``

Builds a committee of 500 branches × 30 members with a year of meetings (about 750,000
attendance rows), 第一议题 study records, pledges, terms and last-seen data with bulk
inserts, then times (1) computing every branch's level, (2) `/warnings` through the
simulator (command sent → reply received), (3) one branch's `/calendar`, and reports the
peak memory of the process running the bot (the simulator runs in it too, so this is an
upper bound). Targets: 1 s, 1 s, 200 ms, 300 MB. The members get 学时 from the courses
they checked in to, the study items and outside training, so most branches are on track;
side by side in the same run it prints the level's time with / without the training
indicators and with / without the covering indexes of migration 0009.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers every table)
from bot.db import make_engine, make_sessions
from bot.demo.stage import ADMIN_ID, running_bot
from bot.models import (
    Attendance,
    Branch,
    BranchTerm,
    Meeting,
    MeetingKind,
    Member,
    MemberActivity,
    PartyGroup,
    Pledge,
    StudyItem,
    StudyRecord,
    StudyTarget,
    TrainingCourse,
    TrainingRecord,
)
from bot.services.oversight import health
from bot.services.oversight.indicators import Thresholds
from simulator import BotAPISimulator
from tests.harness import register_everything

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 15, 10, tzinfo=TZ).astimezone(UTC)
YEAR_START = datetime(2026, 1, 1, tzinfo=TZ).astimezone(UTC)
TARGETS = {"levels": 1000.0, "warnings": 1000.0, "calendar": 200.0}
MEMORY_TARGET_MB = 300.0
SECRETARY_BASE = 900_000
# A year's meetings per branch: (kind, per year); 党小组会 only where there are groups.
PLAN = [
    (MeetingKind.committee, 12),
    (MeetingKind.theme_day, 12),
    (MeetingKind.group, 12),
    (MeetingKind.assembly, 4),
    (MeetingKind.lecture, 4),
    (MeetingKind.life_meeting, 1),
    (MeetingKind.member_review, 1),
    (MeetingKind.training, 8),
]
CHUNK = 20_000
INDEXES_0009 = ("ix_attendance_meeting_checkin", "ix_study_record_member_done")


def rows_of(table: Any, rows: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    return table.__table__, rows


async def _insert(s: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    table = model.__table__
    for i in range(0, len(rows), CHUNK):
        await s.execute(table.insert(), rows[i : i + CHUNK])


def _meetings(rnd: random.Random, b: int, groups: bool, first_id: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, per_year in PLAN:
        if kind == MeetingKind.group and not groups:
            continue
        for k in range(per_year):
            # Spread over the year up to today; some branches skip some meetings.
            day = int((k + rnd.random()) * (348 / per_year))
            starts = YEAR_START + timedelta(days=day, hours=6 + rnd.randrange(4))
            if rnd.random() < 0.01 * (b % 7):
                continue
            out.append(
                {
                    "id": first_id + len(out),
                    "branch_id": b,
                    "kind": kind.value,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "place": "会议室",
                    "first_topic": "",
                    "checkin_by": "button",
                    "status": "scheduled",
                    "created_at": starts - timedelta(days=7),
                    "minutes_text": "会议记录" if rnd.random() < 0.5 else None,
                }
            )
    return out


async def build(stage: Any, branches: int, members: int) -> dict[str, int]:
    """Fill the database with bulk inserts; returns the row counts."""
    rnd = random.Random(11)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    counts: dict[str, int] = {}
    async with stage.sessions() as s:
        await _insert(
            s,
            Branch,
            [
                {"id": b, "name": f"基准第{b:03d}党支部", "kind": "single", "created_at": created}
                for b in range(1, branches + 1)
            ],
        )
        people, activity = [], []
        for b in range(1, branches + 1):
            for i in range(members):
                mid = b * 1000 + i
                people.append(
                    {
                        "id": mid,
                        "telegram_user_id": SECRETARY_BASE + b * 100 + i,
                        "branch_id": b,
                        "name": f"党员{b:03d}-{i:02d}",
                        "role": "secretary" if i == 0 else "member",
                        "status": "blocked" if rnd.random() < 0.002 else "active",
                        "is_committee": i < (3 if b % 10 else 2),
                        "joined_at": created,
                        "secretary_since": _appointed(b) if i == 0 else None,
                    }
                )
            idle = 40 if b % 13 == 0 else rnd.randrange(10)
            activity.append({"member_id": b * 1000, "last_seen_at": NOW - timedelta(days=idle)})
        await _insert(s, Member, people)
        await _insert(s, MemberActivity, activity)
        groups = [
            {"branch_id": b, "name": "第一党小组", "created_at": created}
            for b in range(1, branches + 1)
            if b % 3 != 0
        ]
        await _insert(s, PartyGroup, groups)
        meetings: list[dict[str, Any]] = []
        for b in range(1, branches + 1):
            meetings += _meetings(rnd, b, b % 3 != 0, len(meetings) + 1)
        await _insert(s, Meeting, meetings)
        attendance = []
        for m in meetings:
            if m["starts_at"] > NOW:
                continue
            rate = 0.5 + 0.48 * ((m["branch_id"] * 37) % 100) / 100
            for i in range(members):
                attendance.append(
                    {
                        "meeting_id": m["id"],
                        "member_id": m["branch_id"] * 1000 + i,
                        "checked_in_at": m["starts_at"] if rnd.random() < rate else None,
                        "late": False,
                        "marked_absent": False,
                        "code_tries": 0,
                    }
                )
        await _insert(s, Attendance, attendance)
        items: list[dict[str, Any]] = [
            {
                "id": k + 1,
                "title": f"第一议题 {k + 1}",
                "summary": "",
                "status": "published",
                "scope_all": True,
                "created_at": YEAR_START + timedelta(days=28 * k),
                "published_at": YEAR_START + timedelta(days=28 * k),
                "due_at": YEAR_START + timedelta(days=28 * k + 7),
                "hours_tenths": (5, 10, 20)[k % 3],  # 学时 per item: 0.5, 1 or 2
            }
            for k in range(12)
        ]
        await _insert(s, StudyItem, items)
        targets, records = [], []
        for b in range(1, branches + 1):
            done = 0.4 + 0.6 * ((b * 53) % 100) / 100
            for item in items:
                targets.append(
                    {"item_id": item["id"], "branch_id": b, "pushed_at": item["published_at"]}
                )
                for i in range(members):
                    if rnd.random() < done:
                        at = item["published_at"] + timedelta(days=2)
                        records.append(
                            {
                                "item_id": item["id"],
                                "member_id": b * 1000 + i,
                                "completed_at": at,
                                "updated_at": at,
                            }
                        )
        await _insert(s, StudyTarget, targets)
        await _insert(s, StudyRecord, records)
        pledges = [
            {
                "member_id": p["id"],
                "branch_id": p["branch_id"],
                "year": 2026,
                "post": "岗位",
                "duties": "职责",
                "commitments": ["承诺"],
                "status": "approved",
                "version": 1,
                "published": False,
                "created_at": YEAR_START,
                "updated_at": YEAR_START,
            }
            for p in people
            if rnd.random() < 0.9
        ]
        await _insert(s, Pledge, pledges)
        terms = []
        for b in range(1, branches + 1):
            if b % 17 == 0:
                continue  # term unknown
            start = date(2024 + b % 2, 1 + b % 12, 1)
            terms.append(
                {
                    "branch_id": b,
                    "starts_on": start,
                    "years": 3,
                    "ends_on": start.replace(year=start.year + 3),
                    "recorded_at": created,
                }
            )
        await _insert(s, BranchTerm, terms)
        counts.update(await _training(s, rnd, people, meetings))
        if s.bind.dialect.name == "postgresql":
            for table in ("branch", "member", "meeting", "study_item"):
                await s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
        await s.commit()
    counts.update(
        branches=branches,
        members=len(people),
        meetings=len(meetings),
        attendance=len(attendance),
        study_records=len(records),
        pledges=len(pledges),
    )
    return counts


def _appointed(b: int) -> datetime | None:
    """A quarter of the secretaries were appointed since 2025 (the 6-month rule covers them)."""
    if b % 4:
        return None
    return datetime(2025 + b % 8 // 4, 1 + b % 12, 10, tzinfo=UTC)


async def _training(
    s: Any, rnd: random.Random, people: list[dict[str, Any]], meetings: list[dict[str, Any]]
) -> dict[str, int]:
    """外部培训记录 and named courses, so that most branches are on track for their 学时.

    The 党课 and 培训 meetings above already count (2 学时 each, for who checked in) and the
    study items 0.5–2 学时 each; on top of that most members record an online course, the
    branch committee a 轮训 week, and most new secretaries a 书记示范班 certificate.
    Some records wait for approval or were returned (they count nothing).
    """
    records: list[dict[str, Any]] = []

    def record(p: dict[str, Any], title: str, hours: float, state: str, sec: bool) -> None:
        day = date(2026, 1 + rnd.randrange(11), 1 + rnd.randrange(28))
        records.append(
            {
                "member_id": p["id"],
                "branch_id": p["branch_id"],
                "source": "external",
                "title": title,
                "organiser": "区委党校",
                "held_on": day,
                "hours_tenths": round(hours * 10),
                "secretary_training": sec,
                "state": state,
                "created_at": datetime.combine(day, datetime.min.time(), UTC),
            }
        )

    for p in people:
        b = p["branch_id"]
        keen = 0.55 + 0.45 * ((b * 29) % 100) / 100  # how keen the branch is on training
        if rnd.random() < keen:
            state = "approved" if rnd.random() < 0.92 else rnd.choice(("pending", "returned"))
            record(p, "网络培训", 6 + rnd.randrange(5), state, False)
        if p["is_committee"] and rnd.random() < keen + 0.1:
            record(p, "支部委员轮训", 24 + rnd.randrange(9), "approved", False)
        if p["secretary_since"] is not None and b % 20:
            record(p, "书记示范班", 16, "approved", True)
    await _insert(s, TrainingRecord, records)
    names = ("党课开讲啦", "学习大讲堂", "书记示范班")
    courses = [
        {
            "meeting_id": m["id"],
            "name": names[m["id"] % 3],
            "secretary_training": m["id"] % 3 == 2,
            "set_at": m["created_at"],
        }
        for m in meetings
        if m["kind"] == MeetingKind.training.value and m["id"] % 2
    ]
    await _insert(s, TrainingCourse, courses)
    return {"training_records": len(records), "courses": len(courses)}


def rss_mb() -> float:
    """Peak resident memory of this process."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _timed_command(
    sim: BotAPISimulator, user: Any, text_: str, stage: Any
) -> tuple[float, str]:
    before = len(user.bot_messages)
    t0 = time.perf_counter()
    await user.send(text_)
    await sim.wait_until(lambda: len(user.bot_messages) > before, timeout=60)
    ms = (time.perf_counter() - t0) * 1000
    await stage.settle()
    return ms, user.bot_messages[-1].text


def _line(label: str, values: list[float], target: float, extra: str = "") -> None:
    med = statistics.median(values)
    print(
        f"{label}: median {med:.0f} ms, max {max(values):.0f} ms; median/target {med / target:.2f}{extra}"
    )


async def build_only(url: str, branches: int, members: int) -> None:
    """Create and fill the database (run in a child process, so the rows built in memory
    do not count toward the bot's memory)."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)

    class Filler:
        sessions = make_sessions(engine)

    t0 = time.perf_counter()
    counts = await build(Filler, branches, members)
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load (it vacuums after many inserts too,
        # since PostgreSQL 13): without statistics the planner guesses, and without the
        # visibility map an index-only scan still reads the rows.
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE"))
    print(
        f"database ({engine.dialect.name}): {counts['branches']} branches, "
        f"{counts['members']} members, {counts['meetings']} meetings, "
        f"{counts['attendance']} attendance rows, {counts['study_records']} study records, "
        f"{counts['pledges']} pledges, {counts['training_records']} training records, "
        f"{counts['courses']} named courses; built in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    await engine.dispose()


async def _evaluate(stage: Any) -> tuple[float, list[health.BranchHealth], float]:
    """One computation of every branch's level: (ms, the branches, CPU ms of this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    async with stage.sessions() as s:
        thresholds = Thresholds.from_settings(stage.app.bot_data.settings)
        found = await health.evaluate_all(s, now=NOW, tz=TZ, thresholds=thresholds)
        await s.commit()
    return (time.perf_counter() - t0) * 1000, found, (time.process_time() - c0) * 1000


async def _levels(stage: Any, rounds: int) -> list[health.BranchHealth]:
    level_ms, found = [], []
    for _ in range(rounds):
        ms, found, _cpu = await _evaluate(stage)
        level_ms.append(ms)
    by_level: dict[str, int] = {}
    for b in found:
        by_level[b.level.value] = by_level.get(b.level.value, 0) + 1
    flagged = sum(1 for b in found for f in b.reasons if f.code == "training")
    _line(
        f"every branch's level ({len(found)} branches)",
        level_ms,
        TARGETS["levels"],
        f"; red {by_level.get('red', 0)}, yellow {by_level.get('yellow', 0)}, "
        f"green {by_level.get('green', 0)}; 学时 coverage low in {flagged}",
    )
    return found


async def _no_training(*_args: Any, **_kwargs: Any) -> dict[int, Any]:
    return {}


async def _side_by_side(stage: Any, rounds: int) -> None:
    """Ratios measured in one run, so load on the machine weighs on both sides alike: the
    level with and without the training indicators, and with and without the covering
    indexes of migration 0009 (dropped and made again), alternating round by round.
    Beside the wall time, this process's CPU time: on SQLite all the work, and far less
    moved by the other programs on the machine (on PostgreSQL the server's is not in it)."""
    real = health.training_indicators

    async def without_training() -> tuple[float, Any, float]:
        health.training_indicators = _no_training  # type: ignore[assignment]
        try:
            return await _evaluate(stage)
        finally:
            health.training_indicators = real

    async def without_indexes() -> tuple[float, Any, float]:
        await _indexes(stage, drop=True)
        try:
            return await _evaluate(stage)
        finally:
            await _indexes(stage, drop=False)

    for label, other in (("training indicators", without_training), ("0009 indexes", without_indexes)):  # fmt: skip
        walls: dict[bool, list[float]] = {True: [], False: []}
        cpus: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(rounds):
            for side in (True, False):
                ms, _found, cpu = await (_evaluate(stage) if side else other())
                walls[side].append(ms)
                cpus[side].append(cpu)
        w, wo = statistics.median(walls[True]), statistics.median(walls[False])
        c, co = statistics.median(cpus[True]), statistics.median(cpus[False])
        print(
            f"side by side: level with the {label} {w:.0f} ms, without {wo:.0f} ms; "
            f"with/without {w / wo:.2f} (CPU of this process {c:.0f} / {co:.0f} ms = {c / co:.2f})"
        )


async def _indexes(stage: Any, *, drop: bool) -> None:
    """Drop the covering indexes of migration 0009, or make them again."""
    tables = {index.name: index for model in (Attendance, StudyRecord)
              for index in model.__table__.indexes if index.name in INDEXES_0009}  # type: ignore[attr-defined]  # fmt: skip
    async with stage.engine.begin() as conn:
        for index in tables.values():
            await conn.run_sync(index.drop if drop else index.create)
        if stage.engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE attendance, study_record"))


async def run(branches: int, members: int, database_url: str | None, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        args = ["--build", url, "--branches", str(branches), "--members", str(members)]
        child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.oversight", *args)
        assert await child.wait() == 0, "building the database failed"
        engine = make_engine(url)
        from bot.clock import FixedClock

        async with (
            BotAPISimulator(bot_username="bench_bot") as sim,
            running_bot(
                sim,
                engine,
                register_everything,
                clock=FixedClock(NOW),
                oversight_job_interval_seconds=3600,
                study_job_interval_seconds=3600,
            ) as stage,
        ):
            await _levels(stage, rounds)
            admin = sim.user(ADMIN_ID, "管理员", username="admin")
            await _timed_command(sim, admin, "/help", stage)  # registers the admin
            warn_ms = []
            for _ in range(rounds):
                ms, reply = await _timed_command(sim, admin, "/warnings", stage)
                warn_ms.append(ms)
            assert "基准第" in reply, reply[:200]
            _line("/warnings command → reply (admin)", warn_ms, TARGETS["warnings"])
            secretary = sim.user(SECRETARY_BASE + 100 * 7, "书记")
            cal_ms = []
            for _ in range(rounds * 2):
                ms, reply = await _timed_command(sim, secretary, "/calendar", stage)
                cal_ms.append(ms)
            assert "2026-12" in reply, reply[:200]
            _line("/calendar command → reply (one branch)", cal_ms, TARGETS["calendar"])
            assert not sim.violations, sim.violations
            await _side_by_side(stage, rounds)
            mem = rss_mb()
            print(
                f"memory: peak RSS {mem:.0f} MB of the process running the bot (with the simulator); "
                f"peak/target {mem / MEMORY_TARGET_MB:.2f}"
            )
        await engine.dispose()


def main() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--branches", type=int, default=500)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--build", metavar="URL", help="only create and fill this database")
    args = parser.parse_args()
    if args.build:
        asyncio.run(build_only(args.build, args.branches, args.members))
        return
    asyncio.run(run(args.branches, args.members, args.database_url, args.rounds))


if __name__ == "__main__":
    main()
