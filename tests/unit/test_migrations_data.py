"""Upgrading a database that holds data: every row made at revision 0001 survives to head.

Every table of the first revision gets two rows (values made from each column's type,
foreign keys pointing at the rows of the tables before it), then the database is upgraded
through every later revision (0002, 0003, … whatever they contain) and each row is read
back, column by column, wherever the column still exists. A new revision is covered
without anyone writing a test for it.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (the current models, for enum values)
from bot.db import make_engine
from bot.migrate import head_revision, upgrade_sync

FIRST = "0001"
WHEN = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def enum_values(table: str, column: str) -> list[str] | None:
    current = SQLModel.metadata.tables.get(table)
    if current is None or column not in current.c:
        return None
    kind = current.c[column].type
    return list(kind.enums) if isinstance(kind, sa.Enum) else None


def value_for(table: sa.Table, column: sa.Column[Any], n: int) -> Any:
    """Row `n`'s value for `column`: distinct per row, valid for the type."""
    if column.foreign_keys:
        return n if not column.nullable or column.primary_key else None
    kind = column.type
    values = enum_values(table.name, column.name) or (
        list(kind.enums) if isinstance(kind, sa.Enum) else None
    )
    if values:
        return values[0]
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.Integer | sa.Numeric):
        return n
    if isinstance(kind, sa.DateTime):
        return WHEN.replace(minute=n)
    if isinstance(kind, sa.Date):
        return WHEN.date().replace(day=n)
    if isinstance(kind, sa.LargeBinary):
        return f"bytes {n}".encode()
    if isinstance(kind, sa.JSON):
        return {"n": n, "text": "通知"}
    if isinstance(kind, sa.String):
        length = getattr(kind, "length", None) or 64
        return f"{table.name[:3]}{n}党"[:length]
    return f"{n}"


def fill(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Two rows in every table of the first revision; returns what was written."""
    meta = sa.MetaData()
    meta.reflect(conn)
    written: dict[str, list[dict[str, Any]]] = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        rows = [{c.name: value_for(table, c, n) for c in table.columns} for n in (1, 2)]
        conn.execute(table.insert(), rows)
        written[table.name] = rows
    return written


def read_back(conn: Connection, written: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Differences between what was written and what the upgraded database holds."""
    meta = sa.MetaData()
    meta.reflect(conn)
    problems = []
    for name, rows in written.items():
        table = meta.tables.get(name)
        if table is None:
            problems.append(f"table {name} is gone")
            continue
        pk = [c.name for c in table.primary_key.columns]
        for row in rows:
            where = [table.c[k] == row[k] for k in pk]
            found = conn.execute(sa.select(table).where(*where)).mappings().first()
            if found is None:
                problems.append(f"{name} {row}: row lost")
                continue
            for column, value in row.items():
                if column in found and not same(found[column], value):
                    problems.append(f"{name}.{column}: {value!r} became {found[column]!r}")
    return problems


def same(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, datetime) and isinstance(got, datetime):
        if got.tzinfo is None:
            got = got.replace(tzinfo=UTC)
        return got == wanted
    if isinstance(wanted, datetime) and isinstance(got, str):  # SQLite stores text
        return got.startswith(wanted.replace(tzinfo=None).isoformat(sep=" ")[:16])
    if isinstance(wanted, bytes) and isinstance(got, memoryview):
        return bytes(got) == wanted
    return bool(got == wanted)


def upgrade_with_data(url: str) -> list[str]:
    upgrade_sync(url, FIRST)

    async def run(step: Any, *args: Any) -> Any:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(step, *args)
        finally:
            await engine.dispose()

    written = asyncio.run(run(fill))
    assert sum(len(r) for r in written.values()) >= 2 * 10, "the first revision has tables"
    upgrade_sync(url, "head")
    revision = asyncio.run(
        run(lambda c: c.execute(text("SELECT version_num FROM alembic_version")).scalar())
    )
    assert revision == head_revision(url)
    return list(asyncio.run(run(read_back, written)))


def test_rows_made_at_the_first_revision_survive_every_upgrade_on_sqlite(
    tmp_path: Path,
) -> None:
    assert upgrade_with_data(f"sqlite+aiosqlite:///{tmp_path}/data.db") == []


def test_rows_made_at_the_first_revision_survive_every_upgrade_on_postgresql() -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set (CI sets it)")
    name = f"{make_url(url).database}_data"  # a database of its own, beside the test one

    async def recreate() -> None:
        admin = make_engine(url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()

    asyncio.run(recreate())
    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    assert upgrade_with_data(scratch) == []
