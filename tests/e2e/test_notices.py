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
    assert "第一党支部" in report.text
    assert "第二党支部" in report.text
    assert "第一党支部党员2" in report.text  # not yet confirmed, by name
    async with h.sessions() as s:
        acked = list(
            await s.exec(select(NoticeReceipt).where(col(NoticeReceipt.acked_at).is_not(None)))
        )
    assert len(acked) == 1


def _notice_messages(person: object, needle: str) -> list[object]:
    from simulator import SimUser

    assert isinstance(person, SimUser)
    return [m for m in person.bot_messages if needle in m.text]


async def _latest_notice(h: Harness) -> Notice:
    async with h.sessions() as s:
        return (await s.exec(select(Notice).order_by(col(Notice.id).desc()))).first()  # type: ignore[return-value]


async def test_broadcast_then_text_form_and_branch_choice(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    two = await h.setup_branch("第二党支部", members=1)
    ask = await h.send(h.admin, "/broadcast")
    assert "通知正文" in ask.text
    preview = await h.send(h.admin, "第二支部周六开会")
    assert "第二支部周六开会" in preview.text
    await h.press(h.admin, "选择支部")
    picker = h.admin.message(preview.message_id)
    assert "⬜ 第二党支部" in picker.flat_buttons
    await h.press(h.admin, "⬜ 第二党支部")
    assert "✅ 第二党支部" in h.admin.message(preview.message_id).flat_buttons
    await h.press(h.admin, "完成")
    back = h.admin.message(preview.message_id)
    assert "党支部：第二党支部" in back.text
    assert "（2 人）" in back.text  # the member and the secretary of 第二党支部
    # 收到 not required this time.
    await h.press(h.admin, "✅ 需要“收到”确认")
    assert "⬜ 需要“收到”确认" in h.admin.message(preview.message_id).flat_buttons
    await h.press(h.admin, "确认发送")
    await h.deliver()
    assert _notice_messages(two.members[0], "第二支部周六开会")
    assert two.members[0].last.flat_buttons == []
    assert not _notice_messages(one.members[0], "第二支部周六开会")
    assert not _notice_messages(one.secretary, "第二支部周六开会")


async def test_secretaries_only(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    await h.send(h.admin, "/broadcast 书记会议通知")
    await h.press(h.admin, "仅支部书记")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    assert _notice_messages(one.secretary, "书记会议通知")
    assert not _notice_messages(one.members[0], "书记会议通知")


async def test_secretary_only_own_branch_and_forged_buttons(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    two = await h.setup_branch("第二党支部", members=1)
    preview = await h.send(one.secretary, "/broadcast 本支部学习")
    assert "全体党员" not in preview.flat_buttons
    assert "党支部：第一党支部" in preview.text
    notice = await _latest_notice(h)
    # A forged "everyone" press is refused and changes nothing.
    await one.secretary.press_data(preview.message_id, f"ntc:{notice.id}:tgt:all")
    await h.settle()
    assert "权限" in one.secretary.callback_answers[-1]
    await one.secretary.press_data(preview.message_id, f"ntc:{notice.id}:br:999")
    await h.settle()
    # Another person cannot act on it, nor can a member press anything.
    await two.secretary.press_data(two.secretary.last.message_id, f"ntc:{notice.id}:send:-")
    await h.settle()
    assert "权限" in two.secretary.callback_answers[-1]
    await one.members[0].press_data(one.members[0].last.message_id, f"ntc:{notice.id}:send:-")
    await h.settle()
    assert one.members[0].callback_answers[-1].show_alert
    await one.secretary.press_data(preview.message_id, "ntc:xx:send:-")
    await h.settle()
    assert "已失效" in one.secretary.callback_answers[-1]
    async with h.sessions() as s:
        fresh = await s.get(Notice, notice.id)
        assert fresh is not None
        assert fresh.status == NoticeStatus.draft
        assert fresh.target == "branches"
        assert fresh.branch_ids == [notice.branch_ids[0]]
    await h.press(one.secretary, "确认发送")
    # A second press of 确认发送 (a double tap) sends nothing more.
    await one.secretary.press_data(preview.message_id, f"ntc:{notice.id}:send:-")
    await h.settle()
    assert "不能再修改" in one.secretary.callback_answers[-1]
    await h.deliver()
    assert len(_notice_messages(one.members[0], "本支部学习")) == 1
    assert not _notice_messages(two.members[0], "本支部学习")
    async with h.sessions() as s:
        rows = list(await s.exec(select(Delivery)))
    assert len(rows) == 1  # the author is not sent their own notice
    # A plain member cannot broadcast.
    refused = await h.send(one.members[0], "/broadcast 你好")
    assert "权限" in refused.text


async def test_cancel_preview_sends_nothing(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    preview = await h.send(h.admin, "/broadcast 不发了")
    await h.press(h.admin, "取消")
    assert "没有发出" in h.admin.message(preview.message_id).text
    await h.deliver()
    assert not _notice_messages(one.members[0], "不发了")


async def test_pause_resume_cancel_and_progress(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=6)
    preview = await h.send(h.admin, "/broadcast 分批发送")
    await h.press(h.admin, "确认发送")
    assert h.app.bot_data.outbox is not None
    await h.app.bot_data.outbox.run_once(limit=2)
    await h.settle()
    await _progress(h)
    view = h.admin.message(preview.message_id)
    assert "已发送 2" in view.text
    assert "▓▓░" in view.text
    await h.press(h.admin, "暂停")
    assert "已暂停" in h.admin.message(preview.message_id).text
    assert "继续" in h.admin.message(preview.message_id).flat_buttons
    await h.deliver()
    got = sum(1 for p in [*one.members, one.secretary] if _notice_messages(p, "分批发送"))
    assert got == 2
    # Pressing 暂停 again on an old copy of the buttons changes nothing.
    notice = await _latest_notice(h)
    await h.admin.press_data(preview.message_id, f"ntc:{notice.id}:pause:-")
    await h.settle()
    assert "已暂停" in h.admin.callback_answers[-1]
    await h.press(h.admin, "继续")
    await h.app.bot_data.outbox.run_once(limit=2)
    await h.settle()
    await h.press(h.admin, "取消")
    await h.deliver()
    await _progress(h)
    final = h.admin.message(preview.message_id)
    assert "已取消" in final.text
    assert "发送前已撤回：3" in final.text
    got = sum(1 for p in [*one.members, one.secretary] if _notice_messages(p, "分批发送"))
    assert got == 4
    report = await h.send(h.admin, "/receipts")
    assert "已撤回" in report.text or "发送前已撤回" in report.text


async def test_blocked_recipient_and_faults(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=4)
    blocker, flaky, limited = one.members[0], one.members[1], one.members[2]
    await blocker.block()
    await h.settle()
    h.sim.faults.add("sendMessage", "error500", chat_id=flaky.id)
    h.sim.faults.add("sendMessage", "flood", chat_id=limited.id, delay=3)
    await h.send(h.admin, "/broadcast 故障演练")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    assert not _notice_messages(flaky, "故障演练")
    h.clock.advance(minutes=1)
    await h.deliver()
    for person in [flaky, limited, one.members[3], one.secretary]:
        assert len(_notice_messages(person, "故障演练")) == 1
    assert not _notice_messages(blocker, "故障演练")
    await _progress(h)
    report = await h.send(h.admin, "/receipts")
    assert "被屏蔽 1" in report.text
    assert "已送达 4" in report.text
    assert "第一党支部党员1（已屏蔽机器人）" in report.text


async def test_remind_at_most_hourly_and_export(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=3)
    await h.send(h.admin, "/broadcast 请确认")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    await h.press(one.members[0], "收到")
    report = await h.send(h.admin, "/receipts")
    assert "已确认收到 1 · 未确认 3" in report.text
    toast = await h.press(h.admin, "提醒未确认的 3 人")
    assert "3 人" in toast
    await h.deliver()
    reminded = one.members[1].last
    assert "提醒" in reminded.text
    assert "请确认" in reminded.text
    assert _notice_messages(one.members[0], "提醒") == []
    # The reminder's 收到 records the same receipt.
    await h.press(one.members[1], "收到", reminded)
    again = await h.press(h.admin, "提醒未确认的 3 人", report)
    assert "一小时内" in again
    h.clock.advance(minutes=61)
    await h.press(h.admin, "提醒未确认的 3 人", report)
    await h.deliver()
    assert len(_notice_messages(one.members[2], "请确认您已阅读")) == 2
    assert len(_notice_messages(one.members[1], "请确认您已阅读")) == 1
    await h.press(h.admin, "导出 Excel", report)
    doc = h.admin.last
    assert doc.document is not None
    assert doc.document.filename.endswith(".xlsx")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(doc.document.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "党支部", "送达情况")
    names = {r[0]: r for r in rows[1:]}
    assert names["第一党支部党员1"][3]  # confirmed at
    assert not names["第一党支部党员3"][3]
    assert names["第一党支部党员3"][4]  # reminded at
    assert len(rows) == 5


async def test_scheduled_notice_listed_cancelled_and_sent(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    preview = await h.send(h.admin, "/broadcast 明早九点开会")
    await h.press(h.admin, "定时发送")
    assert "YYYY-MM-DD HH:MM" in h.admin.last.text
    bad = await h.send(h.admin, "明天早上")
    assert "格式" in bad.text
    past = await h.send(h.admin, "2026-11-01 09:00")
    assert "已经过去" in past.text
    again = await h.send(h.admin, "2026-11-28 09:00")
    assert "发送时间：2026-11-28 09:00" in again.text
    await h.press(h.admin, "确认发送", again)
    assert "将于 2026-11-28 09:00 发送" in h.admin.last.text
    del preview
    listing = await h.send(h.admin, "/notices")
    assert "定时待发" in listing.text
    await send_due_notices(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    assert not _notice_messages(one.members[0], "明早九点开会")
    # A second one is cancelled from the list before its time.
    await h.send(h.admin, "/broadcast 取消的定时通知")
    await h.press(h.admin, "定时发送")
    sched = await h.send(h.admin, "2026-11-28 10:00")
    await h.press(h.admin, "确认发送", sched)
    listing = await h.send(h.admin, "/broadcast list")
    second = await _latest_notice(h)
    await h.press(h.admin, f"取消 #{second.id}", listing)
    h.clock.set(h.clock.now() + timedelta(days=1))
    await send_due_notices(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    assert len(_notice_messages(one.members[0], "明早九点开会")) == 1
    assert not _notice_messages(one.members[0], "取消的定时通知")
    # Running the job again (or from another process) sends nothing twice.
    await send_due_notices(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    assert len(_notice_messages(one.members[0], "明早九点开会")) == 1


async def test_document_attachment(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    await h.send(h.admin, "/broadcast")
    await h.admin.send_document("学习材料.pdf", b"%PDF-1.4 demo", caption="请阅读附件")
    await h.settle()
    preview = h.admin.last
    assert "附件：学习材料.pdf" in preview.text
    await h.press(h.admin, "确认发送")
    await h.deliver()
    got = one.members[0].last
    assert got.document is not None
    assert got.document.content == b"%PDF-1.4 demo"
    assert "请阅读附件" in got.text
    await h.press(one.members[0], "收到")
    assert one.members[0].last.flat_buttons[0].startswith("✅")
