"""Notices: what a first real user found (big committees, open forms, exports, long texts)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlmodel import col, select

from bot.models import Branch, Member, Notice
from bot.services import notices as svc
from tests.harness import Harness


async def add_branches(h: Harness, n: int, name: str = "第{i:03d}个社会组织联合党支部") -> None:
    """n more branches, each with one member the simulator knows (so deliveries land)."""
    async with h.sessions() as s:
        branches = [Branch(name=name.format(i=i), created_at=h.clock.now()) for i in range(n)]
        s.add_all(branches)
        await s.flush()
        for i, b in enumerate(branches):
            person = h.person(f"p{i}", user_id=800_000 + i)
            s.add(
                Member(
                    telegram_user_id=person.id,
                    branch_id=b.id,
                    name=f"党员<{i:03d}>&",
                    joined_at=h.clock.now(),
                )
            )
        await s.commit()


async def _latest_notice(h: Harness) -> Notice:
    async with h.sessions() as s:
        notice = (await s.exec(select(Notice).order_by(col(Notice.id).desc()))).first()
    assert notice is not None
    return notice


async def test_receipts_of_a_broadcast_to_300_branches_are_split(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    await add_branches(h, 300)
    await h.send(h.admin, "/broadcast 全体党员请注意")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    before = len(h.admin.bot_messages)
    await h.send(h.admin, "/receipts")
    parts = h.admin.bot_messages[before:]
    assert len(parts) > 1
    text = "\n".join(p.text for p in parts)
    assert "第299个社会组织联合党支部" in text
    assert "党员<299>&" in text
    assert parts[-1].flat_buttons  # remind / export on the last part
    assert all(not p.flat_buttons for p in parts[:-1])


async def test_branch_picker_of_150_branches_fits_and_reaches_the_last(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    await add_branches(h, 150)
    preview = await h.send(h.admin, "/broadcast 部分支部")
    await h.press(h.admin, "选择支部", preview)
    picker = h.admin.message(preview.message_id)
    assert len(picker.flat_buttons) <= 100
    for _ in range(5):
        if "⬜ 第149个社会组织联合党支部" in h.admin.message(preview.message_id).flat_buttons:
            break
        await h.press(h.admin, "▶", h.admin.message(preview.message_id))
    await h.press(h.admin, "⬜ 第149个社会组织联合党支部", h.admin.message(preview.message_id))
    page = h.admin.message(preview.message_id)
    assert "✅ 第149个社会组织联合党支部" in page.flat_buttons  # still on that page
    assert len(page.flat_buttons) <= 100
    await h.press(h.admin, "完成", page)
    assert "（1 人）" in h.admin.message(preview.message_id).text


async def test_long_notice_to_many_chosen_branches_still_previews(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    await add_branches(h, 60, name="第{i:03d}个名字很长很长很长很长的社会组织联合党支部")
    await h.send(h.admin, "/broadcast " + "长" * svc.TEXT_LIMIT)
    notice = await _latest_notice(h)
    async with h.sessions() as s:
        ids = [b.id for b in await s.exec(select(Branch))]
        row = await s.get(Notice, notice.id)
        assert row is not None
        row.branch_ids = ids
        row.target = "branches"  # type: ignore[assignment]
        await s.commit()
    await h.press(h.admin, "✅ 需要“收到”确认")
    view = h.admin.last
    assert "⬜ 需要“收到”确认" in view.flat_buttons, view.text[-300:]
    assert "等另外 56 个党支部（62 人）" in view.text


async def test_schedule_button_keeps_another_half_filled_form(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    preview = await h.send(sec, "/broadcast 本周六学习")
    await h.send(sec, "/newmeeting")
    state_before = await _form(h, sec.id)
    assert state_before == "meeting"
    alert = await h.press(sec, "定时发送", preview)
    assert alert == "您还有一个表单没有填完。请先填完，或发送 /cancel，然后再点“定时发送”。"
    assert await _form(h, sec.id) == state_before


async def test_broadcast_with_text_keeps_another_half_filled_form(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    sec = branch.secretary
    await h.send(sec, "/newmeeting")
    state_before = await _form(h, sec.id)
    await h.send(sec, "/broadcast 本周六学习")
    assert await _form(h, sec.id) == state_before


async def _form(h: Harness, user_id: int) -> str | None:
    from bot.services import forms

    async with h.sessions() as s:
        state = await forms.current(s, telegram_user_id=user_id)
        return state.form if state else None


async def test_send_now_after_asking_for_a_time_closes_the_time_question(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    preview = await h.send(h.admin, "/broadcast 马上发")
    await h.press(h.admin, "定时发送", preview)
    await h.press(h.admin, "确认发送", preview)
    assert await _form(h, h.admin.id) is None


async def test_export_keeps_names_that_look_like_formulas_as_text(h: Harness) -> None:
    branch = await h.setup_branch(
        "第一党支部", members=1, member_names=['=HYPERLINK("http://x.example","点我")']
    )
    del branch
    await h.send(h.admin, "/broadcast 请确认")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    report = await h.send(h.admin, "/receipts")
    await h.press(h.admin, "导出 Excel", report)
    ws = load_workbook(BytesIO(h.admin.last.document.content)).active  # type: ignore[union-attr]
    assert ws is not None
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]


async def test_secretary_cannot_page_the_branch_picker(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    await add_branches(h, 45)
    preview = await h.send(branch.secretary, "/broadcast 本支部")
    notice = await _latest_notice(h)
    await branch.secretary.press_data(preview.message_id, f"ntc:{notice.id}:brp:1")
    await h.settle()
    assert branch.secretary.callback_answers[-1] == (
        "抱歉，您没有这项权限。发送 /menu 查看您可以使用的功能。"
    )
    assert branch.secretary.message(preview.message_id).text == preview.text


async def test_a_failed_progress_edit_is_retried_on_the_next_tick(h: Harness) -> None:
    from schedules.notices import refresh_progress

    one = await h.setup_branch("第一党支部", members=2)
    del one
    preview = await h.send(h.admin, "/broadcast 进度重试")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    h.sim.faults.add("editMessageText", "error500", count=10, chat_id=h.admin.id)
    h.clock.advance(seconds=5)
    await refresh_progress(h.app.bot_data, now=h.clock.now())
    await h.settle()
    assert "暂停" in h.admin.message(preview.message_id).flat_buttons  # the edit failed
    h.sim.faults.clear()
    h.clock.advance(seconds=5)
    await refresh_progress(h.app.bot_data, now=h.clock.now())
    await h.settle()
    view = h.admin.message(preview.message_id)
    assert "已发送 3" in view.text
    assert "暂停" not in view.flat_buttons


async def test_time_left_after_a_long_pause_counts_only_sending_time(h: Harness) -> None:
    from schedules.notices import refresh_progress

    await h.setup_branch("第一党支部", members=5)
    preview = await h.send(h.admin, "/broadcast 暂停很久")
    await h.press(h.admin, "确认发送")
    outbox = h.app.bot_data.outbox
    assert outbox is not None
    h.clock.advance(seconds=2)
    await outbox.run_once(limit=2)
    await h.press(h.admin, "暂停", preview)
    h.clock.advance(hours=3)
    await h.press(h.admin, "继续", h.admin.message(preview.message_id))
    h.clock.advance(seconds=2)
    await outbox.run_once(limit=2)
    await h.settle()
    h.clock.advance(seconds=1)
    await refresh_progress(h.app.bot_data, now=h.clock.now())
    await h.settle()
    view = h.admin.message(preview.message_id)
    assert "已发送 4" in view.text
    assert "秒" in view.text, view.text  # seconds left, not hours


async def test_cancelling_one_scheduled_notice_from_the_list_keeps_the_list(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    for text, when in (("第一条定时", "2026-11-28 09:00"), ("第二条定时", "2026-11-28 10:00")):
        preview = await h.send(h.admin, f"/broadcast {text}")
        await h.press(h.admin, "定时发送", preview)
        timed = await h.send(h.admin, when)
        await h.press(h.admin, "确认发送", timed)
    listing = await h.send(h.admin, "/notices")
    labels = list(listing.flat_buttons)
    assert len(labels) == 2
    await h.press(h.admin, labels[0], listing)
    after = h.admin.message(listing.message_id)
    assert "第一条定时" in after.text
    assert "已取消" in after.text
    assert after.flat_buttons == [labels[1]]


async def test_broadcast_starting_with_the_word_list_is_a_notice(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    preview = await h.send(h.admin, "/broadcast list of documents for Friday")
    assert "list of documents for Friday" in preview.text
    assert "确认发送" in preview.flat_buttons


async def test_a_deleted_progress_view_does_not_keep_the_notice_sending(h: Harness) -> None:
    from bot.models import NoticeStatus
    from schedules.notices import refresh_progress

    await h.setup_branch("第一党支部", members=5)
    preview = await h.send(h.admin, "/broadcast 删掉进度消息")
    await h.press(h.admin, "确认发送")
    outbox = h.app.bot_data.outbox
    assert outbox is not None
    await outbox.run_once(limit=2)
    h.admin.message(preview.message_id).deleted = True  # the admin deleted it
    h.clock.advance(seconds=5)
    await refresh_progress(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    h.clock.advance(seconds=5)
    await refresh_progress(h.app.bot_data, now=h.clock.now())
    notice = await _latest_notice(h)
    assert notice.status == NoticeStatus.done
    listing = await h.send(h.admin, "/notices")
    assert "已发送" in listing.text


async def test_a_forged_remind_of_a_notice_without_received_says_why(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    preview = await h.send(h.admin, "/broadcast 无需确认")
    await h.press(h.admin, "✅ 需要“收到”确认", preview)
    await h.press(h.admin, "确认发送", h.admin.message(preview.message_id))
    await h.deliver()
    notice = await _latest_notice(h)
    await h.admin.press_data(preview.message_id, f"ntc:{notice.id}:remind:-")
    await h.settle()
    assert h.admin.callback_answers[-1] == "这条通知没有要求点“收到”确认，无需提醒。"


async def test_the_send_time_question_survives_a_restart(sim, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.harness import start_bot

    async with start_bot(sim, engine) as h:
        await h.setup_branch("第一党支部", members=1)
        preview = await h.send(h.admin, "/broadcast 重启后定时")
        await h.press(h.admin, "定时发送", preview)
    async with start_bot(sim, engine) as h:
        timed = await h.send(h.admin, "2026-11-28 09:00")
        assert "发送时间：2026-11-28 09:00" in timed.text
        await h.press(h.admin, "确认发送", timed)
        assert "将于 2026-11-28 09:00 发送" in h.admin.last.text
