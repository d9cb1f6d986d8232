"""What several bot processes on one database know about each other (issue 17)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class WorkerProcess(SQLModel, table=True):
    """One running (or once running) outbox worker: a bot process.

    `name` is what the worker writes into `delivery.claimed_by`. On PostgreSQL the
    process holds an advisory lock keyed by `id` for as long as it lives (see
    bot/delivery/liveness.py); `heartbeat_at` is for people (/healthz, `db check`) and is
    the liveness on SQLite.
    """

    __tablename__ = "worker_process"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    host: str = Field(max_length=64)
    pid: int
    started_at: datetime = Field(sa_type=UtcDateTime)
    heartbeat_at: datetime = Field(sa_type=UtcDateTime)
    stopped_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
