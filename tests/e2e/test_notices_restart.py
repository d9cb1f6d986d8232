"""Notices survive a restart: an open /broadcast form and a broadcast half sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from bot.models import Delivery, DeliveryStatus, Notice, NoticeReceipt, NoticeStatus
from schedules.notices import refresh_progress
from simulator import BotAPISimulator
from tests.harness import start_bot


async def test_broadcast_resumes_after_restart(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch("第一党支部", members=5)
        people = [*branch.members, branch.secretary]
        await h.send(h.admin, "/broadcast")  # the form is open when the bot stops
    async with start_bot(sim, engine) as h:
        preview = await h.send(h.admin, "重启前后的通知")
        assert "重启前后的通知" in preview.text
        await h.press(h.admin, "确认发送")
        assert h.app.bot_data.outbox is not None
        await h.app.bot_data.outbox.run_once(limit=2)
        await h.settle()
    # A new process on the same database finishes the job; nobody gets it twice.
    async with start_bot(sim, engine) as h:
        await h.deliver()
        for person in people:
            assert len([m for m in person.bot_messages if "重启前后的通知" in m.text]) == 1
        h.clock.advance(seconds=10)
        await refresh_progress(h.app.bot_data, now=h.clock.now())
        await h.settle()
        view = h.admin.message(preview.message_id)
        assert "已发送 6" in view.text
        await h.press(people[0], "收到")
        async with h.sessions() as s:
            notice = (await s.exec(select(Notice))).one()
            assert notice.status == NoticeStatus.done
            sent = (
                await s.exec(select(func.count()).where(Delivery.status == DeliveryStatus.sent))
            ).one()
            receipts = list(await s.exec(select(NoticeReceipt)))
        assert sent == 6
        assert len(receipts) == 6
        assert sum(1 for r in receipts if r.acked_at is not None) == 1
