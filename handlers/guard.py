"""Before any handler: drop a redelivered update, and throttle someone flooding the bot.

Both run in a TypeHandler of group -100, so every update passes here first. The update
id is claimed in the database (bot/services/guard.py): a webhook retry or a poll after a
crash is skipped here, in this process or any other — except an update replayed from the
inbox of a worker that died (bot/inbox.py), whose claim may predate a handler that never
committed. Flooding is counted in memory per
process: it protects the process a person's updates land on, it costs no database write
per message, and a throttle lost on restart only lets someone start over at a polite pace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BotApplication, BotContext
from bot.delivery import sender
from bot.delivery.message import OutgoingMessage
from bot.services import guard, org
from bot.updates import PerUserUpdateProcessor
from handlers.common import translator_for

log = logging.getLogger(__name__)

# More updates than this, each sent before the previous one was answered, within
# FLOOD_WINDOW seconds is a flood; whoever waits for each answer is never counted.
FLOOD_BURST = 10
FLOOD_WINDOW = 2.0
FLOOD_BACKLOG = 5  # or this many of the person's updates already waiting when one arrives
FLOOD_PAUSE = 30.0  # a flooding person's updates are dropped this long
PRUNE_SECONDS = 3600


@dataclass
class FloodGuard:
    """Per person: recent arrival times, and until when they are throttled."""

    burst: int = FLOOD_BURST
    window: float = FLOOD_WINDOW
    pause: float = FLOOD_PAUSE
    backlog: int = FLOOD_BACKLOG
    seen: dict[int, deque[float]] = field(default_factory=dict)
    until: dict[int, float] = field(default_factory=dict)
    arrived_at: dict[int, tuple[float, int]] = field(default_factory=dict)
    processor: PerUserUpdateProcessor | None = None

    def arrived(self, update: Update) -> None:
        """Note when an update arrived and how many of the person's were already waiting
        (handling may be much later, behind their other updates)."""
        user = update.effective_user
        waiting = self.processor.waiting(user.id) if self.processor and user else 0
        self.arrived_at[update.update_id] = (time.monotonic(), waiting)

    def arrival_of(self, update: Update) -> tuple[float, int]:
        return self.arrived_at.pop(update.update_id, None) or (time.monotonic(), 0)

    def check(self, user_id: int, now: float, waiting: int = 0) -> str:
        """Say "ok", "throttle" (the first dropped update: tell them) or "drop".

        A flood is more than `burst` updates within `window` seconds that each arrived
        while an earlier one of the person's was still waiting, or one arriving behind a
        `backlog` of theirs: someone who waits for each answer (a person reading, or a
        scripted test), however fast, is never counted.
        """
        if self.until.get(user_id, 0.0) > now:
            return "drop"
        self.until.pop(user_id, None)
        times = self.seen.setdefault(user_id, deque())
        if waiting:
            times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) > self.burst or waiting >= self.backlog:
            self.until[user_id] = now + self.pause
            del self.seen[user_id]
            return "throttle"
        if len(self.seen) > 10_000:  # forget people who went quiet
            quiet = [u for u, ts in self.seen.items() if not ts or ts[-1] <= now - self.window]
            for u in quiet:
                del self.seen[u]
        return "ok"


async def _slow_down(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    async with context.sessions() as s:
        member = await org.member_by_telegram_id(s, user.id)
    t = translator_for(context, member, user.language_code)
    text = t._(
        "You are sending messages very fast. Please slow down: "
        "the bot will answer again in a little while."
    )
    await sender.send(context.bot, user.id, OutgoingMessage(text=text))


async def gate(update: Update, context: BotContext, flood: FloodGuard) -> None:
    """Let an update through once, at a human pace; stop it otherwise."""
    user = update.effective_user
    if user is not None:
        verdict = flood.check(user.id, *flood.arrival_of(update))
        if verdict != "ok":
            log.info("update %s from user %s dropped (%s)", update.update_id, user.id, verdict)
            if verdict == "throttle":
                await _slow_down(update, context)
            raise ApplicationHandlerStop
    async with context.sessions() as s:
        fresh = await guard.claim_update(s, update_id=update.update_id, now=context.clock.now())
    inbox = context.bot_data.inbox
    if not fresh and inbox is not None and update.update_id in inbox.replaying:
        # Taken over from a worker that died: its claim does not say the handler committed.
        log.info("update %s claimed by a worker that died: handled here", update.update_id)
    elif not fresh:
        log.info("update %s delivered again: skipped", update.update_id)
        raise ApplicationHandlerStop
    if user is not None and user.id == context.settings.hold_updates_from:
        await asyncio.Event().wait()  # tests only (HOLD_UPDATES_FROM): until the process dies


async def _prune(context: BotContext) -> None:
    async with context.sessions() as s:
        await guard.prune_updates(s, now=context.clock.now())


def register(app: BotApplication, flood: FloodGuard | None = None) -> FloodGuard:
    """Put the gate before every handler (one flood counter per process)."""
    guard_of_process = flood or FloodGuard()

    async def first(update: Update, context: BotContext) -> None:
        await gate(update, context, guard_of_process)

    app.add_handler(TypeHandler(Update, first), group=-100)
    if isinstance(app.update_processor, PerUserUpdateProcessor):
        guard_of_process.processor = app.update_processor
        app.update_processor.on_arrival = guard_of_process.arrived
    if app.job_queue is not None:
        app.job_queue.run_repeating(_prune, interval=PRUNE_SECONDS, first=60, name="guard.prune")
    return guard_of_process
