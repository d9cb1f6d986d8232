"""Webhook mode: the same bot fed by Telegram's POSTs, refusing calls without the secret."""

from __future__ import annotations

import socket

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo.stage import WEBHOOK_TEST_SECRET, running_bot
from simulator import BotAPISimulator
from tests.harness import register_everything


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_updates_arrive_by_webhook(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    port = free_port()
    async with running_bot(sim, engine, register_everything, webhook_port=port) as h:
        info = (await h.app.bot.get_webhook_info()).url
        assert info == f"http://127.0.0.1:{port}/hook"
        branch = await h.setup_branch(members=1)
        assert "第一党支部党员1" in (await h.send(branch.members[0], "/me")).text

        # Someone who is not Telegram (no secret header) is turned away unprocessed.
        forged = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 4242, "type": "private"},
                "from": {"id": 4242, "is_bot": False, "first_name": "x"},
                "text": "/help",
            },
        }
        async with httpx.AsyncClient() as client:
            no_secret = await client.post(f"http://127.0.0.1:{port}/hook", json=forged)
            wrong = await client.post(
                f"http://127.0.0.1:{port}/hook",
                json=forged,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_TEST_SECRET + "x"},
            )
        assert no_secret.status_code == 403
        assert wrong.status_code == 403
        await h.settle()
        assert not sim.user(4242, "x").chat
