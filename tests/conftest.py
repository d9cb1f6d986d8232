"""Shared fixtures: a fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
the Bot API simulator, and the running bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers every table)
from bot.db import make_engine
from simulator import BotAPISimulator
from tests.harness import Harness, start_bot


def database_url(tmp_path: object) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite+aiosqlite:///{tmp_path}/test.db"


@pytest.fixture
async def engine(tmp_path: object) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url(tmp_path))
    async with eng.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    yield eng
    await eng.dispose()


@pytest.fixture
async def sim() -> AsyncIterator[BotAPISimulator]:
    async with BotAPISimulator(bot_username="dangjian_test_bot") as simulator:
        yield simulator
        assert simulator.violations == [], f"calls that break the Bot API: {simulator.violations}"


@pytest.fixture
async def h(sim: BotAPISimulator, engine: AsyncEngine) -> AsyncIterator[Harness]:
    async with start_bot(sim, engine) as harness:
        yield harness
