"""Benchmark, a real broadcast: the admin's /broadcast to 5,000 members keeps the bot responsive.

The bot runs in its own process against the simulator with scaled limits (bench.common).
An admin types /broadcast and presses 确认发送 (the notices feature, not a hand-made batch);
5,000 members get the notice with 收到. Meanwhile 50 of them keep sending /me and press 收到
once their copy arrives. Printed side by side from one run: /me latency with the bot idle and
during the broadcast (ratio), the broadcast's rate ÷ the limit, 429s, lost/duplicated, how
fast 确认发送 and 收到 are answered, and how often the live progress view was edited.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    RATE,
    BotProcess,
    Watch,
    fresh_database,
    percentile,
    quiet_logs,
    recipient_ids,
    scaled_limits,
    seed_members,
    wait_for,
)
from bot.db import make_sessions
from bot.models import Member, Role
from simulator import BotAPISimulator, SimUser

BODY = "关于开展年度党员信息核对的通知：请于本周五前在系统中核对个人信息。"
# What each member's copy says (zh_CN header added by the notices feature, then the text).
TEXT = f"📢 <b>通知</b>\n\n{BODY}"
ASKERS = 50
ADMIN_ID = 999
IDLE_SECONDS = 6.0
REPLY_TIMEOUT = 60.0


async def _answered(sim: BotAPISimulator, user: SimUser, before: int) -> float:
    start = time.monotonic()
    # A press never answered is counted at the timeout.
    with contextlib.suppress(TimeoutError):
        await sim.wait_until(lambda: len(user.callback_answers) > before, timeout=REPLY_TIMEOUT)
    return time.monotonic() - start


async def ask(
    sim: BotAPISimulator, user: SimUser, done: asyncio.Event, acks: list[float] | None
) -> list[float]:
    """/me, wait for the reply, read it; once the notice is there, press 收到 once."""
    out: list[float] = []
    rng = random.Random(user.id)
    acked = acks is None
    await asyncio.sleep(rng.uniform(0, 1.0))
    while not done.is_set():
        start = time.monotonic()
        seen = len(user.messages)
        await user.send("/me")

        def replied(seen: int = seen) -> bool:
            # The notice may land in between; only the /me answer names the branch.
            return any(
                m.from_bot and "基准党支部" in m.text for m in list(user.messages.values())[seen:]
            )

        with contextlib.suppress(TimeoutError):
            await sim.wait_until(replied, timeout=REPLY_TIMEOUT)
        out.append(time.monotonic() - start)
        if not acked and acks is not None:
            notice = next((m for m in user.bot_messages if m.html == TEXT), None)
            if notice is not None:
                before = len(user.callback_answers)
                await user.press("收到", notice)
                acks.append(await _answered(sim, user, before))
                acked = True
        await asyncio.sleep(rng.uniform(1.0, 2.0))
    return out


async def main() -> None:
    quiet_logs()
    chats = recipient_ids()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "broadcast.db"
        engine = await fresh_database(path)
        sessions = make_sessions(engine)
        await seed_members(sessions, chats)
        async with sessions() as s:
            s.add(
                Member(
                    telegram_user_id=ADMIN_ID,
                    name="管理员",
                    role=Role.admin,
                    joined_at=datetime.now(UTC),
                )
            )
            await s.commit()
        async with BotAPISimulator() as sim:
            sim.limits = scaled_limits()
            for c in chats:
                sim.user(c, f"党员{c}")
            admin = sim.user(ADMIN_ID, "管理员")
            askers = [sim.user(c, f"党员{c}") for c in chats[:ASKERS]]
            # With its jobs, as it runs for real: the live progress view is one of them.
            bot = BotProcess(sim, f"sqlite+aiosqlite:///{path}", jobs=True)
            await bot.start()
            try:
                # Idle: the same people asking the same thing with nothing being sent.
                idle_done = asyncio.Event()
                idle_tasks = [asyncio.create_task(ask(sim, u, idle_done, None)) for u in askers]
                await asyncio.sleep(IDLE_SECONDS)
                idle_done.set()
                idle = [x for r in await asyncio.gather(*idle_tasks) for x in r]

                watch = Watch(sim, chats, TEXT)
                before = len(admin.messages)
                await admin.send(f"/broadcast {BODY}")
                await sim.wait_until(lambda: len(admin.messages) > before + 1, timeout=30)
                preview = admin.last
                answers = len(admin.callback_answers)
                pressed = time.monotonic()
                await admin.press("确认发送", preview)
                confirm_answer = await _answered(sim, admin, answers)
                started = pressed

                busy_done = asyncio.Event()
                acks: list[float] = []
                tasks = [asyncio.create_task(ask(sim, u, busy_done, acks)) for u in askers]
                await wait_for(watch.done, timeout=300)
                wall = time.monotonic() - started
                await asyncio.sleep(4.0)  # the last progress edit, and any duplicate
                busy_done.set()
                busy = [x for r in await asyncio.gather(*tasks) for x in r]
            finally:
                await bot.stop()
            report = watch.report()
            edits = [
                c.t
                for c in sim.calls
                if c.method == "editMessageText"
                and c.chat_id == ADMIN_ID
                and c.params.get("message_id") == preview.message_id
                and c.ok
            ]
            final_view = admin.message(preview.message_id).text
            # Replies and button edits share the overall budget with the broadcast.
            paced = [
                c.t
                for c in sim.calls
                if c.ok
                and c.method in ("sendMessage", "editMessageText", "editMessageReplyMarkup")
                and report.first <= c.t <= report.last
            ]
            paced_rate = (len(paced) - 1) / (report.last - report.first)
        await engine.dispose()
    gaps = [b - a for a, b in itertools.pairwise(edits)]
    print(
        f"broadcast: /broadcast + 确认发送 to {len(chats)} members, limit {RATE:.0f}/s overall,"
        f" 1/s per chat; {ASKERS} of them send /me throughout"
    )
    print(f"  {'':30} {'replies':>8} {'p50 s':>8} {'p95 s':>8}")
    print(
        f"  {'/me, bot idle':30} {len(idle):8d} {percentile(idle, 50):8.3f}"
        f" {percentile(idle, 95):8.3f}"
    )
    print(
        f"  {'/me, during the broadcast':30} {len(busy):8d} {percentile(busy, 50):8.3f}"
        f" {percentile(busy, 95):8.3f}"
    )
    print(
        f"  {'收到 pressed, answered':30} {len(acks):8d} {percentile(acks, 50):8.3f}"
        f" {percentile(acks, 95):8.3f}"
    )
    print(
        f"  p95 during ÷ idle        {percentile(busy, 95) / percentile(idle, 95):8.2f}×"
        "   (goal: stays under 1 s)"
    )
    print(f"  确认发送 answered in      {confirm_answer:8.3f} s")
    print(f"  broadcast rate ÷ limit   {report.rate / RATE:8.3f}   ({report.rate:.1f} msg/s)")
    print(
        f"  all paced calls ÷ limit  {paced_rate / RATE:8.3f}   ({paced_rate:.1f}/s: the broadcast"
        " plus replies and button edits, which share the overall limit)"
    )
    print(
        f"  429s / lost / duplicated {report.refused_429:4d} / {report.lost} / {report.duplicated}"
    )
    print(f"  wall time                {wall:8.1f} s (确认发送 to the last copy)")
    print(
        f"  progress edits           {len(edits):8d}   (min gap {min(gaps) if gaps else 0:.1f} s;"
        " throttled to ≥ 3 s)"
    )
    print(f"  final view: {final_view.splitlines()[0]} | {final_view.splitlines()[2]}")


if __name__ == "__main__":
    asyncio.run(main())
