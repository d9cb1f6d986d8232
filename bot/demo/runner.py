"""Runs the demo: simulator, a fresh migrated SQLite file, the real bot, every scene."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path

from bot.app import Register
from bot.db import make_engine
from bot.demo import SCENES, Cast, Scene
from bot.demo.org import setup
from bot.demo.stage import Stage, running_bot
from bot.migrate import upgrade
from simulator import BotAPISimulator, SimUser


class Transcript:
    """Prints what each person saw since the last call, as they saw it."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.seen: dict[int, int] = {}

    def people(self) -> list[SimUser]:
        return list(self.stage.sim.users)

    def flush(self) -> None:
        for person in self.people():
            chat = person.chat
            start = self.seen.get(person.id, 0)
            if start >= len(chat):
                continue
            print(f"\n--- {person.first_name} (id {person.id}) ---")  # noqa: T201
            for message in chat[start:]:
                print(message.render())  # noqa: T201
            self.seen[person.id] = len(chat)


async def run_demo(register: Register) -> int:
    """Play every scene; returns the exit code (1 if the bot broke the Bot API)."""
    with tempfile.TemporaryDirectory(prefix="dangjian-demo-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        await upgrade(url)
        engine = make_engine(url)
        try:
            async with (
                BotAPISimulator(bot_username="dangjian_demo_bot") as sim,
                running_bot(sim, engine, register) as stage,
            ):
                transcript = Transcript(stage)
                cast: Cast = await setup(stage)
                transcript.flush()
                for _name, module_name in SCENES[1:]:
                    scene: Scene = importlib.import_module(module_name).scene
                    await scene(stage, cast)
                    transcript.flush()
                if sim.violations:
                    print(f"\nThe bot made {len(sim.violations)} invalid Bot API calls:")  # noqa: T201
                    for v in sim.violations:
                        print(f"  {v}")  # noqa: T201
                    return 1
        finally:
            await engine.dispose()
    print("\nDemo finished: every call the bot made was valid Bot API 10.1.")  # noqa: T201
    return 0
