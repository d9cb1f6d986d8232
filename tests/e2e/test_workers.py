"""Three `dangjian run` processes in webhook mode on one PostgreSQL database (issue 17).

The simulator posts every update to a small round-robin balancer the test owns, which
passes it to one of the processes (tests/e2e/workers_play.py). The processes' clock is
moved to a Monday morning late in December (tests/clockshift), where every kind of
timed work is due at once (tests/e2e/workers_scene.py): a notice that needs 收到, a
meeting's reminder with 签到, a study push and nudge, training reminders, the oversight
calendar reminder and the weekly digest. While those go out, members press 收到 and 签到
(some press 签到 twice, reaching two workers) and strangers send /me; one process is
SIGKILLed mid-broadcast while it holds a /me it had accepted (answered 200) but not
handled, and a second scheduled notice comes due after it.

Every update is answered once, every press recorded once, every job's message enqueued
once and sent once (a send in flight at the kill may be sent twice, no more), the killed
process's claims and the update it had accepted are taken over by the others (the
update inbox, bot/inbox.py), one process calls setWebhook and none
deletes it.
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import DeliveryStatus
from simulator import BotAPISimulator, RateLimits
from tests.e2e.workers_play import Cast, play
from tests.e2e.workers_scene import ADMIN, ADMIN_KINDS, MEMBER_KINDS, SECRETARY, SECRETARY_KINDS
from tests.procs import unstamp

CAST = Cast(members=120, pressers=50, twice=10, askers=24, rate_per_process=15)


async def test_three_webhook_workers_handle_and_send_everything_once(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several processes share one PostgreSQL database")
    sim.limits = RateLimits(enabled=True, global_per_second=100, per_chat_per_second=2)
    try:
        fig = await play(sim, engine, CAST)
    finally:
        await unstamp(engine)
    assert fig.timed_out == []
    assert fig.unsent_at_kill > 0, "the broadcast was through before the kill"
    assert fig.codes == [-signal.SIGKILL, 0, 0]
    # Every update answered once; each went to one worker, all three took some.
    assert fig.answers == [1] * CAST.askers
    assert fig.press_answers == fig.presses
    assert sum(fig.presses.values()) == CAST.pressers * 2 + CAST.twice
    assert fig.forwarded.total() == CAST.askers + fig.presses.total() + 1
    assert len(fig.forwarded) == 3
    # The update the killed worker had accepted and not handled: handled once, elsewhere.
    assert fig.held_answers == 1
    assert fig.inbox_left == 0
    # Every press recorded once, for those who pressed and no one else.
    pressed = Counter({fig.member_ids[c]: 1 for c in fig.presses})
    assert (fig.acks, fig.checked) == (pressed, pressed)
    # Every job's message enqueued exactly once per person, and sent.
    assert [k for k, n in fig.rows.items() if n != 1] == []
    kinds = fig.kinds()
    every = Counter(MEMBER_KINDS) + Counter(["notice"])  # two notices
    assert [c for c in fig.chats if kinds.get(c) != every] == []
    assert set(SECRETARY_KINDS) <= set(kinds[SECRETARY])
    assert set(ADMIN_KINDS) <= set(kinds[ADMIN])
    assert fig.statuses == Counter({DeliveryStatus.sent.value: fig.rows.total()})
    # Every message sent once; a duplicate only for a send in flight at the kill.
    assert fig.lost == 0
    assert fig.duplicated <= fig.in_flight
    assert 0 <= fig.taken_over < 10
    assert (fig.calls["setWebhook"], fig.calls["deleteWebhook"]) == (1, 0)
