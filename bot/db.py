"""Engine and session factory, made by functions: nothing connects at import time."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from sqlmodel.ext.asyncio.session import AsyncSession

Sessions = async_sessionmaker[AsyncSession]

BUSY_TIMEOUT = 30.0
_READS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; SQLite gets WAL, foreign keys and a generous busy timeout."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)
        _queue_writers(engine.sync_engine.dialect)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class _WriterQueue:
    """SQLite: a transaction's first write waits its turn on an asyncio.Lock.

    SQLite has one writer at a time, and a blocked writer polls with sleeps that grow to
    25–100 ms (its busy handler), so a short write (a 收到 press) kept losing the race
    to the outbox worker's steady transactions. Queued here, writers take turns in arrival
    order and sleep no longer than needed; reads never wait (WAL). The lock is held from
    the first write to COMMIT/ROLLBACK, exactly as SQLite holds its own, and a wait longer
    than the busy timeout fails with the error SQLite would give.
    """

    def __init__(self) -> None:
        self.locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.holders: dict[int, asyncio.Lock] = {}  # id(DBAPI connection) -> the lock it holds

    @staticmethod
    def _key(conn: Any) -> int:
        return id(getattr(conn, "dbapi_connection", None) or conn)

    def take(self, conn: Any, statement: str) -> None:
        key = self._key(conn)
        if key in self.holders or statement.lstrip()[:8].upper().startswith(_READS):
            return
        loop = asyncio.get_running_loop()
        lock = self.locks.get(loop)
        if lock is None:
            lock = self.locks[loop] = asyncio.Lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), BUSY_TIMEOUT))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self.holders[key] = lock

    def give(self, conn: Any) -> None:
        lock = self.holders.pop(self._key(conn), None)
        if lock is not None:
            lock.release()


# The dialect's statement runners (they take the execution context last) and the calls
# that end a connection's transaction.
_EXECUTES = ("do_execute", "do_execute_no_params", "do_executemany")
_ENDS = ("do_commit", "do_rollback", "do_close", "do_terminate")


def _queue_writers(dialect: Dialect) -> None:
    """Put the dialect's writes in one queue per event loop (see _WriterQueue)."""
    queue = _WriterQueue()

    def taking(run: Any) -> Any:
        def execute(cursor: Any, statement: str, *args: Any, **kwargs: Any) -> None:
            context: Any = kwargs.get("context") or (args[-1] if args else None)
            if hasattr(context, "root_connection"):
                queue.take(context.root_connection.connection, statement)
            run(cursor, statement, *args, **kwargs)

        return execute

    def giving(end: Any) -> Any:
        def finish(conn: Any) -> None:
            try:
                end(conn)
            finally:
                queue.give(conn)

        return finish

    for name in _EXECUTES:
        setattr(dialect, name, taking(getattr(dialect, name)))
    for name in _ENDS:
        setattr(dialect, name, giving(getattr(dialect, name)))


def make_sessions(engine: AsyncEngine) -> Sessions:
    """Sessions keep loaded attributes after commit, so handlers can render afterwards."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
