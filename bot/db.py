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


def _queue_writers(dialect: Dialect) -> None:
    """SQLite: a transaction's first write waits its turn on an asyncio.Lock.

    SQLite has one writer at a time, and a blocked writer polls with sleeps that grow to
    25–100 ms (its busy handler), so a short write (a 收到 press) kept losing the race
    to the outbox worker's steady transactions. Queued here, writers take turns in arrival
    order and sleep no longer than needed; reads never wait (WAL). The lock is held from
    the first write to COMMIT/ROLLBACK, exactly as SQLite holds its own, and a wait longer
    than the busy timeout fails with the error SQLite would give.
    """
    locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
        weakref.WeakKeyDictionary()
    )
    holders: dict[int, asyncio.Lock] = {}  # id(DBAPI connection) -> the lock it holds

    def raw(conn: Any) -> Any:
        return getattr(conn, "dbapi_connection", None) or conn

    def take(conn: Any, statement: str) -> None:
        key = id(raw(conn))
        if key in holders or statement.lstrip()[:8].upper().startswith(_READS):
            return
        loop = asyncio.get_running_loop()
        lock = locks.get(loop)
        if lock is None:
            lock = locks[loop] = asyncio.Lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), BUSY_TIMEOUT))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        holders[key] = lock

    def give(conn: Any) -> None:
        lock = holders.pop(id(raw(conn)), None)
        if lock is not None:
            lock.release()

    do_execute, do_execute_no_params = dialect.do_execute, dialect.do_execute_no_params
    do_executemany, do_commit, do_rollback = (
        dialect.do_executemany,
        dialect.do_commit,
        dialect.do_rollback,
    )
    do_close, do_terminate = dialect.do_close, dialect.do_terminate

    def execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if context is not None:
            take(context.root_connection.connection, statement)
        do_execute(cursor, statement, parameters, context)

    def execute_no_params(cursor: Any, statement: str, context: Any = None) -> None:
        if context is not None:
            take(context.root_connection.connection, statement)
        do_execute_no_params(cursor, statement, context)

    def executemany(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if context is not None:
            take(context.root_connection.connection, statement)
        do_executemany(cursor, statement, parameters, context)

    def commit(conn: Any) -> None:
        try:
            do_commit(conn)
        finally:
            give(conn)

    def rollback(conn: Any) -> None:
        try:
            do_rollback(conn)
        finally:
            give(conn)

    def close(conn: Any) -> None:
        try:
            do_close(conn)
        finally:
            give(conn)

    def terminate(conn: Any) -> None:
        try:
            do_terminate(conn)
        finally:
            give(conn)

    dialect.do_execute = execute  # type: ignore[method-assign]
    dialect.do_execute_no_params = execute_no_params  # type: ignore[method-assign]
    dialect.do_executemany = executemany  # type: ignore[method-assign]
    dialect.do_commit = commit  # type: ignore[method-assign,assignment]
    dialect.do_rollback = rollback  # type: ignore[method-assign,assignment]
    dialect.do_close = close  # type: ignore[method-assign,assignment]
    dialect.do_terminate = terminate  # type: ignore[method-assign,assignment]


def make_sessions(engine: AsyncEngine) -> Sessions:
    """Sessions keep loaded attributes after commit, so handlers can render afterwards."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
