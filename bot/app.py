"""build_application(settings) -> telegram.ext.Application, owning engine, catalogs, outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from apscheduler.events import EVENT_JOB_ADDED, EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import Application, ContextTypes, Defaults, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.context import GUEST, BotApplication, BotContext, BotData, CommandSpec
from bot.db import is_sqlite, make_engine, make_sessions
from bot.delivery.http import AiohttpRequest
from bot.delivery.limiter import DeliveryRateLimiter, Limits
from bot.delivery.worker import OutboxWorker
from bot.health import HealthServer
from bot.i18n import LOCALES, Catalogs
from bot.inbox import (
    InboxPollRequest,
    InboxQueue,
    InboxUpdater,
    UpdateInbox,
    keep_taking_over,
    replay,
)
from bot.migrate import upgrade
from bot.shutdown import GracefulShutdown
from bot.updates import PerUserUpdateProcessor
from bot.webhook import WebhookUpdater

log = logging.getLogger(__name__)

Register = Callable[[BotApplication], None]


def command_menu(
    commands: list[CommandSpec], role: str, translate: Callable[[str], str]
) -> list[BotCommand]:
    """The commands `role` may use, described in one language."""
    return [BotCommand(c.name, translate(c.description)) for c in commands if role in c.roles]


def watch_jobs(app: BotApplication) -> None:
    """Count every scheduled job's runs (and failures) for /metrics, by the job's name."""
    if app.job_queue is None:
        return
    scheduler = app.job_queue.scheduler
    metrics = app.bot_data.metrics
    names: dict[str, str] = {}  # a one-off job is gone from the scheduler once it ran

    def added(event: Any) -> None:
        job = scheduler.get_job(event.job_id)
        names[event.job_id] = getattr(job, "name", None) or str(event.job_id)

    def ran(event: Any) -> None:
        name = names.get(event.job_id) or str(event.job_id)
        if scheduler.get_job(event.job_id) is None:
            names.pop(event.job_id, None)
        metrics.job_runs.labels(name, "error" if event.exception else "ok").inc()

    for job in scheduler.get_jobs():
        names[job.id] = job.name
    scheduler.add_listener(added, EVENT_JOB_ADDED)
    scheduler.add_listener(ran, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)


@dataclass
class Lifecycle:
    """What the application starts in post_init and stops in post_stop/post_shutdown."""

    settings: Settings
    engine: AsyncEngine | None
    migrate: bool | None
    run_outbox: bool
    graceful: bool
    serve_health: bool
    owns_engine: bool = False
    worker_stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    health: list[HealthServer] = field(default_factory=list)
    released: bool = False
    inbox_queue: InboxQueue | None = None

    def __post_init__(self) -> None:
        self.owns_engine = self.engine is None
        self.shutdown = GracefulShutdown(self.settings.shutdown_grace_seconds)

    async def post_init(self, app: BotApplication) -> None:
        settings, data = self.settings, app.bot_data
        if self.engine is None:
            self.engine = make_engine(settings.database_url)
        if self.migrate if self.migrate is not None else is_sqlite(settings.database_url):
            await upgrade(settings.database_url)
        data.sessions = make_sessions(self.engine)
        if isinstance(app.updater, WebhookUpdater):
            app.updater.sessions = data.sessions
        data.catalogs = Catalogs.load(settings.default_locale)
        data.outbox = OutboxWorker(
            app.bot,
            data.sessions,
            data.clock,
            concurrency=settings.delivery_concurrency,
            max_attempts=settings.delivery_max_attempts,
            hooks=data.hooks,
            paid_broadcast=settings.allow_paid_broadcast,
            liveness_every=settings.worker_liveness_seconds,
        )
        await self.set_menus(app)
        if self.run_outbox:
            await data.outbox.register()
            # A single process on SQLite owns every in-flight row; on PostgreSQL the rows
            # of workers that are gone (this process before a crash, too) come back now.
            await data.outbox.recover(all_sending=is_sqlite(settings.database_url))
            await data.outbox.take_over()
            self.tasks.append(asyncio.create_task(data.outbox.run(self.worker_stop), name="outbox"))
        await self.open_inbox(app)
        if self.graceful:
            self.shutdown.install(app, self.worker_stop.set)
        watch_jobs(app)
        if self.serve_health:
            self.health.append(HealthServer(app, data.metrics))
            await self.health[0].start(settings.health_listen, settings.health_port)

    async def open_inbox(self, app: BotApplication) -> None:
        """Replay what a dead receiver (this process before a crash) left; then receive
        into the inbox (bot/inbox.py). Needs the outbox's worker name and liveness."""
        data = app.bot_data
        assert data.sessions is not None
        assert data.outbox is not None
        data.inbox = UpdateInbox(
            data.sessions, data.clock, data.outbox.worker_id, self.settings.inbox_write_seconds
        )

        def decode(raw: dict[str, Any]) -> object:
            update = Update.de_json(raw, app.bot)
            if isinstance(app.bot, ExtBot):
                app.bot.insert_callback_data(update)
            return update

        await replay(data.inbox, app.update_queue, decode)
        if self.inbox_queue is not None:
            self.inbox_queue.inbox = data.inbox
        if self.run_outbox and data.inbox.postgresql:
            every = self.settings.worker_liveness_seconds
            taking = keep_taking_over(data.inbox, app.update_queue, decode, self.worker_stop, every)
            self.tasks.append(asyncio.create_task(taking, name="inbox"))

    async def set_menus(self, app: BotApplication) -> None:
        data = app.bot_data
        assert data.catalogs is not None
        for locale in LOCALES:
            t = data.catalogs.translator(locale, self.settings.tz)
            menu = command_menu(data.commands, GUEST, t.label)
            await app.bot.set_my_commands(
                menu,
                scope=BotCommandScopeDefault(),
                language_code=None if locale == self.settings.default_locale else locale[:2],
            )

    async def stop_outbox(self, app: BotApplication) -> None:
        self.worker_stop.set()
        while self.tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                # Cancelled at the deadline: sends cut short stay claimed, released below.
                await asyncio.wait_for(
                    self.tasks.pop(), timeout=max(self.shutdown.remaining(), 0.1)
                )
        inbox = app.bot_data.inbox
        if inbox is not None:  # before we say we are gone: others would replay these
            with contextlib.suppress(Exception):
                await inbox.flush()
        worker = app.bot_data.outbox
        if self.run_outbox and worker is not None and not self.released:
            self.released = True
            try:
                await worker.release()
            except Exception:  # the database is gone: leases and liveness cover it
                log.exception("outbox: could not release claims at shutdown")

    async def post_stop(self, app: BotApplication) -> None:
        # Before the bot shuts down (post_shutdown is after): the sends in flight still have
        # a rate limiter and a connection to finish on, and their outcomes get recorded.
        await self.stop_outbox(app)

    async def post_shutdown(self, app: BotApplication) -> None:
        await self.stop_outbox(app)  # for callers that drive the steps without post_stop
        while self.health:
            await self.health.pop().stop()
        if self.owns_engine and self.engine is not None:
            await self.engine.dispose()


