"""Every call is validated against the Bot API spec; rejections land in sim.violations."""

from __future__ import annotations

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken

from simulator import BotAPISimulator


async def test_get_me_plain_http(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    r = await http.get("getMe")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True
    assert body["result"]["username"] == "dangjian_test_bot"
    assert body["result"]["is_bot"] is True
    assert sim.violations == []


async def test_method_names_are_case_insensitive(http: httpx.AsyncClient) -> None:
    assert (await http.post("getme")).json()["ok"] is True


async def test_wrong_token_is_401(sim: BotAPISimulator) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{sim.base_url}999:WRONG/getMe")
    assert r.status_code == 401
    assert r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_wrong_token_ptb(sim: BotAPISimulator) -> None:
    bot = Bot("999:WRONG", base_url=sim.base_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()


async def test_unknown_method_is_404(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    r = await http.post("sendTelepathy", data={"chat_id": "1"})
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [v["method"] for v in sim.violations] == ["sendTelepathy"]


async def test_missing_chat_id(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    r = await http.post("sendMessage", data={"text": "hi"})
    assert r.status_code == 400
    assert r.json()["description"] == "Bad Request: chat_id is empty"
    assert sim.violations[0]["description"] == "Bad Request: chat_id is empty"


async def test_empty_text(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    r = await http.post("sendMessage", data={"chat_id": "7", "text": "   "})
    assert r.json()["description"] == "Bad Request: message text is empty"


async def test_wrong_type(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    r = await http.post("sendMessage", data={"chat_id": "7", "text": "x", "message_thread_id": "a"})
    assert r.status_code == 400
    assert "message_thread_id" in r.json()["description"]
    r = await http.post(
        "sendMessage", data={"chat_id": "7", "text": "x", "disable_notification": "maybe"}
    )
    assert r.status_code == 400
    assert len(sim.violations) == 2


async def test_json_and_get_bodies(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    r = await http.post("sendMessage", json={"chat_id": 7, "text": "json"})
    assert r.json()["result"]["text"] == "json"
    r = await http.get("sendMessage", params={"chat_id": "7", "text": "get"})
    assert r.json()["result"]["message_id"] == 2
    r = await http.post("sendMessage", json={"chat_id": 7, "text": 5})
    assert r.status_code == 200  # Telegram coerces numbers to strings in JSON bodies


async def test_too_long_text_ptb(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    await bot.send_message(7, "长" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(7, "长" * 4097)
    # UTF-16: 2049 emoji = 4098 code units
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(7, "🙂" * 2049)
    assert [v["description"] for v in sim.violations] == ["Bad Request: message is too long"] * 2


async def test_too_long_caption(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(7, b"x", filename="a.txt", caption="c" * 1025)


async def test_callback_data_65_bytes(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="党" * 21)]])  # 63 bytes
    await bot.send_message(7, "x", reply_markup=ok)
    bad = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="党" * 21 + "xx")]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(7, "x", reply_markup=bad)
    assert sim.violations[-1]["description"] == "Bad Request: BUTTON_DATA_INVALID"


async def test_text_only_inline_button(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    markup = '{"inline_keyboard": [[{"text": "no action"}]]}'
    r = await http.post("sendMessage", data={"chat_id": "7", "text": "x", "reply_markup": markup})
    assert r.status_code == 400
    assert "Text buttons are unallowed" in r.json()["description"]
    markup = '{"inline_keyboard": [{"text": "not a row"}]}'
    r = await http.post("sendMessage", data={"chat_id": "7", "text": "x", "reply_markup": markup})
    assert r.status_code == 400
    assert "inline_keyboard" in r.json()["description"]


async def test_broken_html(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(7, "<b>unclosed", parse_mode=ParseMode.HTML)
    assert sim.violations[-1]["description"] == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await bot.send_message(7, "a<br>b", parse_mode=ParseMode.HTML)
    assert len(sim.violations) == 2


async def test_text_html_round_trip(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    src = '<b>会议</b> &lt;通知&gt; &amp; <i>时间</i> <a href="https://example.org/">链接</a> 🙂'
    m = await bot.send_message(7, src, parse_mode=ParseMode.HTML)
    assert m.text == "会议 <通知> & 时间 链接 🙂"
    assert m.text_html == src
    assert m.from_user is not None
    assert m.from_user.is_bot
    assert m.chat.type == "private"
    assert sim.user(7, "A").last.html == src
    assert sim.violations == []


async def test_legit_errors_are_not_violations(bot: Bot, sim: BotAPISimulator) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(404, "x")
    assert sim.violations == []
    assert sim.calls[-1].error_code == 400


async def test_unimplemented_methods(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(7, "A")
    assert await bot.set_my_description("党建") is True  # Boolean-returning: accepted as no-op
    with pytest.raises(BadRequest, match="not supported by the simulator"):
        await bot.send_dice(7)
    assert sim.violations[-1]["method"] == "sendDice"


async def test_set_my_commands_validation(bot: Bot, sim: BotAPISimulator) -> None:
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start-Now", "x")])
