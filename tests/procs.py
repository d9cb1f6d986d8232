"""Real `dangjian run` processes against the simulator, for the few tests that need them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.migrate import head_revision
from simulator import BotAPISimulator

ROOT = Path(__file__).resolve().parent.parent


async def stamp_head(engine: AsyncEngine) -> None:
    """Mark a database made by create_all as migrated, as `dangjian run` requires."""
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
        )
        await conn.execute(text("DELETE FROM alembic_version"))
        await conn.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
            {"v": head_revision(url)},
        )


async def unstamp(engine: AsyncEngine) -> None:
    """Forget the stamp (create_all never makes alembic_version; the next test expects none)."""
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


class BotRun:
    """`python -m bot run` in a child process, configured through its environment."""

    def __init__(self, sim: BotAPISimulator, engine: AsyncEngine, **env: str) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": sim.token,
            "BOT_API_URL": sim.base_url,
            "BOT_API_FILE_URL": sim.base_file_url,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "ERROR_REPORT_INTERVAL_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    async def wait(self) -> int:
        """The exit code (waits in a thread; the process bounds itself by its grace)."""
        assert self.proc is not None
        return await asyncio.to_thread(self.proc.wait)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@contextlib.asynccontextmanager
async def bot_runs(
    sim: BotAPISimulator, engine: AsyncEngine, count: int = 1, **env: Callable[[int], str] | str
) -> AsyncIterator[list[BotRun]]:
    """`count` processes; an env value may be a function of the process's index."""
    runs = [
        BotRun(sim, engine, **{k: v(i) if callable(v) else v for k, v in env.items()})
        for i in range(count)
    ]
    try:
        for r in runs:
            r.start()
        yield runs
    finally:
        for r in runs:
            r.kill()


class Balancer:
    """A small round-robin HTTP balancer in front of several webhook processes.

    Each POST goes to the next backend; one that refuses the connection (stopping, or
    killed) is skipped for the next, as a proxy's retry would, so no update is lost to a
    worker that is gone.
    """

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.next = 0
        self.port = 0
        self.forwarded: list[int] = []  # backend port of each update passed on
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        assert self._http is not None
        for _ in range(len(self.backends)):
            port = self.backends[self.next % len(self.backends)]
            self.next += 1
            try:
                async with self._http.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body, headers=request.headers
                ) as resp:
                    self.forwarded.append(port)
                    return web.Response(status=resp.status, body=await resp.read())
            except (OSError, ClientConnectionError):
                continue
        return web.Response(status=502)

    async def __aenter__(self) -> Balancer:
        self._http = ClientSession(timeout=ClientTimeout(total=60))
        app = web.Application()
        app.router.add_post("/{path:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()


async def port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
