"""The Alembic revisions create exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import make_engine
from bot.migrate import upgrade_sync


def _diff(url: str) -> list[object]:
    async def compare() -> list[object]:
        engine = make_engine(url)

        def run(conn: Connection) -> list[object]:
            return list(compare_metadata(MigrationContext.configure(conn), SQLModel.metadata))

        async with engine.connect() as conn:
            result = await conn.run_sync(run)
        await engine.dispose()
        return result

    return asyncio.run(compare())


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    upgrade_sync(url)
    assert _diff(url) == [], "models and migrations differ; regenerate the revision"


def test_migrations_match_models_on_postgresql() -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set (CI sets it)")
    # A database of its own, so other tests' tables don't interfere; named after the test
    # database, so two suites on two test databases never drop each other's.
    name = f"{make_url(url).database}_migrations"
    scratch = make_url(url).set(database=name)

    async def recreate() -> None:
        admin = make_engine(url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()

    asyncio.run(recreate())
    scratch_url = scratch.render_as_string(hide_password=False)
    upgrade_sync(scratch_url)
    assert _diff(scratch_url) == [], "models and migrations differ; regenerate the revision"
