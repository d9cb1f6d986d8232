"""The real python-telegram-bot Application polling the simulator, end to end."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from simulator import BotAPISimulator

blocked_events: list[int] = []


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    kb = InlineKeyboardMarkup(
        [[InlineKeyboardButton("出席", callback_data="rsvp:yes"),
          InlineKeyboardButton("请假", callback_data="rsvp:no")]]
    )  # fmt: skip
    args = " ".join(context.args or [])
    await update.effective_message.reply_html(f"<b>支部会议</b> {args}".strip(), reply_markup=kb)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"你说: {update.effective_message.text}")


async def rsvp(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    q = update.callback_query
    assert q is not None
    answer = "已出席" if q.data == "rsvp:yes" else "已请假"
    await q.answer(answer)
    await q.edit_message_text(f"<b>支部会议</b>\n你的回复: {answer}", parse_mode="HTML")


async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.my_chat_member is not None
    if update.my_chat_member.new_chat_member.status == "kicked":
        blocked_events.append(update.my_chat_member.chat.id)


@pytest.fixture
async def app(sim: BotAPISimulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        Application.builder()
        .token(sim.token)
        .base_url(sim.base_url)
        .base_file_url(sim.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(rsvp))
    application.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=5, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        yield application
        await application.updater.stop()
        await application.stop()


async def test_conversation(app: Application, sim: BotAPISimulator) -> None:  # type: ignore[type-arg]
    u = sim.user(2001, "明", username="ming")
    await u.send("/start 三月")
    await sim.wait_idle()
    assert u.last.text == "支部会议 三月"
    assert u.last.buttons == [["出席", "请假"]]
    await u.press("请假")
    await sim.wait_idle()
    assert u.alerts == ["已请假"]
    assert u.last.text == "支部会议\n你的回复: 已请假"
    assert u.last.buttons == []
    await u.send("你好")
    await sim.wait_idle()
    assert u.transcript() == (
        "> /start 三月\n支部会议\n你的回复: 已请假 (edited)\n> 你好\n你说: 你好"
    )
    await u.block()
    await sim.wait_idle()
    assert blocked_events == [2001]
    assert sim.violations == []


async def test_many_users(app: Application, sim: BotAPISimulator) -> None:  # type: ignore[type-arg]
    users = [sim.user(3000 + i, f"用户{i}") for i in range(50)]
    for user in users:
        await user.send(f"hi {user.user_id}")
    # A bound on waiting, not a speed claim: a loaded machine may take a while.
    await sim.wait_idle(timeout=120)
    assert all(user.last.text == f"你说: hi {user.user_id}" for user in users)
    assert sim.unconfirmed_updates == 0


async def test_stop_with_pending_long_poll_is_fast() -> None:
    sim = BotAPISimulator()
    await sim.start()
    application = Application.builder().token(sim.token).base_url(sim.base_url).build()
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=30)
        await application.start()
        t0 = time.monotonic()
        await application.updater.stop()
        await application.stop()
    await sim.stop()
    # Far below the 30 s long poll it would wait for if stopping did not cut it short.
    assert time.monotonic() - t0 < 15
