"""One person flooding the bot is asked once to slow down and throttled; others still get answers."""

from __future__ import annotations

import asyncio

from handlers.guard import FloodGuard
from tests.harness import Harness


async def test_flooding_person_is_told_once_and_others_are_answered(h: Harness) -> None:
    branch = await h.setup_branch(members=3)
    flooder, others = branch.members[0], branch.members[1:]
    await h.settle()
    before = len(flooder.bot_messages)

    async def flood() -> None:
        for i in range(50):  # 50 messages at once, none waiting for its answer
            await flooder.send(f"/me {i}")

    async def ask(person: object) -> None:
        await asyncio.sleep(0.3)
        await person.send("/me")  # type: ignore[attr-defined]

    await asyncio.gather(flood(), *(ask(p) for p in others))
    await h.settle()
    said = [m.text for m in flooder.bot_messages[before:]]
    slow = [t for t in said if "太快" in t]
    assert len(slow) == 1, said
    assert len(said) <= 12  # the rest were dropped
    for person in others:
        assert "第一党支部" in person.last.text


def test_flood_guard_counts_a_window_and_pauses() -> None:
    g = FloodGuard(burst=3, window=1.0, pause=10.0)
    verdicts = [g.check(1, 0.1 * i, waiting=1) for i in range(5)]
    assert verdicts == ["ok", "ok", "ok", "throttle", "drop"]
    assert g.check(2, 0.5, waiting=1) == "ok"  # someone else is not affected
    assert g.check(1, 5.0) == "drop"
    assert g.check(1, 10.4) == "ok"  # the pause is over
    # Waiting for each answer is never a flood, however fast.
    assert [g.check(3, 0.01 * i) for i in range(100)] == ["ok"] * 100
    g = FloodGuard(burst=30, window=1.0, pause=10.0, backlog=5)
    assert g.check(4, 0.0, waiting=1) == "ok"
    assert g.check(4, 0.1, waiting=5) == "throttle"  # five still waiting: not a person typing
