"""Settings: the only reader of the environment (and of `.env`)."""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/dangjian.db"
PUBLIC_BOT_API = "https://api.telegram.org/bot"

Locale = Literal["zh_CN", "en"]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]  # HH:MM, local
MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]  # MM-DD
Proportion = Annotated[float, Field(ge=0, le=1)]


class Settings(BaseSettings):
    """Everything the bot reads from the environment; `.env.example` explains each key."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    bot_api_url: str = PUBLIC_BOT_API
    bot_api_file_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Shanghai"
    default_locale: Locale = "zh_CN"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    invite_ttl_days: int = Field(default=7, ge=1, le=365)
    invite_max_uses: int = Field(default=50, ge=1, le=10_000)

    # Telegram's limits; the delivery engine paces every send by them.
    rate_global_per_second: float = Field(default=30.0, gt=0, le=1000)
    rate_per_chat_per_second: float = Field(default=1.0, gt=0, le=100)
    rate_group_per_minute: int = Field(default=20, ge=1, le=1000)
    allow_paid_broadcast: bool = False
    # How many bot processes share the token: each paces at the overall limit ÷ this (the
    # per-chat and per-group limits need no share: one chat's sends come from one place).
    rate_processes: int = Field(default=1, ge=1, le=64)
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_concurrency: int = Field(default=64, ge=1, le=1000)

    error_report_interval_seconds: int = Field(default=300, ge=0)

    # Production. On SIGTERM the bot stops taking updates and gives the handlers and sends
    # in flight this long to finish before it gives up on them (their claims released).
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    # How often each outbox worker checks which others are alive and takes over the rows
    # of a dead one (several processes on PostgreSQL; see bot/delivery/liveness.py).
    worker_liveness_seconds: float = Field(default=1.0, gt=0, le=60)
    # The update inbox (bot/inbox.py): how long an update's commit is waited for before
    # it is handled without it (polling) or refused with 500 (webhook). While the database
    # is away a write can hang far longer (connect and pool timeouts), and in polling mode
    # every update behind it waits too.
    inbox_write_seconds: float = Field(default=2.0, gt=0, le=30)
    # Tests only: updates from this Telegram user are claimed and then wait for ever, so
    # the person's later updates queue behind them (tests/e2e/test_inbox.py kills the
    # process there to show the inbox keeps them). Never set it in production.
    hold_updates_from: int | None = None
    # /healthz and /metrics (bot/health.py) on a port of their own: "auto" serves them in
    # webhook mode only. /healthz answers 503 when the database is unreachable or a due
    # delivery has waited longer than HEALTH_MAX_PENDING_AGE_SECONDS (0: never for that).
    health_server: Literal["auto", "on", "off"] = "auto"
    health_listen: str = "127.0.0.1"
    health_port: int = Field(default=8081, ge=0, le=65535)
    health_max_pending_age_seconds: int = Field(default=900, ge=0)

    # Webhook instead of long polling (the way to run several bot processes on one
    # PostgreSQL behind a load balancer). Telegram needs an https URL on port 443, 80, 88
    # or 8443; the bot listens on WEBHOOK_LISTEN:WEBHOOK_PORT behind your TLS proxy.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Who calls setWebhook when several processes share the URL (bot/webhook.py).
    webhook_register: Literal["auto", "always", "never"] = "auto"

    # 三会一课: remind invitees this many minutes before a meeting starts (24 h and 1 h).
    meeting_reminder_minutes: Annotated[tuple[int, ...], NoDecode] = (1440, 60)

    # 第一议题 study: default due date, nudge, quiet hours (local), default push time.
    study_due_days: int = Field(default=7, ge=1, le=365)
    study_nudge_hours_before: int = Field(default=24, ge=1, le=24 * 30)
    study_quiet_start: ClockTime = "22:00"
    study_quiet_end: ClockTime = "08:00"
    study_default_time: ClockTime = "09:00"
    study_job_interval_seconds: int = Field(default=60, ge=5, le=3600)
    # RSS/Atom feeds of study material.
    feed_interval_minutes: int = Field(default=60, ge=1, le=24 * 60)
    feed_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    feed_max_bytes: int = Field(default=2_000_000, ge=1024, le=50_000_000)
    feed_max_redirects: int = Field(default=3, ge=0, le=10)
    feed_max_new_entries: int = Field(default=10, ge=1, le=50)

    # 诉求 requests: accept (受理) within this many working days and resolve (办结) within
    # this many calendar days, or the admins are told once. Working days skip Saturdays,
    # Sundays and the holidays listed (YYYY-MM-DD, comma-separated; empty by default).
    requests_accept_working_days: int = Field(default=2, ge=1, le=60)
    requests_resolve_days: int = Field(default=15, ge=1, le=365)
    requests_holidays: Annotated[tuple[date, ...], NoDecode] = ()
    requests_job_interval_seconds: int = Field(default=300, ge=5, le=24 * 3600)
    # Oversight (组织生活 calendar, health levels, 换届, 述职评议): how often the job runs,
    # the health indicators' thresholds, the weekly digest's time and the default term.
    oversight_job_interval_seconds: int = Field(default=300, ge=5, le=3600)
    health_committee_min: int = Field(default=3, ge=1, le=50)
    health_committee_branch_size: int = Field(default=7, ge=1, le=1000)
    health_idle_days: int = Field(default=60, ge=1, le=366)
    health_attendance_min: Proportion = 0.6
    health_study_min: Proportion = 0.5
    health_pledge_min: Proportion = 0.8
    health_pledge_after: MonthDay = "03-31"
    health_secretary_idle_days: int = Field(default=30, ge=1, le=366)
    health_satisfaction_min: Proportion = 0.6
    health_satisfaction_min_rated: int = Field(default=5, ge=1, le=1000)
    health_training_min: Proportion = 0.5
    health_training_after: MonthDay = "03-31"
    digest_weekday: int = Field(default=0, ge=0, le=6)  # 0 = Monday
    digest_time: ClockTime = "09:00"
    term_years: int = Field(default=3, ge=1, le=10)
    # 教育培训: how often the job looks for behind-target members and the 6-month rule.
    training_job_interval_seconds: int = Field(default=900, ge=5, le=24 * 3600)

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()
        ):
            raise ValueError("must be 16–256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @field_validator(
        "bot_token", "bot_api_file_url", "webhook_url", "webhook_secret", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated Telegram user ids") from None
        return value

    @field_validator("meeting_reminder_minutes", mode="before")
    @classmethod
    def _parse_reminder_minutes(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                minutes = tuple(int(p) for p in value.split(",") if p.strip())
            except ValueError:
                raise ValueError("must be comma-separated minutes, e.g. 1440,60") from None
            if any(m <= 0 for m in minutes):
                raise ValueError("minutes must be positive")
            return minutes
        return value

    @field_validator("requests_holidays", mode="before")
    @classmethod
    def _parse_holidays(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return tuple(date.fromisoformat(p.strip()) for p in value.split(",") if p.strip())
            except ValueError:
                raise ValueError(
                    "must be comma-separated dates, e.g. 2026-10-01,2026-10-02"
                ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("bot_api_url", "bot_api_file_url", "webhook_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def health_enabled(self) -> bool:
        if self.health_server == "auto":
            return self.webhook_url is not None
        return self.health_server == "on"

    @property
    def effective_rate_per_second(self) -> float:
        """This process's share of the overall limit (paid broadcasts: Telegram's 1000/s)."""
        limit = 1000.0 if self.allow_paid_broadcast else self.rate_global_per_second
        return limit / self.rate_processes


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the key."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        message = str(err["msg"]).removeprefix("Value error, ")
        if not err["loc"]:  # a rule across keys names them itself
            raise ConfigError(f"configuration error: {message}") from None
        raise ConfigError(f"configuration error: {str(err['loc'][0]).upper()}: {message}") from None
