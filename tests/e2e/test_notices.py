"""Notices e2e: /broadcast, preview choices, 确认发送, progress, 收到, /receipts, reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.models import Delivery, Member, Notice, NoticeReceipt, NoticeStatus
from handlers.notices import views
from schedules.notices import refresh_progress, send_due_notices
from tests.harness import Harness

NOT_YOURS = "抱歉，您没有这项权限。发送 /menu 查看您可以使用的功能。"
STALE = "这个按钮已失效。请发送 /help 重新开始。"
RECORDED = "谢谢，已记录您的“收到”确认。"


def shown(h: Harness, at: datetime) -> str:
    """A time as the bot shows it (zh_CN, the configured zone)."""
    settings = h.app.bot_data.settings
    assert settings is not None
    return at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


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

    toast = await h.press(h.admin, "确认发送")
    assert toast == "已开始发送。"
    view = h.admin.last
    assert view.message_id == preview.message_id
    assert "暂停" in view.flat_buttons
    # The confirmation keeps what was done: to whom, how many, 收到 required.
    assert "发送对象：全体党员（5 人）" in view.text
    assert "需要点击“收到”确认：是" in view.text
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
    pressed_at = shown(h, h.clock.now())
    toast = await h.press(first, "收到")
    assert toast == RECORDED
    assert first.last.flat_buttons == [f"✅ 已收到 {pressed_at}"]
    h.clock.advance(minutes=5)
    again = await h.press(first, first.last.flat_buttons[0])
    assert again == f"已记录过：您已于 {pressed_at} 确认收到。"
    assert first.last.flat_buttons == [f"✅ 已收到 {pressed_at}"]
    notice = await _latest_notice(h)
    async with h.sessions() as s:
        member = (await s.exec(select(Member).where(Member.telegram_user_id == first.id))).one()
        mine = list(
            await s.exec(
                select(NoticeReceipt).where(
                    NoticeReceipt.notice_id == notice.id, NoticeReceipt.member_id == member.id
                )
            )
        )
    assert len(mine) == 1
    assert mine[0].acked_at is not None
    assert shown(h, mine[0].acked_at) == pressed_at  # the second press changed nothing

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
    assert one.secretary.callback_answers[-1] == NOT_YOURS
    await one.secretary.press_data(preview.message_id, f"ntc:{notice.id}:br:999")
    await h.settle()
    assert one.secretary.callback_answers[-1] == NOT_YOURS
    await one.secretary.press_data(preview.message_id, f"ntc:{notice.id}:ack:maybe")
    await h.settle()
    assert one.secretary.callback_answers[-1] == STALE
    # Another person cannot act on it, nor can a member press anything.
    await two.secretary.press_data(two.secretary.last.message_id, f"ntc:{notice.id}:send:-")
    await h.settle()
    assert two.secretary.callback_answers[-1] == NOT_YOURS
    await one.members[0].press_data(one.members[0].last.message_id, f"ntc:{notice.id}:send:-")
    await h.settle()
    assert one.members[0].callback_answers[-1].show_alert
    assert one.members[0].callback_answers[-1] == NOT_YOURS
    await one.secretary.press_data(preview.message_id, "ntc:xx:send:-")
    await h.settle()
    assert one.secretary.callback_answers[-1] == STALE
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
    assert one.secretary.callback_answers[-1] == "这条通知当前为“发送中”，预览不能再修改。"
    await h.deliver()
    assert len(_notice_messages(one.members[0], "本支部学习")) == 1
    assert not _notice_messages(two.members[0], "本支部学习")
    async with h.sessions() as s:
        rows = list(await s.exec(select(Delivery)))
    assert len(rows) == 1  # the author is not sent their own notice
    # A plain member cannot broadcast.
    refused = await h.send(one.members[0], "/broadcast 你好")
    assert refused.text == NOT_YOURS


async def test_cancel_preview_sends_nothing(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    preview = await h.send(h.admin, "/broadcast 不发了")
    await h.press(h.admin, "取消")
    notice = await _latest_notice(h)
    assert (
        h.admin.message(preview.message_id).text == f"通知 #{notice.id} 已取消，没有发出任何消息。"
    )
    assert notice.status == NoticeStatus.cancelled
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
    assert await h.press(h.admin, "暂停") == "已暂停。按“继续”之前不再发送。"
    assert "已暂停" in h.admin.message(preview.message_id).text
    assert "继续" in h.admin.message(preview.message_id).flat_buttons
    await h.deliver()
    got = sum(1 for p in [*one.members, one.secretary] if _notice_messages(p, "分批发送"))
    assert got == 2
    # Pressing 暂停 again on an old copy of the buttons changes nothing.
    notice = await _latest_notice(h)
    await h.admin.press_data(preview.message_id, f"ntc:{notice.id}:pause:-")
    await h.settle()
    assert h.admin.callback_answers[-1] == "这条通知当前为“已暂停”，现在不能这样操作。"
    assert await h.press(h.admin, "继续") == "已继续发送。"
    await h.app.bot_data.outbox.run_once(limit=2)
    await h.settle()
    assert await h.press(h.admin, "取消") == "已取消，尚未发出的消息已撤回。"
    await h.deliver()
    await _progress(h)
    final = h.admin.message(preview.message_id)
    assert "已取消" in final.text
    assert "发送前已撤回：3" in final.text
    got = sum(1 for p in [*one.members, one.secretary] if _notice_messages(p, "分批发送"))
    assert got == 4
    report = await h.send(h.admin, "/receipts")
    assert "发送前已撤回：3" in report.text
    assert "已送达 4 · 被屏蔽 0 · 失败 0 · 待发送 0（共 7）" in report.text


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
    assert toast == "已向 3 人发送提醒。"
    await h.deliver()
    reminded = one.members[1].last
    assert reminded.text == "⏰ 提醒：请确认您已阅读以下通知。\n\n请确认"
    assert reminded.flat_buttons == ["收到"]
    assert _notice_messages(one.members[0], "提醒") == []
    # The reminder's 收到 records the same receipt.
    await h.press(one.members[1], "收到", reminded)
    again = await h.press(h.admin, "提醒未确认的 3 人", report)
    assert again == "一小时内已提醒过。60 分钟后可再次提醒。"
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
    assert bad.text == "请按 YYYY-MM-DD HH:MM 格式输入时间，例如 2026-12-01 09:00。"
    past = await h.send(h.admin, "2026-11-01 09:00")
    assert past.text == "该时间已经过去，请输入一个将来的时间。"
    again = await h.send(h.admin, "2026-11-28 09:00")
    assert "发送时间：2026-11-28 09:00" in again.text
    await h.press(h.admin, "确认发送", again)
    confirmation = h.admin.last
    assert confirmation.message_id == again.message_id
    assert "将于 2026-11-28 09:00 发送" in confirmation.text
    assert "发送对象：全体党员（2 人）" in confirmation.text
    assert "需要点击“收到”确认：是" in confirmation.text
    assert confirmation.flat_buttons == ["取消"]
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


async def test_confirmation_and_copies_in_each_readers_language(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = await h.setup_branch("第一党支部", members=2)
    english = one.members[1]
    await h.send(english, "/lang")
    await h.press(english, "English")
    async with h.sessions() as s:
        admin = (await s.exec(select(Member).where(Member.telegram_user_id == h.admin.id))).one()
        admin.locale = "en"
        await s.commit()
    written: list[str] = []
    original = views.copy

    def counting(t, *args, **kw):  # type: ignore[no-untyped-def]
        written.append(t.locale)
        return original(t, *args, **kw)

    monkeypatch.setattr(views, "copy", counting)
    preview = await h.send(h.admin, "/broadcast 双语通知")
    assert "To: All members (3 people)" in preview.text
    assert await h.press(h.admin, "Send now") == "Sending started."
    view = h.admin.message(preview.message_id)
    assert "To: All members (3 people)" in view.text
    assert "Confirmation (收到): required" in view.text
    assert view.flat_buttons == ["Pause", "Cancel", "Receipts"]
    await h.deliver()
    assert english.last.text == "📢 Notice\n\n双语通知"
    assert english.last.flat_buttons == ["Received"]
    assert one.members[0].last.text == "📢 通知\n\n双语通知"
    assert sorted(written) == ["en", "zh_CN"]  # once per language, not per person
