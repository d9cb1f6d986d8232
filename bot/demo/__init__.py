"""`dangjian demo`: the real bot against the simulator, acting out a scripted scenario."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.demo.stage import Branch, Stage
from simulator import SimUser


@dataclass
class Cast:
    """The people of the demo: the committee's admin and one branch."""

    admin: SimUser
    branch: Branch
    notes: list[str] = field(default_factory=list)

    def narrate(self, text: str) -> None:
        """A line for the printed transcript explaining what happens next."""
        self.notes.append(text)
        print(f"\n=== {text}")  # noqa: T201


Scene = Callable[[Stage, Cast], Awaitable[None]]

# Each capability adds its scene here (bot/demo/<capability>.py).
SCENES: list[tuple[str, str]] = [
    ("org", "bot.demo.org"),
    ("meetings", "bot.demo.meetings"),
    ("study", "bot.demo.study"),
    ("pledges", "bot.demo.pledges"),
    ("notices", "bot.demo.notices"),
    ("requests", "bot.demo.requests"),
    ("oversight", "bot.demo.oversight"),
    ("home", "bot.demo.home"),
    ("training", "bot.demo.training"),
    ("reports", "bot.demo.reports"),
]
