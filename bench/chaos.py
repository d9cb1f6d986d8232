"""Benchmark, chaos: a broadcast and a meeting under Bot API faults, then a database outage.

Scenario 1 (faults): a branch of 2,000 members gets a notice needing 收到 and a meeting
notice; 300 of them press 收到 and 签到 while the simulator answers 10 % of calls with
500/502, drops 5 % of connections (half of them after the call ran: its answer is lost),
answers 5 % slowly and now and then sends a burst of 429s (seeded: reproducible).
Scenario 2 (database outage): the same on a PostgreSQL server this benchmark starts in a
temporary folder; a third of the way through the broadcast it is stopped (immediate, like
a crash) for 10 s while the 300 keep pressing, then started again.

`python -m bench.chaos [faults] [outage] [--late]` runs both (default) or one; `--late`
stops the database two thirds of the way through instead.
Printed: messages lost (goal 0), records doubled (goal 0), duplicates of in-flight sends
(goal ≤ the sends whose answer was lost), actions lost (presses never recorded though the
person kept trying), and the recovery time after the database returns.

The same scenarios, smaller, are e2e tests (tests/e2e/test_chaos.py), which import the
scenario pieces from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select

from bench.common import quiet_logs, scaled_limits
from bench.own_postgres import own_postgres
from bot.clock import Clock
from bot.db import make_engine
from bot.delivery.message import OutgoingMessage
from bot.demo.stage import Stage, invite_token, running_bot
from bot.models import (
    Attendance,
    Branch,
    Delivery,
    DeliveryBatch,
    DeliveryStatus,
    Meeting,
    Member,
    NoticeReceipt,
    Role,
)
from simulator import BotAPISimulator, Chaos, SimUser

MEMBERS = 2_000
ACTORS = 300
FIRST_MEMBER = 3_000_000
OUTAGE_SECONDS = 10.0
PLACE = "混沌演练会议室"
BODY = "关于做好年终党费收缴工作的通知：请于本月底前完成。"


def faults(seed: int = 15, *, slow_delay: float = 1.0) -> Chaos:
    """The fault rates of the issue: 10 % 5xx, 5 % dropped, slow at times, 429 bursts."""
    return Chaos(
        error5xx=0.10,
        drop=0.05,
        drop_after_share=0.5,
        slow=0.05,
        slow_delay=slow_delay,
        flood=0.01,
        flood_burst=5,
        flood_retry_after=1,
        seed=seed,
    )


# ---------------------------------------------------------------- setting the scene
@dataclass
class Scene:
    """What the scenario set up: the people, and the batches it will count."""

    secretary: SimUser
    members: list[SimUser]
    meeting_id: int = 0
    first_batch: int = 0
    batches: list[int] = field(default_factory=list)  # the two fan-outs counted


async def branch_of(stage: Stage, members: int, first_id: int = FIRST_MEMBER) -> Scene:
    """The admin creates a branch and its secretary joins through the bot; the members
    are written directly (joining 2,000 people one by one is not what is measured)."""
    reply = await stage.send(stage.admin, "/newbranch 混沌演练党支部")
    secretary = stage.person("演练书记")
    await stage.join(secretary, invite_token(reply.text), name="演练书记")
    now = stage.clock.now()
    people: list[SimUser] = []
    async with stage.sessions() as s:
        branch = (await s.exec(select(Branch).where(Branch.name == "混沌演练党支部"))).one()
        for uid in range(first_id, first_id + members):
            s.add(
                Member(
                    telegram_user_id=uid,
                    branch_id=branch.id,
                    name=f"党员{uid}",
                    role=Role.member,
                    joined_at=now,
                )
            )
            people.append(stage.sim.user(uid, f"党员{uid}"))
        await s.commit()
    async with stage.sessions() as s:
        last = (await s.exec(select(func.max(DeliveryBatch.id)))).one()
    return Scene(secretary, people, first_batch=(last or 0) + 1)


async def announce(stage: Stage, scene: Scene, tz: Any) -> None:
    """The secretary schedules a meeting starting in 20 minutes (签到 is open) and the
    admin broadcasts a notice needing 收到: two fan-outs to everyone in the branch."""
    starts = (stage.clock.now() + timedelta(minutes=20)).astimezone(tz)
    await stage.send(scene.secretary, f"/newmeeting 党员大会 {starts:%Y-%m-%d %H:%M} {PLACE}")
    await stage.press(scene.secretary, "确认")
    async with stage.sessions() as s:
        meeting = (await s.exec(select(Meeting).order_by(col(Meeting.id).desc()))).first()
    assert meeting is not None, scene.secretary.transcript()
    assert meeting.id is not None
    scene.meeting_id = meeting.id
    await stage.send(stage.admin, f"/broadcast {BODY}")
    await stage.press(stage.admin, "确认发送")
    async with stage.sessions() as s:
        scene.batches = list(
            (
                await s.exec(
                    select(DeliveryBatch.id).where(
                        col(DeliveryBatch.id) >= scene.first_batch,
                        DeliveryBatch.kind != "error.report",  # what the faults made the bot say
                    )
                )
            ).all()
        )
    assert len(scene.batches) == 2, scene.batches


def button_on(user: SimUser, label: str, marker: str) -> tuple[int, str] | None:
    """(message id, callback data) of the button `label` on the bot message with `marker`."""
    for m in reversed(user.bot_messages):
        if marker not in m.text:
            continue
        for row_labels, row_data in zip(m.buttons, m.button_data, strict=True):
            for text, data in zip(row_labels, row_data, strict=True):
                if text == label and data:
                    return m.message_id, data
    return None


async def press_until_answered(
    sim: BotAPISimulator,
    user: SimUser,
    button: tuple[int, str],
    *,
    tries: int = 8,
    wait: float = 5.0,
    pause: float = 0.5,
) -> bool:
    """Press, and press the same button again while no answer appears, as people do.

    An answer that arrives late to an earlier press of this button counts too (people
    read it); one to another button's press does not: a late answer to someone's repeated
    签到 ended their 收到 after a single press, and the bench counted that 收到, still
    queued in the bot when the figures were taken, as lost.
    """
    first = len(user.callback_answers)
    data = button[1]

    def answered() -> bool:
        return any(a.data == data and "出了点问题" not in a for a in user.callback_answers[first:])

    for _ in range(tries):
        await user.press_data(*button)
        with contextlib.suppress(TimeoutError):
            await sim.wait_until(answered, timeout=wait)
        if answered():
            return True
        await asyncio.sleep(pause)
    return False


# ---------------------------------------------------------------- counting
@dataclass
class Figures:
    copies: int = 0  # messages the outbox had to deliver
    lost: int = 0  # of those, never received
    duplicated: int = 0  # extra copies received
    in_flight: int = 0  # sends whose answer the bot never got (it cannot know)
    not_final: int = 0  # rows still pending/sending at the end
    doubled: int = 0  # Attendance or NoticeReceipt rows twice for one person
    actors: int = 0
    checkins_missing: int = 0  # actors whose 签到 is not recorded
    acks_missing: int = 0  # actors whose 收到 is not recorded
    calls: Counter[str] = field(default_factory=Counter)

    def lines(self, title: str) -> list[str]:
        return [
            title,
            f"  messages lost               {self.lost:6d}   (goal 0; of {self.copies} copies)",
            f"  records doubled             {self.doubled:6d}   (goal 0: Attendance, NoticeReceipt)",
            f"  duplicates of in-flight     {self.duplicated:6d}   "
            f"(goal ≤ {self.in_flight}, the sends whose answer was lost)",
            f"  actions lost                {self.checkins_missing + self.acks_missing:6d}   "
            f"(goal 0; 签到 + 收到 of {self.actors} people)",
        ]


async def tally(stage: Stage, scene: Scene, actors: Iterable[SimUser]) -> Figures:
    """Compare the outbox rows with what the simulator delivered, and count the records."""
    fig = Figures()
    async with stage.sessions() as s:
        rows = list(
            (await s.exec(select(Delivery).where(col(Delivery.batch_id).in_(scene.batches)))).all()
        )
        doubled_att = (
            await s.exec(
                select(func.count()).select_from(
                    select(Attendance.member_id)
                    .where(Attendance.meeting_id == scene.meeting_id)
                    .group_by(col(Attendance.member_id))
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        ).one()
        doubled_ack = (
            await s.exec(
                select(func.count()).select_from(
                    select(NoticeReceipt.notice_id, NoticeReceipt.member_id)
                    .group_by(col(NoticeReceipt.notice_id), col(NoticeReceipt.member_id))
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        ).one()
        ids = [u.id for u in actors]
        checked = set(
            (
                await s.exec(
                    select(Member.telegram_user_id)
                    .join(Attendance, col(Attendance.member_id) == col(Member.id))
                    .where(
                        Attendance.meeting_id == scene.meeting_id,
                        col(Attendance.checked_in_at).is_not(None),
                        col(Member.telegram_user_id).in_(ids),
                    )
                )
            ).all()
        )
        acked = set(
            (
                await s.exec(
                    select(Member.telegram_user_id)
                    .join(NoticeReceipt, col(NoticeReceipt.member_id) == col(Member.id))
                    .where(
                        col(NoticeReceipt.acked_at).is_not(None),
                        col(Member.telegram_user_id).in_(ids),
                    )
                )
            ).all()
        )
    got: Counter[tuple[int | None, str]] = Counter()
    for c in stage.sim.calls:
        if c.ok and c.method == "sendMessage":
            got[(c.chat_id, str(c.params.get("text")))] += 1
    lost_answers = Counter(
        (c.chat_id, str(c.params.get("text")))
        for c in stage.sim.lost_answers
        if c.method == "sendMessage"
    )
    for row in rows:
        text = OutgoingMessage.from_json(row.payload).text
        n = got[(row.chat_id, text)]
        fig.copies += 1
        fig.lost += n == 0
        fig.duplicated += max(0, n - 1)
        fig.in_flight += lost_answers[(row.chat_id, text)]
        fig.not_final += row.status in (DeliveryStatus.pending, DeliveryStatus.sending)
    fig.doubled = int(doubled_att) + int(doubled_ack)
    fig.actors = len(ids)
    fig.checkins_missing = len(set(ids) - checked)
    fig.acks_missing = len(set(ids) - acked)
    fig.calls = Counter({k: v for k, v in stage.sim.stats.items() if k.startswith("fault_")})
    return fig


async def outbox_done(stage: Stage, scene: Scene) -> bool:
    async with stage.sessions() as s:
        left = (
            await s.exec(
                select(func.count()).where(
                    col(Delivery.batch_id).in_(scene.batches),
                    col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending]),
                )
            )
        ).one()
    return int(left) == 0


async def outbox_settles(stage: Stage, scene: Scene, timeout: float = 600) -> bool:  # noqa: ASYNC109
    """Wait until every row of the two fan-outs is final (False: not within `timeout`),
    then a second for stragglers."""
    done = False
    for _ in range(int(timeout * 2)):
        if done := await outbox_done(stage, scene):
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)
    return done


async def act(stage: Stage, user: SimUser, *, tries: int = 8, wait: float = 5.0) -> None:
    """Wait for both notices, then press 签到 and 收到 until each is answered."""
    sim = stage.sim
    await sim.wait_until(
        lambda: button_on(user, "签到", PLACE) and button_on(user, "收到", BODY),
        timeout=600,
        what=f"both notices for {user.id}",
    )
    for label, marker in (("签到", PLACE), ("收到", BODY)):
        button = button_on(user, label, marker)
        assert button is not None
        await press_until_answered(sim, user, button, tries=tries, wait=wait)


# ---------------------------------------------------------------- the runs
async def fresh(url: str) -> AsyncEngine:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    return engine


@asynccontextmanager
async def live_bot(sim: BotAPISimulator, engine: AsyncEngine) -> AsyncIterator[Stage]:
    """The real bot on a real clock, its outbox worker running, Telegram's limits scaled."""
    from bench.common import PER_CHAT, RATE, register_all

    sim.limits = scaled_limits()
    async with running_bot(
        sim,
        engine,
        register_all,
        run_outbox=True,
        clock=Clock(),  # type: ignore[arg-type]
        rate_global_per_second=RATE,
        rate_per_chat_per_second=PER_CHAT,
    ) as stage:
        yield stage


