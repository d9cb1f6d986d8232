"""Alembic, driven from code: `dangjian db upgrade` and the automatic SQLite upgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision(url: str) -> str | None:
    """The newest revision in migrations/ (what `dangjian db upgrade` migrates to)."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade_sync(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database to `revision` (Alembic runs its own loop in a thread)."""
    await asyncio.to_thread(upgrade_sync, url, revision)
