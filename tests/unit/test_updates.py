"""One person's updates run one at a time, in order; different people's run side by side."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.updates import PerUserUpdateProcessor


def update_from(user_id: int, update_id: int) -> Update:
    chat = Chat(user_id, Chat.PRIVATE)
    user = User(user_id, "p", is_bot=False)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user))


async def test_a_third_update_waits_for_the_second_after_the_first_ends() -> None:
    processor = PerUserUpdateProcessor(8)
    running: list[int] = []
    overlaps: list[tuple[int, ...]] = []
    gates = {n: asyncio.Event() for n in (1, 2, 3)}

    async def handle(n: int) -> None:
        running.append(n)
        if len(running) > 1:
            overlaps.append(tuple(running))
        await gates[n].wait()
        running.remove(n)

    first = asyncio.create_task(processor.do_process_update(update_from(7, 1), handle(1)))
    second = asyncio.create_task(processor.do_process_update(update_from(7, 2), handle(2)))
    await asyncio.sleep(0.01)
    assert running == [1]
    gates[1].set()
    await first  # the second now holds (or is about to hold) the person's lock
    third = asyncio.create_task(processor.do_process_update(update_from(7, 3), handle(3)))
    await asyncio.sleep(0.01)
    assert running == [2]
    gates[2].set()
    await second
    gates[3].set()
    await third
    assert overlaps == []
    assert processor._locks == {}


async def test_different_people_are_not_held_by_each_other() -> None:
    processor = PerUserUpdateProcessor(8)
    gate = asyncio.Event()
    started: list[int] = []

    async def handle(n: int) -> None:
        started.append(n)
        await gate.wait()

    tasks = [
        asyncio.create_task(processor.do_process_update(update_from(uid, uid), handle(uid)))
        for uid in (1, 2, 3)
    ]
    await asyncio.sleep(0.01)
    assert sorted(started) == [1, 2, 3]
    gate.set()
    await asyncio.gather(*tasks)
