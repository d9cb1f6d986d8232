"""The several-workers run, played the same way by tests/e2e/test_workers.py (which
asserts on what it returns) and bench/workers.py (which prints it).

Three (or more) `dangjian run` processes in webhook mode share one PostgreSQL database
behind the round-robin balancer of tests/procs.py. Their clock stands at the scene's
Monday morning (tests/e2e/workers_scene.py), so every job has work due at start. While
the jobs' messages go out, half the pressers press 收到 and 签到 and half the askers send
/me; once those are answered one process is SIGKILLed mid-broadcast with a stranger's
/me accepted (answered 200, so Telegram will not send it again) but not handled: that
process holds it (HOLD_UPDATES_FROM, a test-only setting). A survivor takes it over from
the update inbox; a second scheduled notice comes due, and the rest press and ask.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.db import Sessions, make_sessions
from bot.models import Delivery, DeliveryBatch, DeliveryStatus, InboxUpdate
from simulator import BotAPISimulator
from tests.e2e import workers_scene as ws
from tests.procs import Balancer, bot_runs, free_port, port_open, stamp_head

SECRET = "workers-test-secret-0123456789"
HELD = 61_000  # the stranger whose /me the killed process accepted and held


@dataclass(frozen=True)
class Cast:
    members: int
    pressers: int
    twice: int  # of the pressers, this many press 签到 twice
    askers: int
    processes: int = 3
    rate_per_process: float = 20.0
    # The study, oversight and training jobs' interval. They run in every process, and
    # at 2,000 members a run takes longer than 5 s on a loaded machine.
    job_interval: int = 5
    patience: float = 180.0  # only so that a bug fails instead of hanging


@dataclass
class Figures:
    chats: list[int] = field(default_factory=list)
    member_ids: dict[int, int] = field(default_factory=dict)
    answers: list[int] = field(default_factory=list)  # bot messages per asker
    presses: Counter[int] = field(default_factory=Counter)  # presses per presser
    press_answers: Counter[int] = field(default_factory=Counter)  # answers per presser
    forwarded: Counter[int] = field(default_factory=Counter)  # updates per worker port
    held_answers: int = -1  # the bot's answers to the /me the killed process held
    inbox_left: int = -1  # update_inbox rows at the end
    acks: Counter[int] = field(default_factory=Counter)  # member id → rows with 收到
    checked: Counter[int] = field(default_factory=Counter)  # member id → rows checked in
    rows: Counter[tuple[str, int | None, int]] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    sent: Counter[int] = field(default_factory=Counter)  # sendMessage per chat
    calls: Counter[str] = field(default_factory=Counter)
    unsent_at_kill: int = 0
    in_flight: int = 0  # the killed worker's sends in flight
    start_up: float = 0.0
    taken_over: float = -1.0  # seconds from the kill until its rows were others'
    through: float = 0.0  # seconds from the kill until every job's message was sent
    codes: list[int] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)  # what was waited for in vain
    late_answers: int = 0  # presses answered after Telegram's 15 s ("query is too old")

    def kinds(self) -> dict[int, Counter[str]]:
        out: dict[int, Counter[str]] = {}
        for kind, _subject, chat in self.rows:
            out.setdefault(chat, Counter())[kind] += 1
        return out

    @property
    def duplicated(self) -> int:
        to = Counter(chat for _k, _s, chat in self.rows)
        return sum(max(0, self.sent[c] - to[c]) for c in to)

    @property
    def lost(self) -> int:
        to = Counter(chat for _k, _s, chat in self.rows)
        return sum(max(0, to[c] - self.sent[c]) for c in to)


async def held_by(sessions: Sessions, pid: int) -> int:
    async with sessions() as s:
        found = await s.exec(
            select(func.count()).where(
                Delivery.status == DeliveryStatus.sending,
                col(Delivery.claimed_by).like(f"%:{pid}:%"),
            )
        )
        return found.one()


async def unsent(sessions: Sessions) -> int:
    async with sessions() as s:
        statuses = [DeliveryStatus.pending, DeliveryStatus.sending]
        found = await s.exec(select(func.count()).where(col(Delivery.status).in_(statuses)))
        return found.one()


async def settled(sessions: Sessions, chats: list[int]) -> bool:
    """Every member has every job's message enqueued, and nothing is left to send.

    Counted in SQL: the simulator shares this process, and reading every row at each
    look would slow the sends it is waiting for.
    """
    async with sessions() as s:
        found = await s.exec(
            select(func.count())
            .select_from(Delivery)
            .join(DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id))
            .where(
                col(DeliveryBatch.kind).in_(ws.MEMBER_KINDS),
                col(Delivery.chat_id).between(min(chats), max(chats)),
            )
        )
        enqueued = found.one()
    expected = len(chats) * (len(ws.MEMBER_KINDS) + 1)  # two notices
    return enqueued >= expected and await unsent(sessions) == 0


async def wait_for(check: Callable[[], bool | Awaitable[bool]], what: str, patience: float) -> bool:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return True
        await asyncio.sleep(0.2)
    return False


async def until_taken_over(sessions: Sessions, pid: int, killed: float) -> float:
    while await held_by(sessions, pid):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return time.monotonic() - killed


async def play(sim: BotAPISimulator, engine: AsyncEngine, cast: Cast) -> Figures:
    """Seed the scene, run the processes through it, and say what happened."""
    fig = Figures(chats=[70_000 + i for i in range(cast.members)])
    people = [sim.user(c, f"党员{c}") for c in fig.chats]
    sim.user(ws.ADMIN, "管理员")
    sim.user(ws.SECRETARY, "书记")
    pressers = people[: cast.pressers]
    twice = {p.user_id for p in pressers[:: max(1, cast.pressers // max(1, cast.twice))]}
    askers = [sim.user(60_000 + i, f"访客{i}") for i in range(cast.askers)]
    await stamp_head(engine)
    sessions = make_sessions(engine)
    shift, clock_env = ws.shifted_clock()
    scene = await ws.seed(sessions, fig.chats, ws.shifted_now(shift))
    fig.member_ids = scene.member_ids
    ports = [free_port() for _ in range(cast.processes)]
    patience = cast.patience
    started = time.monotonic()
    async with (
        Balancer(ports) as lb,
        bot_runs(
            sim,
            engine,
            cast.processes,
            **clock_env,
            **ws.settings(cast.job_interval),
            WEBHOOK_URL=f"http://127.0.0.1:{lb.port}/hook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=lambda i: str(ports[i]),
            HEALTH_SERVER="off",
            RATE_GLOBAL_PER_SECOND=str(cast.rate_per_process),
            DELIVERY_CONCURRENCY="8",
            SHUTDOWN_GRACE_SECONDS="5",
            HOLD_UPDATES_FROM=lambda i: str(HELD if i == 1 else 0),
        ) as runs,
    ):

        async def listening() -> bool:
            return all([await port_open(p) for p in ports])

        async def wait(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
            if not await wait_for(check, what, patience):
                fig.timed_out.append(what)

        if not await wait_for(listening, "listening", patience):
            raise AssertionError("the workers never listened")
        fig.start_up = time.monotonic() - started
        await wait(lambda: any(c.method == "setWebhook" for c in sim.calls), "setWebhook")
        # While the jobs' messages go out: half the askers and half the pressers.
        half, first = cast.pressers // 2, cast.askers // 2
        for a in askers[:first]:
            await a.send("/me")
        fig.presses = await ws.answer_and_check_in(pressers[:half], twice, patience)
        await wait(lambda: all(a.bot_messages for a in askers[:first]), "/me answers")
        await wait(lambda: ws.answered(pressers[:half], fig.presses), "press answers")
        # Mid-broadcast, with one update accepted and not handled: SIGKILL one worker.
        victim = runs[1]
        held = sim.user(HELD, "访客")
        lb.next = 1  # to the victim (runs[i] listens on ports[i])
        await held.send("/me")
        await wait(lambda: sim.unconfirmed_updates == 0, "the held /me accepted")
        fig.unsent_at_kill = await unsent(sessions)
        fig.in_flight = await held_by(sessions, victim.pid)
        victim.signal(signal.SIGKILL)
        killed = time.monotonic()
        fig.codes.append(await victim.wait())
        takeover = asyncio.create_task(until_taken_over(sessions, victim.pid, killed))
        # A job comes due after the kill; the others press and ask (the balancer passes
        # over the dead worker).
        await ws.release_later(sessions, scene, ws.shifted_now(shift))
        for a in askers[first:]:
            await a.send("/me")
        fig.presses += await ws.answer_and_check_in(pressers[half:], twice, patience)
        await wait(lambda: all(a.bot_messages for a in askers), "/me answers after the kill")
        await wait(lambda: ws.answered(pressers, fig.presses), "press answers after the kill")
        await wait(lambda: settled(sessions, fig.chats), "every job's messages sent")
        await wait(lambda: bool(held.bot_messages), "the held /me answered by a survivor")
        fig.through = time.monotonic() - killed
        fig.taken_over = await asyncio.wait_for(takeover, patience)
        for r in runs:
            if r is not victim:
                r.signal(signal.SIGTERM)
        fig.codes += [await r.wait() for r in runs if r is not victim]
    fig.answers = [len(a.bot_messages) for a in askers]
    fig.held_answers = len(held.bot_messages)
    async with sessions() as s:
        fig.inbox_left = (await s.exec(select(func.count()).select_from(InboxUpdate))).one()
    fig.press_answers = Counter({p.user_id: len(p.callback_answers) for p in pressers})
    fig.forwarded = Counter(lb.forwarded)
    fig.acks, fig.checked = await ws.recorded(sessions, scene)
    fig.rows = await ws.enqueued(sessions)
    async with sessions() as s:
        fig.statuses = Counter(str(x) for x in (await s.exec(select(Delivery.status))).all())
    fig.sent = Counter(
        c.chat_id for c in sim.calls if c.method == "sendMessage" and c.ok and c.chat_id
    )
    fig.calls = Counter(c.method for c in sim.calls)
    fig.late_answers = sum(1 for c in sim.calls if c.method == "answerCallbackQuery" and not c.ok)
    return fig
