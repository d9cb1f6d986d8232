"""The e2e harness is the demo's Stage with every feature registered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

import handlers
import schedules
from bot.context import BotApplication
from bot.demo.stage import ADMIN_ID, START, Branch, Stage, invite_token, running_bot
from simulator import BotAPISimulator

Harness = Stage

__all__ = [
    "ADMIN_ID",
    "START",
    "Branch",
    "Harness",
    "invite_token",
    "register_everything",
    "start_bot",
]


def register_everything(app: BotApplication) -> None:
    handlers.register_all(app)
    schedules.register_all(app)


@asynccontextmanager
async def start_bot(
    sim: BotAPISimulator, engine: AsyncEngine, **overrides: object
) -> AsyncIterator[Harness]:
    async with running_bot(sim, engine, register_everything, **overrides) as stage:
        yield stage
