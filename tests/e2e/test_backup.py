"""`dangjian db backup` while a broadcast runs, and `dangjian db check` (issue 17)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.cli import main
from bot.models import Delivery, DeliveryStatus
from bot.ops import check
from tests.e2e.test_delivery import fan_out, recorded, worker
from tests.harness import Harness
from tests.procs import stamp_head, unstamp


def url_of(h: Harness) -> str:
    return h.engine.url.render_as_string(hide_password=False)


async def test_a_backup_taken_during_a_broadcast_opens_and_holds_one_moment(
    h: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if h.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL is backed up with pg_dump (README)")
    people = [h.person(f"p{i}") for i in range(120)]
    w = worker(h)
    w.concurrency = 8
    some = recorded(h, "test.notice", 16)
    everyone = recorded(h, "test.notice", 120)
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop, poll_interval=0.05))
    batch_id = await fan_out(h, [p.id for p in people])
    w.wake()
    await some.wait()
    target = tmp_path / "backup" / "copy.db"
    monkeypatch.setenv("DATABASE_URL", url_of(h))
    code = await asyncio.to_thread(main, ["db", "backup", str(target)])
    mid_way = not everyone.is_set()
    await everyone.wait()
    stop.set()
    await task
    assert code == 0
    assert mid_way  # the backup ran while the broadcast was still sending
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        statuses = dict(
            copy.execute(
                "SELECT status, count(*) FROM delivery WHERE batch_id = ? GROUP BY status",
                (batch_id,),
            ).fetchall()
        )
    finally:
        copy.close()
    assert sum(statuses.values()) == 120  # every row of the batch, whatever its state
    assert set(statuses) <= {"pending", "sending", "sent"}
    assert 0 < statuses.get("sent", 0) < 120
    assert not await asyncio.to_thread(Path(f"{target}.partial").exists)


def test_backup_of_postgresql_points_to_pg_dump(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot@db/dangjian")
    assert main(["db", "backup", str(tmp_path / "x")]) == 2
    out = capsys.readouterr().out
    assert "pg_dump --format=custom" in out
    assert "pg_restore" in out


def test_db_check_in_the_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "check"]) == 0
    out = capsys.readouterr().out
    assert "outbox: 0 deliveries stuck" in out


async def test_db_check_wants_head_and_no_send_stuck_past_its_lease(h: Harness) -> None:
    await unstamp(h.engine)
    try:
        await db_check_scenario(h)
    finally:
        await unstamp(h.engine)


async def db_check_scenario(h: Harness) -> None:
    report = await check(url_of(h), h.clock)
    assert not report.ok
    assert "dangjian db upgrade" in report.problems[0]
    await stamp_head(h.engine)
    report = await check(url_of(h), h.clock)
    assert report.ok, report.problems
    people = [h.person(f"p{i}") for i in range(3)]
    await fan_out(h, [p.id for p in people])
    (claimed, *_) = await worker(h).claim(3)
    assert (await check(url_of(h), h.clock)).ok  # sending, within its lease
    h.clock.advance(minutes=3)
    report = await check(url_of(h), h.clock)
    assert report.stuck == 3
    assert "past their lease" in report.problems[0]
    async with h.sessions() as s:
        await s.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.sending)  # type: ignore[arg-type]
            .values(lease_until=h.clock.now() + timedelta(minutes=1))
        )
        await s.commit()
    assert (await check(url_of(h), h.clock)).ok
    assert claimed.id is not None
