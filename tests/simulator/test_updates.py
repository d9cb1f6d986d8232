"""getUpdates/webhook semantics and the people API (send, press, block)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden

from simulator import BotAPISimulator, SimUser

KB = InlineKeyboardMarkup(
    [[InlineKeyboardButton("出席", callback_data="att:1"), InlineKeyboardButton("请假", callback_data="leave:1")],
     [InlineKeyboardButton("详情", url="https://example.org/m/1")]]
)  # fmt: skip


@pytest.fixture
def alice(sim: BotAPISimulator) -> SimUser:
    return sim.user(1001, "丽", last_name="王", username="alice")


async def test_send_creates_message_update_with_command_entity(
    bot: Bot, sim: BotAPISimulator, alice: SimUser
) -> None:
    uid = await alice.send("/start abc")
    assert sim.unconfirmed_updates == 1
    (update,) = await bot.get_updates()
    assert update.update_id == uid
    assert update.message is not None
    assert update.message.text == "/start abc"
    assert update.message.from_user is not None
    assert update.message.from_user.id == 1001
    assert update.message.parse_entities() == {update.message.entities[0]: "/start"}
    assert update.message.chat.id == 1001


async def test_offset_confirms_and_drops(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    ids = [await alice.send(f"m{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[:1]
    assert sim.unconfirmed_updates == 3
    got = await bot.get_updates(offset=ids[1])
    assert [u.update_id for u in got] == ids[1:]
    assert sim.unconfirmed_updates == 2
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert sim.unconfirmed_updates == 0
    assert sim.total_updates == 3
    await sim.wait_updates_confirmed(timeout=0.1)


async def test_long_poll_wakes_up(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)  # let the request reach the server
    assert not poll.done()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await alice.send("hello")
    updates = await asyncio.wait_for(poll, 2)
    assert loop.time() - t0 < 1
    assert updates[0].message is not None
    assert updates[0].message.text == "hello"


async def test_long_poll_times_out_empty(http: httpx.AsyncClient) -> None:
    r = await http.post("getUpdates", data={"timeout": "1"})
    assert r.json() == {"ok": True, "result": []}


async def test_wait_updates_confirmed_times_out_helpfully(
    sim: BotAPISimulator, alice: SimUser
) -> None:
    await alice.send("x")
    with pytest.raises(TimeoutError, match="1 update"):
        await sim.wait_updates_confirmed(timeout=0.05)


async def test_wait_updates_confirmed_wakes(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    uid = await alice.send("x")
    waiter = asyncio.create_task(sim.wait_updates_confirmed(timeout=5))
    await bot.get_updates()
    await asyncio.sleep(0)
    assert not waiter.done()
    await bot.get_updates(offset=uid + 1)
    await asyncio.wait_for(waiter, 1)


async def test_press_button(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    m = await bot.send_message(1001, "开会", reply_markup=KB)
    sm = alice.last
    assert sm.buttons == [["出席", "请假"], ["详情"]]
    assert sm.button_data == [["att:1", "leave:1"], [None]]
    assert sm.button_urls == [[None, None], ["https://example.org/m/1"]]
    await alice.press("请假")
    await alice.press("att:1", message=sm)
    u1, u2 = await bot.get_updates()
    assert u1.callback_query is not None
    assert u2.callback_query is not None
    assert u1.callback_query.data == "leave:1"
    assert u2.callback_query.data == "att:1"
    assert u1.callback_query.from_user.id == 1001
    assert u1.callback_query.message is not None
    assert u1.callback_query.message.message_id == m.message_id
    assert u1.callback_query.id != u2.callback_query.id
    assert await bot.answer_callback_query(u1.callback_query.id, "已请假", show_alert=True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(u1.callback_query.id, "again")
    assert alice.alerts == ["已请假"]
    assert alice.alerts[0].show_alert is True
    assert sim.violations == []


async def test_press_missing_button_lists_existing(
    bot: Bot, sim: BotAPISimulator, alice: SimUser
) -> None:
    await bot.send_message(1001, "开会", reply_markup=KB)
    with pytest.raises(AssertionError, match="出席"):
        await alice.press("不存在")


async def test_press_data_forged(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    m = await bot.send_message(1001, "x", reply_markup=KB)
    await alice.press_data(m.message_id, "forged:999")
    (u,) = await bot.get_updates()
    assert u.callback_query is not None
    assert u.callback_query.data == "forged:999"


async def test_edit_and_not_modified(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    m = await bot.send_message(1001, "<b>v1</b>", parse_mode="HTML", reply_markup=KB)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("<b>v1</b>", 1001, m.message_id, parse_mode="HTML",
                                    reply_markup=KB)  # fmt: skip
    e = await bot.edit_message_text("v2", 1001, m.message_id)
    assert not isinstance(e, bool)
    assert e.text == "v2"
    assert e.reply_markup is None  # editing without reply_markup removes the keyboard
    assert alice.last.text == "v2"
    assert alice.last.edited
    assert alice.last.history == ["v1"]
    await bot.edit_message_reply_markup(1001, m.message_id, reply_markup=KB)
    assert alice.last.buttons[0] == ["出席", "请假"]
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(1001, m.message_id, reply_markup=KB)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v3", 1001, 999)
    # the callback carries the message as last edited
    await alice.press("出席")
    (u,) = await bot.get_updates()
    assert u.callback_query is not None
    assert u.callback_query.message is not None
    assert u.callback_query.message.text == "v2"  # type: ignore[attr-defined]
    assert sim.violations == []


async def test_delete_and_transcript(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    await alice.send("/start")
    m1 = await bot.send_message(1001, "欢迎", reply_markup=KB)
    m2 = await bot.send_message(1001, "临时")
    assert await bot.delete_message(1001, m2.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1001, m2.message_id)
    assert [m.message_id for m in alice.chat] == [1, m1.message_id]
    assert alice.transcript() == "> /start\n欢迎\n[ 出席 ] [ 请假 ]\n[ 详情 ]"
    assert [m.text for m in alice.bot_messages] == ["欢迎"]
    assert [m.text for m in sim.sent_messages(1001)] == ["欢迎"]


async def test_block_and_unblock(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    await alice.block()
    (u,) = await bot.get_updates()
    assert u.my_chat_member is not None
    assert u.my_chat_member.old_chat_member.status == "member"
    assert u.my_chat_member.new_chat_member.status == "kicked"
    assert u.my_chat_member.new_chat_member.user.id == sim.bot_id
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "x")
    assert sim.violations == []
    await alice.unblock()
    await bot.send_message(1001, "back")
    assert alice.last.text == "back"


async def test_user_documents_download(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    await alice.send_document("名单.xlsx", b"PK\x03\x04data", caption="导入")
    (u,) = await bot.get_updates()
    assert u.message is not None
    assert u.message.document is not None
    assert u.message.caption == "导入"
    f = await u.message.document.get_file()
    assert bytes(await f.download_as_bytearray()) == b"PK\x03\x04data"


async def test_bot_document_and_photo(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    m = await bot.send_document(1001, b"a,b\n1,2\n", filename="导出.csv", caption="<b>报表</b>",
                                parse_mode="HTML")  # fmt: skip
    assert m.document is not None
    assert m.document.file_name == "导出.csv"
    assert m.caption_html == "<b>报表</b>"
    assert alice.last.document is not None
    assert alice.last.document.content == b"a,b\n1,2\n"
    again = await bot.send_document(1001, m.document.file_id)
    assert again.document is not None
    assert again.document.file_id == m.document.file_id
    p = await bot.send_photo(1001, b"\x89PNG fake")
    assert p.photo
    assert alice.last.photo is not None
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(1001, "nonexistent-file-id")


async def test_commands_per_scope(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat

    await bot.set_my_commands([("start", "开始"), ("help", "帮助")])
    await bot.set_my_commands([("start", "Start")], language_code="en")
    await bot.set_my_commands([("admin", "管理")], scope=BotCommandScopeChat(1001))
    await bot.set_my_commands([("me", "我")], scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    got = await bot.get_my_commands(scope=BotCommandScopeChat(1001))
    assert [c.command for c in got] == ["admin"]
    assert sim.commands({"type": "chat", "chat_id": 1001}) == [
        {"command": "admin", "description": "管理"}
    ]
    assert sim.commands({"type": "all_private_chats"})[0]["command"] == "me"
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button() is True
    assert sim.violations == []


async def test_group_chat(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    g = sim.group(-100123, "第一支部")
    await g.send(alice, "/start@dangjian_test_bot")
    (u,) = await bot.get_updates()
    assert u.message is not None
    assert u.message.chat.type == "group"
    assert u.message.chat.id == -100123
    await bot.send_message(-100123, "大家好", reply_markup=KB)
    await alice.press("出席", message=g.last)
    (_, u2) = await bot.get_updates()
    assert u2.callback_query is not None
    assert u2.callback_query.message is not None
    assert u2.callback_query.message.chat.id == -100123
    chat = await bot.get_chat(-100123)
    assert chat.title == "第一支部"


async def test_webhook_conflict_and_delivery(
    bot: Bot, sim: BotAPISimulator, alice: SimUser
) -> None:
    received: list[dict[str, object]] = []
    secrets: list[str | None] = []
    got_one = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        received.append(json.loads(await request.text()))
        got_one.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await alice.send("before")
        url = f"http://127.0.0.1:{port}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        await asyncio.wait_for(got_one.wait(), 5)
        await alice.send("after")
        await sim.wait_updates_confirmed(timeout=5)
        assert [u["message"]["text"] for u in received] == ["before", "after"]  # type: ignore[index]
        assert secrets == ["s3cret", "s3cret"]
        info = await bot.get_webhook_info()
        assert info.url == url
        assert info.pending_update_count == 0
        assert await bot.delete_webhook()
        assert await bot.get_updates() == ()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


async def test_allowed_updates_filter(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    await alice.send("ignored")
    assert sim.unconfirmed_updates == 0
    await bot.get_updates(allowed_updates=[])
    await alice.send("seen")
    assert sim.unconfirmed_updates == 1


async def test_call_log(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    await bot.send_message(1001, "x")
    rec = sim.calls_to("sendMessage")[-1]
    assert rec.ok
    assert rec.chat_id == 1001
    assert rec.params["text"] == "x"
    assert rec.result["message_id"] == 1


async def test_second_long_poll_terminates_first(
    http: httpx.AsyncClient, sim: BotAPISimulator
) -> None:
    first = asyncio.create_task(http.post("getUpdates", data={"timeout": "5"}))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(http.post("getUpdates", data={"timeout": "0"}))
    r1 = await asyncio.wait_for(first, 2)
    assert r1.status_code == 409
    assert "terminated by other getUpdates" in r1.json()["description"]
    assert (await second).json() == {"ok": True, "result": []}
    assert sim.violations == []


async def test_wait_until(bot: Bot, sim: BotAPISimulator, alice: SimUser) -> None:
    async def later() -> None:
        await asyncio.sleep(0.02)
        await bot.send_message(1001, "提醒")

    task = asyncio.create_task(later())
    await sim.wait_until(lambda: bool(alice.bot_messages), timeout=2)
    assert alice.last.text == "提醒"
    await task
    with pytest.raises(TimeoutError, match="second message"):
        await sim.wait_until(
            lambda: len(alice.bot_messages) > 1, timeout=0.05, what="second message"
        )


async def test_reply_keyboard_tracked(bot: Bot, alice: SimUser) -> None:
    from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove

    await bot.send_message(1001, "选择", reply_markup=ReplyKeyboardMarkup([["签到", "请假"]]))
    assert alice.keyboard == [["签到", "请假"]]
    assert alice.last.buttons == []
    await bot.send_message(1001, "好", reply_markup=ReplyKeyboardRemove())
    assert alice.keyboard is None
