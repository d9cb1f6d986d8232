"""Every capability's demo scene played on one stage: a branch with every kind of record."""

from __future__ import annotations

import importlib

from bot.demo import SCENES, Cast, Scene
from bot.demo.org import setup
from tests.harness import Harness


async def play_demo(h: Harness) -> Cast:
    cast = await setup(h)
    for _name, module_name in SCENES[1:]:
        scene: Scene = importlib.import_module(module_name).scene
        await scene(h, cast)
    await h.deliver()
    return cast
