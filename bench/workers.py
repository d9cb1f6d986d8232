"""Benchmark: three `dangjian run` processes in webhook mode on one PostgreSQL database.

The run of tests/e2e/test_workers.py (tests/e2e/workers_play.py) at full size: 2,000
members get everything the scheduled jobs have due on the scene's Monday morning — a
notice that needs 收到, a meeting reminder with 签到, a study push and nudge, the training
reminder, plus the secretary's and admins' own — while 200 of them press 收到 and 签到
(20 press 签到 twice) and 200 strangers send /me. Halfway one process is SIGKILLed and a
second scheduled notice comes due. Printed: updates answered exactly once, presses
recorded once, each job's message enqueued once per person, lost and duplicated sends
(duplicates ≤ the sends in flight at the kill), seconds from the kill until the others
had its rows and until everything was sent, setWebhook / deleteWebhook calls.
Database: BENCH_DATABASE_URL (default test_h6_bench, recreated).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter

from bench.common import RATE, quiet_logs, scaled_limits
from bench.takeover import database_url, fresh_postgresql
from bot.db import make_engine
from simulator import BotAPISimulator
from tests.e2e.workers_play import Cast, Figures, play
from tests.e2e.workers_scene import MEMBER_KINDS

PROCESSES = 3
CAST = Cast(
    members=2_000,
    pressers=200,
    twice=20,
    askers=200,
    processes=PROCESSES,
    rate_per_process=RATE / PROCESSES,
    patience=300,
    job_interval=30,
)


def report(fig: Figures) -> None:
    kinds = fig.kinds()
    every = Counter(MEMBER_KINDS) + Counter(["notice"])
    members_right = sum(1 for c in fig.chats if kinds.get(c) == every)
    once = sum(1 for n in fig.rows.values() if n == 1)
    pressed = Counter({fig.member_ids[c]: 1 for c in fig.presses})
    right = sum(1 for m in pressed if fig.acks[m] == 1 and fig.checked[m] == 1)
    strays = (fig.acks - pressed).total() + (fig.checked - pressed).total()
    print(
        f"workers: {PROCESSES} dangjian run processes (webhook) on PostgreSQL, "
        f"{CAST.members} members, load average {os.getloadavg()[0]:.1f}"
    )
    if fig.timed_out:
        print(f"  waited in vain for                    {', '.join(fig.timed_out)}")
    print(f"  start-up of all three                 {fig.start_up:6.1f} s")
    print(
        f"  /me answered once                     {fig.answers.count(1):6d} of {CAST.askers}"
        f"   (other counts: {dict(Counter(a for a in fig.answers if a != 1))})"
    )
    print(
        f"  presses answered once each            {sum(fig.press_answers[c] == n for c, n in fig.presses.items()):6d}"
        f" of {len(fig.presses)} people ({fig.presses.total()} presses)"
    )
    print(f"  presses answered too late (> 15 s)    {fig.late_answers:6d}")
    print(
        f"  presses recorded once (收到 and 签到)   {right:6d} of {len(pressed)}   (recorded for others: {strays})"
    )
    print(f"  updates per worker                    {sorted(fig.forwarded.values())}")
    print(
        f"  accepted by the killed one, handled   {fig.held_answers:6d}   (goal 1, by a survivor;"
        f" inbox rows left {fig.inbox_left})"
    )
    print(
        f"  job messages enqueued once            {once:6d} of {len(fig.rows)}"
        f"   ({members_right} of {CAST.members} members got each of {sum(every.values())} once)"
    )
    print(f"  lost                                  {fig.lost:6d}   (goal 0)")
    print(
        f"  duplicated                            {fig.duplicated:6d}   (goal ≤ {fig.in_flight}, its sends in flight at the kill)"
    )
    print(f"  unsent at the kill                    {fig.unsent_at_kill:6d} of {fig.rows.total()}")
    print(f"  kill to its rows taken over           {fig.taken_over:6.2f} s   (goal < 5 s)")
    print(f"  kill to everything sent               {fig.through:6.1f} s")
    print(
        f"  setWebhook / deleteWebhook calls      {fig.calls['setWebhook']} / {fig.calls['deleteWebhook']}"
    )
    left = fig.rows.total() - fig.statuses["sent"]
    print(
        f"  not sent / exit codes                 {left} / {fig.codes} (SIGKILL = {-signal.SIGKILL})"
    )


async def main() -> None:
    quiet_logs()
    url = database_url()
    await fresh_postgresql(url)
    engine = make_engine(url)
    try:
        async with BotAPISimulator() as sim:
            sim.limits = scaled_limits()
            report(await play(sim, engine, CAST))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