def build_application(
    settings: Settings,
    *,
    register: Register,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    migrate: bool | None = None,
    run_outbox: bool = True,
    concurrent_updates: int = 32,
    graceful: bool = False,
    serve_health: bool = False,
) -> BotApplication:
    """Assemble the Application; engine, outbox and catalogs start in post_init.

    `migrate` defaults to upgrading SQLite automatically; PostgreSQL is migrated with
    `dangjian db upgrade`. Tests pass their own engine and clock, and drive the outbox.
    `graceful` (`dangjian run`) handles SIGTERM as bot.shutdown describes; `serve_health`
    starts /healthz and /metrics on HEALTH_LISTEN:HEALTH_PORT (bot.health).
    """
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is required to build the application")
    limits = Limits(
        per_second=settings.effective_rate_per_second,
        per_chat_per_second=settings.rate_per_chat_per_second,
        group_per_minute=settings.rate_group_per_minute,
    )
    life = Lifecycle(settings, engine, migrate, run_outbox, graceful, serve_health)
    processor = PerUserUpdateProcessor(concurrent_updates)
    polls = InboxPollRequest(connection_pool_size=1)  # PTB's default for getUpdates
    builder = (
        Application.builder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .rate_limiter(DeliveryRateLimiter(limits))
        # Every call but getUpdates: httpx's per-call CPU capped a process below 300 msg/s.
        .request(AiohttpRequest(connection_pool_size=max(256, settings.delivery_concurrency * 2)))
        .get_updates_request(polls)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(Defaults(parse_mode="HTML", tzinfo=settings.tz))
        .concurrent_updates(processor)
        .post_init(life.post_init)
        .post_stop(life.post_stop)
        .post_shutdown(life.post_shutdown)
    )
    if settings.bot_api_file_url:
        builder = builder.base_file_url(settings.bot_api_file_url)
    app: BotApplication = builder.build()  # type: ignore[assignment]
    app.bot_data.settings = settings
    receive_through_inbox(app, settings, life, polls, processor)
    if clock is not None:
        app.bot_data.clock = clock
    register(app)
    return app


def receive_through_inbox(
    app: BotApplication,
    settings: Settings,
    life: Lifecycle,
    polls: InboxPollRequest,
    processor: PerUserUpdateProcessor,
) -> None:
    """Received updates go to the inbox (committed) before they are queued (bot/inbox.py);
    a handled update's row is deleted."""
    life.inbox_queue = InboxQueue(app.update_queue, settings.inbox_write_seconds)
    polls.inbox_queue = life.inbox_queue
    received = cast("asyncio.Queue[object]", life.inbox_queue)
    if settings.webhook_url:
        app.updater = WebhookUpdater(
            bot=app.bot, update_queue=received, register=settings.webhook_register
        )
    else:
        app.updater = InboxUpdater(bot=app.bot, update_queue=received)
    processor.observer = app.bot_data.metrics.observe_update

    def handled(update: Update) -> None:
        if app.bot_data.inbox is not None:
            app.bot_data.inbox.handled(update.update_id)

    processor.on_handled = handled
