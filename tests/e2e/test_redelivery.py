"""The same update delivered twice records once: webhook retry, poll after a crash/restart."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from bot.demo.stage import WEBHOOK_TEST_SECRET, running_bot
from bot.models import HandledUpdate, Invite
from bot.services import guard
from simulator import BotAPISimulator, SimUser
from tests.e2e.test_webhook import free_port
from tests.harness import START, Harness, register_everything, start_bot


async def invites(h: Harness) -> int:
    async with h.sessions() as s:
        return int((await s.exec(select(func.count()).select_from(Invite))).one())


def the_update(user: SimUser, update_id: int) -> dict[str, Any]:
    """What Telegram would send again: the person's newest message under its update id."""
    typed = [m for m in user.chat if not m.from_bot][-1]
    return {"update_id": update_id, "message": typed.raw}


async def redeliver(sim: BotAPISimulator, update: dict[str, Any]) -> None:
    """Telegram hands out an update again (its offset was never confirmed)."""
    sim._updates.append(update)
    async with sim._cond:
        sim._cond.notify_all()


async def test_webhook_retry_records_once(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    port = free_port()
    async with running_bot(sim, engine, register_everything, webhook_port=port) as h:
        branch = await h.setup_branch(members=0)
        before, replies = await invites(h), len(branch.secretary.bot_messages)
        update_id = await branch.secretary.send("/invite")
        await h.settle()
        assert await invites(h) == before + 1
        update = the_update(branch.secretary, update_id)
        async with httpx.AsyncClient() as client:
            again = await client.post(
                f"http://127.0.0.1:{port}/hook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_TEST_SECRET},
            )
        assert again.status_code == 200
        await h.settle()
        assert await invites(h) == before + 1
        assert len(branch.secretary.bot_messages) == replies + 1


async def test_polling_redelivery_before_and_after_restart(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch(members=0)
        before = await invites(h)
        update_id = await branch.secretary.send("/invite")
        await h.settle()
        update = the_update(branch.secretary, update_id)
        await redeliver(sim, update)  # the same process polls it again
        await h.settle()
        assert await invites(h) == before + 1
    async with start_bot(sim, engine) as h:  # a crash before the offset was confirmed
        replies = len(branch.secretary.bot_messages)
        await redeliver(sim, update)
        await h.settle()
        assert await invites(h) == before + 1
        assert len(branch.secretary.bot_messages) == replies
        assert "/invite" in (await h.send(branch.secretary, "/help")).text


async def test_handled_ids_are_pruned_after_the_redelivery_window(h: Harness) -> None:
    await h.send(h.admin, "/help")
    async with h.sessions() as s:
        assert (await s.exec(select(func.count()).select_from(HandledUpdate))).one() >= 1
        await guard.prune_updates(s, now=START + guard.KEEP_HANDLED / 2)
        assert (await s.exec(select(func.count()).select_from(HandledUpdate))).one() >= 1
        await guard.prune_updates(s, now=START + guard.KEEP_HANDLED * 2)
        assert (await s.exec(select(func.count()).select_from(HandledUpdate))).one() == 0
