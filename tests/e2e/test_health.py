"""/healthz and /metrics: what an operator and Prometheus see of a running bot (issue 17)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.db import make_engine, make_sessions
from bot.health import HealthServer
from tests.e2e.test_delivery import fan_out
from tests.harness import Harness


@pytest.fixture
async def health(h: Harness) -> AsyncIterator[str]:
    server = HealthServer(h.app, h.app.bot_data.metrics)
    await server.start("127.0.0.1", 0)  # any free port
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


def samples(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(page):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


async def test_healthz_reports_the_outbox_and_fails_when_deliveries_wait_too_long(
    h: Harness, health: str
) -> None:
    async with httpx.AsyncClient() as client:
        ok = await client.get(f"{health}/healthz")
        assert ok.status_code == 200
        assert ok.json()["status"] == "ok"
        assert ok.json()["database"] == "ok"
        assert ok.json()["outbox_backlog"] == 0
        people = [h.person(f"p{i}") for i in range(3)]
        await fan_out(h, [p.id for p in people])
        h.clock.advance(minutes=5)  # nobody sends: the rows wait
        waiting = (await client.get(f"{health}/healthz")).json()
        assert waiting["outbox_backlog"] == 3
        assert waiting["oldest_pending_seconds"] == pytest.approx(300)
        assert waiting["status"] == "ok"
        h.clock.advance(minutes=11)  # past HEALTH_MAX_PENDING_AGE_SECONDS (15 min)
        stuck = await client.get(f"{health}/healthz")
        assert stuck.status_code == 503
        assert stuck.json()["status"] == "unhealthy"
        await h.deliver()
        assert (await client.get(f"{health}/healthz")).status_code == 200


async def test_healthz_is_503_when_the_database_is_unreachable(h: Harness, health: str) -> None:
    real = h.app.bot_data.sessions
    nowhere = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    h.app.bot_data.sessions = make_sessions(nowhere)
    try:
        async with httpx.AsyncClient() as client:
            down = await client.get(f"{health}/healthz")
    finally:
        h.app.bot_data.sessions = real
        await nowhere.dispose()
    assert down.status_code == 503
    assert down.json()["database"] == "unreachable"


async def test_metrics_count_updates_handler_time_deliveries_and_backlog(
    h: Harness, health: str
) -> None:
    branch = await h.setup_branch(members=2)
    await h.send(branch.members[0], "/me")
    await h.send(branch.members[0], "hello")
    await fan_out(h, [m.id for m in branch.members])
    async with httpx.AsyncClient() as client:
        before = samples((await client.get(f"{health}/metrics")).text)
        await h.deliver()
        page = await client.get(f"{health}/metrics")
    assert page.headers["content-type"].startswith("text/plain")
    after = samples(page.text)
    assert after[("dangjian_updates_total", (("kind", "command"),))] >= 1
    assert after[("dangjian_updates_total", (("kind", "message"),))] >= 1
    count = after[("dangjian_handler_seconds_count", ())]
    assert count >= 2
    assert after[("dangjian_handler_seconds_bucket", (("le", "+Inf"),))] == count
    assert before[("dangjian_outbox_backlog", ())] == 2
    assert after[("dangjian_outbox_backlog", ())] == 0
    sent = ("dangjian_deliveries_total", (("outcome", "sent"),))
    assert after[sent] - before[sent] == 2
    assert ("dangjian_telegram_429_total", ()) in after
    assert ("dangjian_seconds_since_last_update", ()) in after


async def test_job_runs_are_counted(h: Harness, health: str) -> None:
    assert h.app.job_queue is not None
    ran = []

    async def tick(_context: object) -> None:
        ran.append(1)

    job = h.app.job_queue.run_once(tick, when=0, name="test-tick")
    await h.sim.wait_until(lambda: bool(ran), what="the job")
    assert job.name == "test-tick"
    async with httpx.AsyncClient() as client:
        for _ in range(100):  # the listener runs right after the job returns
            found = samples((await client.get(f"{health}/metrics")).text)
            key = ("dangjian_job_runs_total", (("job", "test-tick"), ("result", "ok")))
            if key in found:
                break
    assert found[key] == 1