async def run_faults(url: str, members: int = MEMBERS, actors: int = ACTORS) -> Figures:
    engine = await fresh(url)
    try:
        async with BotAPISimulator() as sim, live_bot(sim, engine) as stage:
            assert stage.app.bot_data.settings is not None
            scene = await branch_of(stage, members)
            started = time.monotonic()
            await announce(stage, scene, stage.app.bot_data.settings.tz)
            sim.chaos = faults()  # the two fan-outs have just begun
            people = scene.members[:actors]
            await asyncio.gather(*(act(stage, p) for p in people))
            await outbox_settles(stage, scene)
            sim.chaos = Chaos()
            fig = await tally(stage, scene, people)
            fig.calls["seconds"] = round(time.monotonic() - started)
            return fig
    finally:
        await engine.dispose()


@dataclass
class Outage:
    figures: Figures
    sends_resumed: float  # seconds after the database came back
    first_answer: float
    unanswered_during: int  # presses the bot never answered, however late
    last_answer: float  # when the bot had answered every press (s after the database came back)
    too_old: int  # answers that came after Telegram's 15 s: the person saw none


# How long the bot may take to work through the presses made meanwhile before one that
# is still unanswered counts as never answered.
ANSWER_GRACE = 120.0


async def run_outage(members: int = MEMBERS, actors: int = ACTORS, at: float = 1 / 3) -> Outage:
    """The outage scenario; `at` is the share of the broadcast sent when PostgreSQL stops."""
    with own_postgres() as pg:
        engine = await fresh(pg.url)
        try:
            async with BotAPISimulator() as sim, live_bot(sim, engine) as stage:
                assert stage.app.bot_data.settings is not None
                scene = await branch_of(stage, members)
                await announce(stage, scene, stage.app.bot_data.settings.tz)
                copies = 2 * (members + 1)

                def sent() -> int:
                    return sum(1 for c in sim.calls if c.ok and c.method == "sendMessage")

                mark = sent()
                await sim.wait_until(lambda: sent() - mark >= copies * at, timeout=120)
                await asyncio.to_thread(pg.stop, "immediate")
                down = time.monotonic()
                people = scene.members[:actors]
                acting = asyncio.gather(*(act(stage, p, tries=12, wait=4.0) for p in people))
                await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down)))
                await asyncio.to_thread(pg.start)
                up = time.monotonic()
                calls_at_up = len(sim.calls)
                await acting
                # Rows that never finish count as lost (they would wait for a restart).
                await outbox_settles(stage, scene, timeout=OUTAGE_SECONDS + 170)
                # The figures are taken once the bot has worked through the presses made
                # meanwhile: taken earlier, those still queued counted as never answered.
                with contextlib.suppress(TimeoutError):
                    await sim.wait_until(lambda: not sim.unanswered_callbacks(), ANSWER_GRACE)
                last = time.monotonic()
                after = sim.calls[calls_at_up:]
                resumed = next(
                    (c.t for c in after if c.ok and c.method == "sendMessage" and c.t > up), up
                )
                answered = next(
                    (
                        c.t
                        for c in after
                        if c.ok
                        and c.method == "answerCallbackQuery"
                        and "出了点问题" not in str(c.params.get("text"))
                    ),
                    up,
                )
                fig = await tally(stage, scene, people)
                return Outage(
                    fig,
                    resumed - up,
                    answered - up,
                    len(sim.unanswered_callbacks()),
                    last - up,
                    sim.stats["callback_too_old"],
                )
        finally:
            await engine.dispose()


