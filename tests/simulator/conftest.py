"""Local fixtures for the simulator's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot

from simulator import BotAPISimulator

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def sim() -> AsyncIterator[BotAPISimulator]:
    async with BotAPISimulator(token=TOKEN) as s:
        yield s


@pytest.fixture
async def http(sim: BotAPISimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{sim.base_url}{TOKEN}/", timeout=10) as client:
        yield client


@pytest.fixture
async def bot(sim: BotAPISimulator) -> AsyncIterator[Bot]:
    b = Bot(TOKEN, base_url=sim.base_url, base_file_url=sim.base_file_url)
    async with b:
        yield b
