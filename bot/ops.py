"""`dangjian db backup` and `dangjian db check`: what an operator runs beside the bot."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from bot.clock import Clock
from bot.db import make_engine, make_sessions
from bot.migrate import head_revision
from bot.models import Delivery, DeliveryStatus

PG_DUMP_HINT = (
    "PostgreSQL is backed up with its own tools while the bot runs, e.g.\n"
    "  pg_dump --format=custom --file=dangjian.dump DATABASE\n"
    "and restored into an empty database with\n"
    "  pg_restore --dbname=DATABASE --no-owner dangjian.dump\n"
    "(see the README, Operations → Backups)."
)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("DATABASE_URL names no SQLite file")
    return Path(database)


def backup_sqlite(url: str, target: Path) -> int:
    """Copy the database with SQLite's online backup API; returns the pages copied.

    Safe while the bot runs. The copy is made in one step, i.e. inside one read
    transaction: in WAL mode that blocks no writer, and the copy is the database as it
    was at one moment. (Copied in small steps, every write the bot made in between would
    restart the backup, and a busy bot would keep it from ever finishing.)
    """
    source = sqlite_path(url)
    if not source.exists():
        raise FileNotFoundError(f"no database file at {source}")
    if target.resolve() == source.resolve():
        raise ValueError("the backup would overwrite the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        copied = int(dst.execute("PRAGMA page_count").fetchone()[0])
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise RuntimeError(f"the copy failed its integrity check: {ok}")
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    partial.replace(target)  # a reader of `target` never sees half a copy
    return copied


@dataclass
class CheckReport:
    """What `dangjian db check` found; `ok` when there is nothing to do."""

    revision: str | None = None
    head: str | None = None
    stuck: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def check(url: str, clock: Clock | None = None) -> CheckReport:
    """The schema is at head; no outbox row is still `sending` past its lease."""
    report = CheckReport(head=head_revision(url))
    now = (clock or Clock()).now()
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            try:
                report.revision = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
            except DBAPIError:
                report.revision = None
        if report.revision != report.head:
            report.problems.append(
                f"schema at {report.revision or 'nothing'}, not at head {report.head}:"
                " run `dangjian db upgrade`"
            )
            return report
        async with make_sessions(engine)() as s:
            report.stuck = (
                await s.execute(
                    select(func.count()).where(
                        col(Delivery.status) == DeliveryStatus.sending,
                        col(Delivery.lease_until) < now,
                    )
                )
            ).scalar_one()
        if report.stuck:
            report.problems.append(
                f"{report.stuck} deliveries still 'sending' past their lease: no worker is"
                " taking them back (is any bot process running?)"
            )
    finally:
        await engine.dispose()
    return report