async def main() -> None:
    quiet_logs()
    import logging
    import signal

    # SIGTERM ends the run through the finally blocks: the PostgreSQL server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    # Failures are the point here; the summary below says what they cost.
    logging.getLogger("dangjian").setLevel(logging.CRITICAL)
    logging.getLogger("telegram").setLevel(logging.CRITICAL)
    logging.getLogger("bot").setLevel(logging.CRITICAL)
    logging.getLogger("handlers").setLevel(logging.CRITICAL)
    which = [a for a in sys.argv[1:] if not a.startswith("--")] or ["faults", "outage"]
    if "faults" in which:
        await _print_faults()
    if "outage" in which:
        await _print_outage(at=2 / 3 if "--late" in sys.argv else 1 / 3)


async def _print_faults() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fig = await run_faults(f"sqlite+aiosqlite:///{Path(tmp) / 'chaos.db'}")
    print(
        f"chaos 1, Bot API faults: {MEMBERS} members × 2 fan-outs, {ACTORS} people pressing "
        f"签到 and 收到; 10 % 5xx, 5 % dropped, 5 % slow, 429 bursts (SQLite)"
    )
    for line in fig.lines("")[1:]:
        print(line)
    print(f"  faults injected             {dict(sorted(fig.calls.items()))}")


async def _print_outage(at: float) -> None:
    outage = await run_outage(at=at)
    share = "two thirds" if at > 0.5 else "a third"
    print(
        f"chaos 2, database outage: PostgreSQL stopped for {OUTAGE_SECONDS:.0f} s {share} "
        f"of the way through, {ACTORS} people pressing meanwhile"
    )
    for line in outage.figures.lines("")[1:]:
        print(line)
    print(
        f"  recovery: sending again     {outage.sends_resumed:6.1f} s after the database returned"
    )
    print(f"  recovery: first answer      {outage.first_answer:6.1f} s after the database returned")
    print(
        f"  recovery: every press answered {outage.last_answer:4.1f} s after the database returned"
    )
    print(
        f"  presses never answered      {outage.unanswered_during:6d}   "
        f"(goal 0; within {ANSWER_GRACE:.0f} s after the broadcast)"
    )
    print(f"  answers too late            {outage.too_old:6d}   (after Telegram's 15 s: unseen)")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
