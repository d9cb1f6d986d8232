"""SQLite writers queue on the engine's lock: released on commit, rollback and close."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.db import make_engine


async def test_writers_take_turns_and_readers_do_not_wait(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))

    async def write(value: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})

    async def count() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())

    try:
        async with engine.connect() as first:
            await first.execute(text("INSERT INTO t VALUES (1)"))  # holds the write turn
            second = asyncio.create_task(write(2))
            assert await count() == 0  # a reader neither waits nor sees uncommitted rows
            assert not second.done()
            await first.commit()
            await second
        assert await count() == 2

        async with engine.connect() as first:
            await first.execute(text("INSERT INTO t VALUES (3)"))
            third = asyncio.create_task(write(4))
            await first.rollback()  # a rollback gives the turn away too
            await third
        async with engine.connect() as abandoned:
            await abandoned.execute(text("INSERT INTO t VALUES (5)"))
        # closed without commit: the pool's reset rolled it back and released the turn
        await write(6)
        assert await count() == 4
    finally:
        await engine.dispose()
