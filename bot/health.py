"""/healthz and /metrics on a port of their own (HEALTH_PORT), for operators and Prometheus.

Each bot process serves its own figures: run several and scrape each (compose and the
README's sample scrape do this); nothing is shared between processes, so no
prometheus-client multiprocess mode is needed. Counters are this process's since it
started; the database figures (backlog, oldest pending) are the same in every process.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, text
from sqlmodel import col, select

from bot.models import BatchState, Delivery, DeliveryBatch, DeliveryStatus

if TYPE_CHECKING:
    from bot.context import BotApplication

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def update_kind(update: object) -> str:
    """What an update is, for the per-kind counter: command, message, callback_query …."""
    message = getattr(update, "message", None)
    if message is not None:
        text_ = getattr(message, "text", None) or ""
        return "command" if text_.startswith("/") else "message"
    for kind in ("callback_query", "my_chat_member", "edited_message", "chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


class _Live(Collector):
    """Figures read from the running objects at scrape time (worker and pacer counters)."""

    def __init__(self, app: BotApplication) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        outcomes = CounterMetricFamily(
            "dangjian_deliveries",
            "Outbox sends recorded by this process, by outcome",
            labels=["outcome"],
        )
        worker = self.app.bot_data.outbox
        if worker is not None:
            st = worker.stats
            for outcome, value in (
                ("sent", st.sent),
                ("failed", st.failed),
                ("blocked", st.blocked),
                ("retried", st.retried),
                ("recovered", st.recovered),
            ):
                outcomes.add_metric([outcome], value)
        yield outcomes
        limiter = getattr(self.app.bot, "rate_limiter", None)
        pacer = getattr(limiter, "pacer", None)
        refused = CounterMetricFamily(
            "dangjian_telegram_429", "429 Too Many Requests answers received from Telegram"
        )
        refused.add_metric([], pacer.stats.retry_after if pacer is not None else 0)
        yield refused


class Metrics:
    """This process's Prometheus registry and what feeds it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("dangjian_updates", "Updates handled, by kind", ["kind"], registry=r)
        self.handler_seconds = Histogram(
            "dangjian_handler_seconds",
            "Time to handle one update",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.job_runs = Counter(
            "dangjian_job_runs",
            "Scheduled job runs, by job and result",
            ["job", "result"],
            registry=r,
        )
        self.backlog = Gauge(
            "dangjian_outbox_backlog",
            "Deliveries pending or being sent (all processes)",
            registry=r,
        )
        self.oldest_pending = Gauge(
            "dangjian_outbox_oldest_pending_seconds",
            "Age of the oldest delivery that is due and not yet sent",
            registry=r,
        )
        self.since_update = Gauge(
            "dangjian_seconds_since_last_update",
            "Seconds since this process last handled an update",
            registry=r,
        )
        self.started = time.monotonic()
        self.last_update: float | None = None

    def observe_update(self, update: object, seconds: float) -> None:
        self.updates.labels(update_kind(update)).inc()
        self.handler_seconds.observe(seconds)
        self.last_update = time.monotonic()

    def seconds_since_update(self) -> float | None:
        if self.last_update is None:
            return None
        return time.monotonic() - self.last_update


async def outbox_figures(app: BotApplication, now: datetime) -> tuple[int, float]:
    """(backlog, age in seconds of the oldest due delivery) from the database."""
    sessions = app.bot_data.sessions
    assert sessions is not None
    async with sessions() as s:
        await s.execute(text("SELECT 1"))
        backlog = (
            await s.execute(
                select(func.count()).where(
                    col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending])
                )
            )
        ).scalar_one()
        oldest = (
            await s.execute(
                select(func.min(Delivery.next_attempt_at))
                .join(DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id))
                .where(
                    col(Delivery.status) == DeliveryStatus.pending,
                    col(Delivery.next_attempt_at) <= now,
                    col(DeliveryBatch.state) == BatchState.active,
                )
            )
        ).scalar_one()
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return int(backlog), age


class HealthServer:
    """The aiohttp server of /healthz and /metrics, started and stopped with the bot."""

    def __init__(self, app: BotApplication, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        metrics.registry.register(_Live(app))
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def healthz(self, _request: web.Request) -> web.Response:
        settings = self.app.bot_data.settings
        assert settings is not None
        body: dict[str, Any] = {"status": "ok"}
        try:
            backlog, age = await outbox_figures(self.app, self.app.bot_data.clock.now())
        except Exception as exc:
            log.warning("healthz: the database is not reachable (%s)", type(exc).__name__)
            body |= {"status": "unhealthy", "database": "unreachable"}
            return web.json_response(body, status=503)
        since = self.metrics.seconds_since_update()
        body |= {
            "database": "ok",
            "outbox_backlog": backlog,
            "oldest_pending_seconds": round(age, 1),
            "seconds_since_last_update": None if since is None else round(since, 1),
        }
        limit = settings.health_max_pending_age_seconds
        if limit and age > limit:
            body |= {"status": "unhealthy", "reason": f"a delivery has waited over {limit} s"}
            return web.json_response(body, status=503)
        return web.Response(text=json.dumps(body), content_type="application/json")

    async def metrics_page(self, _request: web.Request) -> web.Response:
        try:
            backlog, age = await outbox_figures(self.app, self.app.bot_data.clock.now())
            self.metrics.backlog.set(backlog)
            self.metrics.oldest_pending.set(age)
        except Exception:
            log.warning("metrics: the database is not reachable; outbox figures not updated")
        since = self.metrics.seconds_since_update()
        self.metrics.since_update.set(
            since if since is not None else time.monotonic() - self.metrics.started
        )
        return web.Response(
            body=generate_latest(self.metrics.registry), headers={"Content-Type": CONTENT_TYPE}
        )

    async def start(self, host: str, port: int) -> None:
        web_app = web.Application()
        web_app.router.add_get("/healthz", self.healthz)
        web_app.router.add_get("/metrics", self.metrics_page)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("health and metrics on http://%s:%s/healthz and /metrics", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
