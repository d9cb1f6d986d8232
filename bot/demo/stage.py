"""The stage: the real Application polling the Bot API simulator, with people to act.

Used by `dangjian demo`, the e2e tests and the benchmarks. A script speaks as people
(`h.person(...)`, `await h.send(p, "/me")`, `await h.press(p, "签到")`) and reads what each
person sees. Time is a FixedClock the script moves; the outbox is driven with
`await h.deliver()` so fan-out is deterministic.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Register, build_application
from bot.clock import FixedClock
from bot.config import Settings
from bot.context import BotApplication
from bot.db import Sessions, make_sessions
from simulator import BotAPISimulator, SimMessage, SimUser

ADMIN_ID = 1000
# Friday 2026-11-27 10:00 in Asia/Shanghai.
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
WEBHOOK_TEST_SECRET = "stage-webhook-secret-0123456789"
INVITE_LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


def invite_token(text: str) -> str:
    match = INVITE_LINK.search(text)
    assert match, f"no invite link in: {text!r}"
    return match.group(1)


@dataclass(frozen=True, slots=True)
class Press:
    """A played step: the person presses the button with this label (on their newest
    message); a plain string step is text the person types."""

    label: str


# One row of a scripted beat: who acts, and what they type or press.
Step = tuple[SimUser, str | Press]


@dataclass
class Branch:
    """A branch set up through the bot, with the people who joined it."""

    name: str
    secretary: SimUser
    members: list[SimUser] = field(default_factory=list)


class Stage:
    """The running bot, the simulator, the clock and the database, for scripts."""

    def __init__(
        self, sim: BotAPISimulator, app: BotApplication, clock: FixedClock, engine: AsyncEngine
    ) -> None:
        self.sim = sim
        self.app = app
        self.clock = clock
        self.engine = engine
        self.sessions: Sessions = make_sessions(engine)
        self._next_user = 2000

    @property
    def admin(self) -> SimUser:
        return self.sim.user(ADMIN_ID, "管理员", username="admin")

    def person(self, first_name: str, user_id: int | None = None, **kw: object) -> SimUser:
        if user_id is None:
            self._next_user += 1
            user_id = self._next_user
        return self.sim.user(user_id, first_name, **kw)  # type: ignore[arg-type]

    async def settle(self) -> None:
        """Wait until the bot fetched every update and finished handling it."""
        await self.sim.wait_updates_confirmed()
        await asyncio.wait_for(self.app.update_queue.join(), timeout=20)
        if self.app.bot_data.inbox is not None:  # and deleted their inbox rows
            await self.app.bot_data.inbox.flush()

    async def send(self, user: SimUser, text: str) -> SimMessage:
        """The person types `text`; returns the bot's newest message to them."""
        await user.send(text)
        await self.settle()
        return user.last

    async def press(self, user: SimUser, button: str, message: SimMessage | None = None) -> str:
        """The person presses a button; returns the toast/alert text shown (or '')."""
        before = len(user.callback_answers)
        await user.press(button, message)
        await self.settle()
        answers = user.callback_answers[before:]
        return str(answers[-1]) if answers else ""

    async def play(self, *steps: Step, deliver: bool = False) -> None:
        """Act out the rows in order; with `deliver`, let the outbox send after them."""
        for who, what in steps:
            if isinstance(what, Press):
                await self.press(who, what.label)
            else:
                await self.send(who, what)
        if deliver:
            await self.deliver()

    async def deliver(self) -> int:
        """Let the outbox send everything due at the clock's time."""
        assert self.app.bot_data.outbox is not None
        sent = await self.app.bot_data.outbox.drain()
        await self.settle()
        return sent

    async def join(self, user: SimUser, token: str, name: str | None = None) -> None:
        """Open an invite link and give a name (or accept the Telegram name)."""
        await self.send(user, f"/start {token}")
        if name is None:
            await self.press(user, user.last.flat_buttons[0])
        else:
            await self.send(user, name)

    async def setup_branch(
        self,
        name: str = "第一党支部",
        members: int = 3,
        *,
        secretary_name: str | None = None,
        member_names: list[str] | None = None,
    ) -> Branch:
        """Admin creates a branch; a secretary and `members` people join by invite links.

        Real names default to "<branch>书记" and "<branch>党员N".
        """
        reply = await self.send(self.admin, f"/newbranch {name}")
        secretary = self.person("书记" + name[:2])
        await self.join(secretary, invite_token(reply.text), name=secretary_name or f"{name}书记")
        reply = await self.send(secretary, "/invite")
        token = invite_token(reply.text)
        branch = Branch(name, secretary)
        names = member_names or [f"{name}党员{i + 1}" for i in range(members)]
        for i, real_name in enumerate(names):
            person = self.person(f"党员{i + 1}")
            await self.join(person, token, name=real_name)
            branch.members.append(person)
        return branch


def stage_settings(sim: BotAPISimulator, engine: AsyncEngine, **overrides: object) -> Settings:
    """Settings for a bot that talks to `sim` and keeps its data in `engine`."""
    values: dict[str, object] = {
        "bot_token": sim.token,
        "bot_api_url": sim.base_url,
        "bot_api_file_url": sim.base_file_url,
        "database_url": engine.url.render_as_string(hide_password=False),
        "admin_ids": frozenset({ADMIN_ID}),
        "rate_global_per_second": 1000,
        "rate_per_chat_per_second": 100,
        "error_report_interval_seconds": 0,
    }
    values.update(overrides)
    return cast(Any, Settings)(_env_file=None, **values)


async def _start(app: BotApplication, webhook_port: int | None) -> None:
    """What run_polling() / run_webhook() do before they block, step by step."""
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    if webhook_port is None:
        await app.updater.start_polling(poll_interval=0, timeout=1)
    else:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=webhook_port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{webhook_port}/hook",
            secret_token=WEBHOOK_TEST_SECRET,
        )


async def _stop(app: BotApplication) -> None:
    """The order run_polling() uses: post_stop lets the outbox finish its sends while the
    bot can still talk, post_shutdown releases what post_init opened."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    assert app.post_stop is not None
    await app.post_stop(app)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


@asynccontextmanager
async def running_bot(
    sim: BotAPISimulator,
    engine: AsyncEngine,
    register: Register,
    *,
    run_outbox: bool = False,
    clock: FixedClock | None = None,
    webhook_port: int | None = None,
    **settings_overrides: object,
) -> AsyncIterator[Stage]:
    """Build and start the real application against `sim`; stop it afterwards.

    With `webhook_port` the bot receives updates by webhook on 127.0.0.1 (secret
    WEBHOOK_TEST_SECRET) instead of long polling.
    """
    clock = clock or FixedClock(START)
    app = build_application(
        stage_settings(sim, engine, **settings_overrides),
        register=register,
        clock=clock,
        engine=engine,
        migrate=False,
        run_outbox=run_outbox,
    )
    await _start(app, webhook_port)
    try:
        yield Stage(sim, app, clock, engine)
    finally:
        await _stop(app)
