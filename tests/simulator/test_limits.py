"""Rate limits (429 + retry_after) and injected faults."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TimedOut

from simulator import BotAPISimulator, Chaos, RateLimits
from simulator.limits import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_windows() -> None:
    clock = FakeClock()
    lim = RateLimiter(RateLimits(enabled=True, global_per_second=3, per_chat_per_second=1), clock)
    assert lim.check(1) is None
    assert lim.check(1) == 1  # second send to the same private chat within 1 s
    assert lim.check(2) is None
    assert lim.check(3) is None
    assert lim.check(4) == 1  # 4th send overall within 1 s
    clock.now += 1.0
    assert lim.check(1) is None
    assert lim.check(4) is None


def test_group_window_and_fractional_rates() -> None:
    clock = FakeClock()
    lim = RateLimiter(
        RateLimits(enabled=True, global_per_second=1000, per_group_per_minute=2,
                   per_chat_per_second=1.5),
        clock,
    )  # fmt: skip
    assert lim.check(-5) is None
    clock.now += 10
    assert lim.check(-5) is None
    clock.now += 10
    assert lim.check(-5) == 40  # frees when the first send leaves the 60 s window
    clock.now += 40
    assert lim.check(-5) is None
    # burst = ceil(1.5) = 2 for private chats
    assert lim.check(9) is None
    assert lim.check(9) is None
    assert lim.check(9) == 1


def test_fixed_retry_after_and_disabled() -> None:
    lim = RateLimiter(RateLimits(enabled=True, per_chat_per_second=1, retry_after=7), FakeClock())
    assert lim.check(1) is None
    assert lim.check(1) == 7
    off = RateLimiter(RateLimits(), FakeClock())
    assert all(off.check(1) is None for _ in range(100))


async def test_429_shape_and_ptb_retry_after(
    bot: Bot, sim: BotAPISimulator, http: httpx.AsyncClient
) -> None:
    sim.user(1, "A")
    sim.user(2, "B")
    clock = FakeClock()
    sim.clock = clock
    sim.limits = RateLimits(enabled=True, global_per_second=30, per_chat_per_second=1)
    await bot.send_message(1, "first")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "second")
    assert "Retry in 1 " in str(info.value)
    await bot.send_message(2, "other chat is fine")
    r = await http.post("sendMessage", data={"chat_id": "2", "text": "again"})
    assert r.status_code == 429
    assert r.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert sim.stats["429"] == 2
    assert sim.violations == []
    assert await bot.get_me()  # non-send methods are not limited
    clock.now += 1
    await bot.send_message(1, "second, later")
    assert [m.text for m in sim.user(1, "A").bot_messages] == ["first", "second, later"]


async def test_fault_500_and_502(bot: Bot, sim: BotAPISimulator, http: httpx.AsyncClient) -> None:
    sim.user(1, "A")
    sim.faults.add("sendMessage", "error500")
    sim.faults.add("sendMessage", "error502", chat_id=1)
    r = await http.post("sendMessage", data={"chat_id": "1", "text": "x"})
    assert r.status_code == 500
    assert r.json()["error_code"] == 500
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    await bot.send_message(1, "x")  # faults are one-shot
    assert len(sim.user(1, "A").bot_messages) == 1
    assert sim.violations == []


async def test_fault_filters_by_method_and_chat(
    http: httpx.AsyncClient, sim: BotAPISimulator
) -> None:
    sim.user(1, "A")
    sim.user(2, "B")
    sim.faults.add("sendMessage", "error500", count=2, chat_id=2)
    assert (await http.get("getMe")).status_code == 200
    assert (await http.post("sendMessage", data={"chat_id": "1", "text": "x"})).status_code == 200
    assert (await http.post("sendMessage", data={"chat_id": "2", "text": "x"})).status_code == 500
    assert len(sim.faults) == 1
    sim.faults.clear()
    assert (await http.post("sendMessage", data={"chat_id": "2", "text": "x"})).status_code == 200


async def test_fault_drop(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    sim.user(1, "A")
    sim.faults.add("sendMessage", "drop")
    with pytest.raises(httpx.TransportError):
        await http.post("sendMessage", data={"chat_id": "1", "text": "lost"})
    assert sim.user(1, "A").bot_messages == []
    sim.faults.add("sendMessage", "drop_after")
    with pytest.raises(httpx.TransportError):
        await http.post("sendMessage", data={"chat_id": "1", "text": "sent, answer lost"})
    assert [m.text for m in sim.user(1, "A").bot_messages] == ["sent, answer lost"]
    r = await http.post("sendMessage", data={"chat_id": "1", "text": "ok"})
    assert r.status_code == 200


async def test_fault_drop_ptb(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(1, "A")
    sim.faults.add("sendMessage", "drop")
    with pytest.raises(NetworkError):
        await bot.send_message(1, "lost")


async def test_fault_slow(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(1, "A")
    sim.faults.add("sendMessage", "slow", delay=0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "x", read_timeout=0.05)
    await asyncio.sleep(0.35)  # the slow call still completes server-side
    assert len(sim.user(1, "A").bot_messages) == 1
    sim.faults.add("getMe", "slow", delay=0.05)
    assert await bot.get_me()


async def test_fault_flood(bot: Bot, sim: BotAPISimulator) -> None:
    sim.user(1, "A")
    sim.faults.add("sendMessage", "flood", delay=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "x")
    assert "Retry in 3 " in str(info.value)
    assert sim.stats["429"] == 1


def test_chaos_rates_are_seeded_and_roughly_right() -> None:
    def kinds(seed: int) -> list[str | None]:
        chaos = Chaos(error5xx=0.10, drop=0.05, slow=0.05, flood=0.01, flood_burst=5, seed=seed)
        out = []
        for i in range(10_000):
            fault = chaos.pick("sendMessage", i)
            out.append(fault.kind if fault else None)
        return out

    first = kinds(15)
    assert first == kinds(15)  # reproducible
    assert first != kinds(16)
    share = {k: first.count(k) / len(first) for k in set(first)}
    assert 0.07 < share["error500"] + share["error502"] < 0.12
    assert 0.03 < share["drop"] + share["drop_after"] < 0.06
    assert 0.03 < share["slow"] < 0.06
    assert 0.02 < share["flood"] < 0.08  # 1 % of sends start a burst of 5
    assert Chaos(error5xx=1.0).pick("getUpdates", None) is None  # polling is spared
    assert not Chaos().active


async def test_chaos_through_http(http: httpx.AsyncClient, sim: BotAPISimulator) -> None:
    user = sim.user(1, "A")
    sim.chaos = Chaos(drop=1.0, drop_after_share=1.0)
    with pytest.raises(httpx.TransportError):
        await http.post("sendMessage", data={"chat_id": "1", "text": "sent, answer lost"})
    assert [m.text for m in user.bot_messages] == ["sent, answer lost"]
    assert [c.params["text"] for c in sim.lost_answers] == ["sent, answer lost"]
    sim.chaos = Chaos(flood=1.0, flood_burst=2, flood_retry_after=3)
    for _ in range(2):
        r = await http.post("sendMessage", data={"chat_id": "1", "text": "x"})
        assert r.status_code == 429
        assert r.json()["parameters"]["retry_after"] == 3
    sim.chaos = Chaos()
    assert (await http.post("sendMessage", data={"chat_id": "1", "text": "x"})).status_code == 200
    assert sim.violations == []


async def test_unanswered_presses_are_listed(bot: Bot, sim: BotAPISimulator) -> None:
    user = sim.user(1, "A")
    await bot.send_message(
        1,
        "pick",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("go", callback_data="go:1")
        ),
    )
    await user.press("go")
    assert sim.unanswered_callbacks() == [(1, "go:1")]
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    await update.callback_query.answer()
    assert sim.unanswered_callbacks() == []
