"""Notices e2e: /broadcast, preview choices, 确认发送, progress, 收到, /receipts, reminders."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.models import Delivery, Notice, NoticeReceipt, NoticeStatus
from schedules.notices import refresh_progress, send_due_notices
from tests.harness import Harness


async def _progress(h: Harness, seconds: float = 5) -> None:
    h.clock.advance(seconds=seconds)
    await refresh_progress(h.app.bot_data, now=h.clock.now())
    await h.settle()


async def test_admin_broadcast_confirm_and_receipts(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=2)
    two = await h.setup_branch("第二党支部", members=1)
    preview = await h.send(h.admin, "/broadcast 请于 <周五> 前提交材料")
    assert "请于 &lt;周五&gt; 前提交材料" in preview.html
    assert "确认发送" in preview.flat_buttons
    # Nothing is sent before 确认发送.
    await h.deliver()
    assert all("请于" not in m.text for m in one.members[0].chat)

    await h.press(h.admin, "确认发送")
    view = h.admin.last
    assert view.message_id == preview.message_id
    assert "暂停" in view.flat_buttons
    await h.deliver()
    await _progress(h)
    done = h.admin.message(preview.message_id)
    assert "已发送" in done.text
    assert "暂停" not in done.flat_buttons

    everyone = [*one.members, one.secretary, *two.members, two.secretary]
    for person in everyone:
        got = person.last
        assert "请于 <周五> 前提交材料" in got.text
        assert got.flat_buttons == ["收到"]

    first = one.members[0]
    toast = await h.press(first, "收到")
    assert "已记录" in toast or "记录" in toast
    assert first.last.flat_buttons[0].startswith("✅")
    again = await h.press(first, first.last.flat_buttons[0])
    assert "已经" in again or "已记录" in again

    report = await h.send(h.admin, "/receipts")
    assert "第一党支部" in report.text and "第二党支部" in report.text
    assert "第一党支部党员2" in report.text  # not yet confirmed, by name
    async with h.sessions() as s:
        acked = list(
            await s.exec(select(NoticeReceipt).where(col(NoticeReceipt.acked_at).is_not(None)))
        )
    assert len(acked) == 1
