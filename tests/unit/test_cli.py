"""The `dangjian` command fails with one clear line, never a traceback or the token."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.cli import check_database
from bot.config import load_settings
from bot.db import make_engine
from simulator import BotAPISimulator


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"TEST_DATABASE_URL"}}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("dangjian:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_missing_token(tmp_path: Path) -> None:
    result = run_cli("run", env={"BOT_TOKEN": ""}, cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN" in one_line(result)


def test_malformed_setting(tmp_path: Path) -> None:
    result = run_cli("run", env={"BOT_TOKEN": "1:x", "ADMIN_IDS": "abc"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "ADMIN_IDS" in one_line(result)


def test_unreachable_bot_api(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        env={"BOT_TOKEN": "123:SECRET-TOKEN", "BOT_API_URL": "http://127.0.0.1:9/bot"},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    line = one_line(result)
    assert "BOT_API_URL" in line
    assert "SECRET-TOKEN" not in result.stderr + result.stdout


async def test_rejected_token(tmp_path: Path) -> None:
    async with BotAPISimulator(token="123456:RIGHT") as sim:
        env = {"BOT_TOKEN": "999:WRONG-TOKEN", "BOT_API_URL": sim.base_url}
        result = await asyncio.to_thread(run_cli, "run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "BOT_TOKEN" in one_line(result)
    assert "WRONG-TOKEN" not in result.stderr + result.stdout


async def test_unreachable_database(tmp_path: Path) -> None:
    async with BotAPISimulator(token="123456:RIGHT") as sim:
        env = {
            "BOT_TOKEN": "123456:RIGHT",
            "BOT_API_URL": sim.base_url,
            "DATABASE_URL": "postgresql+asyncpg://postgres:DB-SECRET@127.0.0.1:9/nowhere",
        }
        result = await asyncio.to_thread(run_cli, "run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "DATABASE_URL" in one_line(result)
    assert "DB-SECRET" not in result.stderr + result.stdout


async def test_unmigrated_postgresql_is_named() -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set (CI sets it)")
    # A database of its own with no schema, beside the one the other tests use.
    name = f"{make_url(url).database}_unmigrated"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    settings = load_settings(_env_file=None, bot_token="1:x", database_url=scratch)
    problem = await check_database(settings)
    assert problem is not None
    assert "dangjian db upgrade" in problem
