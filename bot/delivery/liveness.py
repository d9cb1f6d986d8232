"""Which outbox workers are alive, so a dead one's claims are taken over in seconds.

A claim carries a lease (2 minutes), but waiting it out stalled a broadcast for two
minutes after a crash. Each worker therefore registers a `worker_process` row, and:

- On PostgreSQL it holds a session advisory lock keyed by that row's id, on a connection
  of its own, for as long as it lives. Chosen over a heartbeat because it cannot be
  wrong in the dangerous direction: a process that is alive but slow (a long event-loop
  stall, a busy machine) keeps its lock, so nobody takes its rows and sends them twice;
  and a dead process loses it at once — the kernel closes its socket, the server ends
  the backend and the lock with it — so nobody waits for a timeout either. Every worker
  reads `pg_locks` once a second and takes back the rows of registered workers that hold
  no lock. (Advisory locks do not survive a transaction-pooling pgbouncer: connect the
  bot to PostgreSQL directly or in session pooling mode.)
- On SQLite (one process) the heartbeat is the liveness; a restart takes back everything.
- Leases stay as the last resort: a host that froze with its connection still open.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col, select

from bot.clock import Clock
from bot.db import Sessions
from bot.models import Delivery, DeliveryStatus, WorkerProcess

log = logging.getLogger(__name__)

# The first key of every advisory lock this bot takes (the second is worker_process.id);
# an arbitrary constant so other applications' advisory locks are told apart.
LOCK_SPACE = 0x0DA9_1A90
# SQLite: a worker whose heartbeat is older than this is dead.
STALE_AFTER = timedelta(seconds=15)
# Rows of workers gone this long are deleted (unless they still own a claim).
FORGET_AFTER = timedelta(days=1)

_DEAD_ON_POSTGRESQL = text(
    """
    SELECT w.name FROM worker_process w
    WHERE w.name <> :me AND w.name IN (
        SELECT claimed_by FROM delivery WHERE status = 'sending' AND claimed_by IS NOT NULL)
    AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = CAST(:space AS oid) AND l.objid = CAST(w.id AS oid))
    """
)


def default_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}"


class Liveness:
    """This process's registration, and the question "whose claims are orphaned?"."""

    def __init__(self, sessions: Sessions, clock: Clock, name: str) -> None:
        self.sessions = sessions
        self.clock = clock
        self.name = name
        self.id: int | None = None
        self._lock_conn: AsyncConnection | None = None

    @property
    def engine(self) -> AsyncEngine:
        bind = self.sessions.kw.get("bind")
        assert isinstance(bind, AsyncEngine)
        return bind

    @property
    def postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def start(self) -> None:
        """Register (and on PostgreSQL take the lock) before the first claim."""
        now = self.clock.now()
        async with self.sessions() as s:
            row = WorkerProcess(
                name=self.name,
                host=socket.gethostname()[:64],
                pid=os.getpid(),
                started_at=now,
                heartbeat_at=now,
            )
            s.add(row)
            await s.commit()
            self.id = row.id
        if self.postgresql:
            await self._lock()

    async def _lock(self) -> None:
        conn = await self.engine.connect()
        try:
            await conn.execute(
                text("SELECT pg_advisory_lock(:space, :id)"), {"space": LOCK_SPACE, "id": self.id}
            )
            await conn.commit()  # a session lock outlives the transaction
        except BaseException:
            await conn.close()
            raise
        self._lock_conn = conn

    async def beat(self) -> None:
        """Write the heartbeat; make sure the lock's connection is still there."""
        now = self.clock.now()
        async with self.sessions() as s:
            await s.execute(
                update(WorkerProcess)
                .where(col(WorkerProcess.id) == self.id)
                .values(heartbeat_at=now)
            )
            await s.execute(
                delete(WorkerProcess).where(
                    col(WorkerProcess.heartbeat_at) < now - FORGET_AFTER,
                    col(WorkerProcess.name).not_in(
                        select(Delivery.claimed_by).where(
                            col(Delivery.status) == DeliveryStatus.sending,
                            col(Delivery.claimed_by).is_not(None),
                        )
                    ),
                )
            )
            await s.commit()
        if self.postgresql:
            await self._check_lock()

    async def _check_lock(self) -> None:
        conn = self._lock_conn
        try:
            if conn is None:
                raise ConnectionError("no lock connection")
            await conn.execute(text("SELECT 1"))
            await conn.commit()
        except Exception:
            # The database went away and came back: the lock went with the connection.
            # Others may meanwhile have taken our claims (sends in flight may be doubled,
            # and are then counted as ambiguous); take the lock again to stay alive.
            log.warning("outbox: the liveness lock's connection was lost; locking again")
            if conn is not None:
                await conn.invalidate()
                await conn.close()
            self._lock_conn = None
            await self._lock()

    async def dead_owners(self) -> list[str]:
        """Names of workers that own rows in `sending` and are no longer alive."""
        async with self.sessions() as s:
            if self.postgresql:
                result: Any = await s.execute(
                    _DEAD_ON_POSTGRESQL, {"me": self.name, "space": LOCK_SPACE}
                )
            else:
                stale = self.clock.now() - STALE_AFTER
                result = await s.execute(
                    select(WorkerProcess.name).where(
                        col(WorkerProcess.name) != self.name,
                        (col(WorkerProcess.heartbeat_at) < stale)
                        | col(WorkerProcess.stopped_at).is_not(None),
                    )
                )
            names = [str(n) for n in result.scalars()]
            await s.commit()
        return names

    async def stop(self, now: datetime | None = None) -> None:
        """Say we are gone (a clean shutdown): others need not wait for anything."""
        try:
            async with self.sessions() as s:
                await s.execute(
                    update(WorkerProcess)
                    .where(col(WorkerProcess.id) == self.id)
                    .values(stopped_at=now or self.clock.now())
                )
                await s.commit()
        finally:
            conn, self._lock_conn = self._lock_conn, None
            if conn is not None:
                try:
                    await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                    await conn.commit()
                finally:
                    await conn.close()  # back to the pool, holding no lock
