"""A worker SIGKILLed with updates it had accepted but not yet handled (issue 17).

Telegram was answered 200 (webhook) or had its offset confirmed (polling) for each of
them, so it will never send them again: only the update inbox (bot/inbox.py) keeps them.
A member sends /me, which the process claims and then holds (HOLD_UPDATES_FROM, a
test-only setting), so the member's next updates — a check-in with the meeting's code,
another /me — wait behind it in the process's per-person queue. The process is SIGKILLed there. A surviving
worker (PostgreSQL), or the same bot started again, handles the three exactly once: the
check-in is recorded, each is answered once, the inbox is empty.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from bot.db import Sessions, make_sessions
from bot.models import (
    Attendance,
    Branch,
    CheckinBy,
    HandledUpdate,
    InboxUpdate,
    Meeting,
    MeetingKind,
    Member,
)
from simulator import BotAPISimulator, SimUser
from tests.procs import Balancer, BotRun, free_port, port_open, stamp_head, unstamp

MEMBER = 81_001
NAME = "党员甲"
CODE = "4321"
SECRET = "inbox-test-secret-0123456789"
HANG = 90.0  # only so that a bug fails instead of hanging


async def seed(sessions: Sessions) -> int:
    """A member invited to a meeting whose check-in (by code) is open now; its id."""
    now = datetime.now(UTC)
    async with sessions() as s:
        branch = Branch(name="第一党支部", created_at=now - timedelta(days=30))
        s.add(branch)
        await s.flush()
        member = Member(
            telegram_user_id=MEMBER,
            branch_id=branch.id,
            name=NAME,
            joined_at=now - timedelta(days=30),
        )
        s.add(member)
        await s.flush()
        meeting = Meeting(
            branch_id=branch.id or 0,
            kind=MeetingKind.assembly,
            starts_at=now + timedelta(minutes=5),
            ends_at=now + timedelta(minutes=65),
            checkin_by=CheckinBy.code,
            checkin_code=CODE,
            created_at=now - timedelta(hours=1),
        )
        s.add(meeting)
        await s.flush()
        attendance = Attendance(meeting_id=meeting.id or 0, member_id=member.id or 0)
        s.add(attendance)
        await s.commit()
        return attendance.id or 0


async def until(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"waited {HANG:.0f} s in vain for {what}")


async def count(sessions: Sessions, model: type[InboxUpdate] | type[HandledUpdate]) -> int:
    async with sessions() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def checked_in(sessions: Sessions, attendance_id: int) -> bool:
    async with sessions() as s:
        row = await s.get(Attendance, attendance_id)
        return row is not None and row.checked_in_at is not None


@pytest.mark.parametrize(
    ("mode", "after"),
    [("webhook", "survivor"), ("webhook", "restart"), ("polling", "restart")],
)
async def test_updates_accepted_by_a_killed_worker_are_handled_once_elsewhere(
    sim: BotAPISimulator, engine: AsyncEngine, mode: str, after: str
) -> None:
    if after == "survivor" and engine.dialect.name != "postgresql":
        pytest.skip("several processes share one PostgreSQL database")
    await stamp_head(engine)
    sessions = make_sessions(engine)
    attendance_id = await seed(sessions)
    person = sim.user(MEMBER, NAME)
    ports = [free_port(), free_port()]
    runs: list[BotRun] = []
    try:
        async with Balancer(ports[:1]) as lb:
            env = {"HEALTH_SERVER": "off", "SHUTDOWN_GRACE_SECONDS": "2"}
            if mode == "webhook":
                env |= {
                    "WEBHOOK_URL": f"http://127.0.0.1:{lb.port}/hook",
                    "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_LISTEN": "127.0.0.1",
                }

            def start(port: int, hold: bool = False) -> BotRun:
                held = {"HOLD_UPDATES_FROM": str(MEMBER)} if hold else {}
                run = BotRun(sim, engine, **env, **held, WEBHOOK_PORT=str(port))
                run.start()
                runs.append(run)
                return run

            async def ready(port: int) -> None:
                if mode == "webhook":
                    await until(lambda: port_open(port), "the webhook listening")
                else:
                    await until(lambda: any(c.method == "getUpdates" for c in sim.calls), "polls")

            victim = start(ports[0], hold=True)
            await ready(ports[0])
            if after == "survivor":
                start(ports[1])  # alive, but the balancer sends it nothing yet
                await ready(ports[1])
            await person.send("/me")
            await until(lambda: _zero(count(sessions, HandledUpdate), not_=True), "the claim")
            await person.send(f"/checkin {CODE}")
            await person.send("/me")
            # Telegram has been answered for all three: it will not send them again.
            await until(lambda: sim.unconfirmed_updates == 0, "the updates accepted")
            assert not await checked_in(sessions, attendance_id)
            victim.signal(signal.SIGKILL)
            assert await victim.wait() == -signal.SIGKILL
            if after == "survivor":
                lb.backends[:] = ports[1:]
            else:
                start(ports[0])

            await until(lambda: checked_in(sessions, attendance_id), "the check-in recorded")
            await until(lambda: len(answers(person)) >= 3, "three answers")
            await until(lambda: _zero(count(sessions, InboxUpdate)), "the inbox emptied")
            texts = answers(person)
            assert len(texts) == 3, texts
            assert sum(NAME in t for t in texts) == 2, texts  # the two /me
            assert await count(sessions, HandledUpdate) == 3
            for r in runs[1:]:
                r.signal(signal.SIGTERM)
            assert [await r.wait() for r in runs[1:]] == [0]
    finally:
        for r in runs:
            r.kill()
        await unstamp(engine)


def answers(person: SimUser) -> list[str]:
    """The bot's messages to the person but the meeting's reminder (a job's)."""
    return [m.text for m in person.bot_messages if not m.text.startswith("⏰")]


async def _zero(n: Awaitable[int], not_: bool = False) -> bool:
    return (await n == 0) != not_
