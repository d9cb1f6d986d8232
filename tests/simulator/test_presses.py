"""Which press an answer belongs to: the simulator says it, bench.chaos's people read it."""

from __future__ import annotations

import asyncio

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bench.chaos import press_until_answered
from simulator import BotAPISimulator

KB = InlineKeyboardMarkup(
    [[InlineKeyboardButton("签到", callback_data="att:1"), InlineKeyboardButton("收到", callback_data="ack:1")]]
)  # fmt: skip


async def test_an_answer_carries_the_data_of_the_press_it_answers(
    bot: Bot, sim: BotAPISimulator
) -> None:
    user = sim.user(1001, "丽")
    await bot.send_message(1001, "开会", reply_markup=KB)
    await user.press("收到")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    await bot.answer_callback_query(update.callback_query.id, "谢谢")
    assert user.callback_answers == ["谢谢"]
    assert user.callback_answers[0].data == "ack:1"


async def test_a_late_answer_to_another_button_is_not_the_answer_to_this_press(
    bot: Bot, sim: BotAPISimulator
) -> None:
    """A person pressed 签到 again, then went on to 收到; the late answer to that 签到
    is not an answer to 收到 (taken for one, bench.chaos outage stopped pressing 收到
    after a single press and counted it lost while the bot still had it queued)."""
    user = sim.user(1001, "丽")
    m = await bot.send_message(1001, "开会", reply_markup=KB)
    await user.press_data(m.message_id, "att:1")
    (checkin,) = await bot.get_updates()
    pressing = asyncio.create_task(
        press_until_answered(sim, user, (m.message_id, "ack:1"), tries=1, wait=30)
    )
    (ack,) = await bot.get_updates(offset=checkin.update_id + 1, timeout=10)  # its press
    assert checkin.callback_query is not None
    assert ack.callback_query is not None
    await bot.answer_callback_query(checkin.callback_query.id, "已记录过：您已于 12:59 签到。")
    await bot.get_me()  # a round trip: time enough for the task to see that answer
    assert not pressing.done()
    await bot.answer_callback_query(ack.callback_query.id, "谢谢，已记录您的“收到”确认。")
    assert await pressing
