"""Settings: defaults, parsing, and one clear line per bad key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(str(tmp_path))  # no .env here
    for key in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "TIMEZONE", "DEFAULT_LOCALE"):
        monkeypatch.delenv(key, raising=False)
    s = load_settings()
    assert s.database_url.startswith("sqlite+aiosqlite:///./data/")
    assert s.timezone == "Asia/Shanghai"
    assert s.default_locale == "zh_CN"
    assert s.admin_ids == frozenset()
    assert s.bot_token is None


def test_admin_ids_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", " 1, 22 ,333")
    assert load_settings().admin_ids == frozenset({1, 22, 333})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ADMIN_IDS", "12,abc"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "fr"),
        ("DATABASE_URL", "mysql://x"),
        ("BOT_API_URL", "api.telegram.org"),
        ("RATE_GLOBAL_PER_SECOND", "-1"),
    ],
)
def test_bad_values_name_the_key(monkeypatch: pytest.MonkeyPatch, key: str, value: str) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert key in message
    assert "\n" not in message


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:SECRET")
    s = load_settings()
    assert "SECRET" not in repr(s)
    assert "SECRET" not in str(s.model_dump())


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "short")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "a-long-enough_secret-123")
    assert load_settings().webhook_secret is not None


def test_env_example_is_a_valid_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key in {name.upper() for name in Settings.model_fields}:
            monkeypatch.delenv(key)
    s = load_settings()
    assert s.webhook_url is None
    assert s.bot_token is None
    assert s.timezone == "Asia/Shanghai"


def test_processes_share_the_overall_limit() -> None:
    one = Settings(_env_file=None)  # type: ignore[call-arg]
    assert one.effective_rate_per_second == 30
    two_paid = Settings(_env_file=None, allow_paid_broadcast=True, rate_processes=2)  # type: ignore[call-arg]
    assert two_paid.effective_rate_per_second == 500
    three = Settings(_env_file=None, rate_global_per_second=300, rate_processes=3)  # type: ignore[call-arg]
    assert three.effective_rate_per_second == 100


def test_health_server_is_on_in_webhook_mode_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Settings(_env_file=None).health_enabled  # type: ignore[call-arg]
    hook = {"webhook_url": "https://bot.example.org/hook", "webhook_secret": "s" * 20}
    assert Settings(_env_file=None, **hook).health_enabled  # type: ignore[call-arg,arg-type]
    assert not Settings(_env_file=None, health_server="off", **hook).health_enabled  # type: ignore[call-arg,arg-type]
    assert Settings(_env_file=None, health_server="on").health_enabled  # type: ignore[call-arg]
