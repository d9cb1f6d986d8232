"""The README documents every setting, every bot command and every CLI command."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.context import BotData
from tests.harness import register_everything

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")


class _Recorder:
    """Accepts any call (job scheduling) and ignores it."""

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None


class _App:
    """Just enough of an Application for register() to record commands."""

    def __init__(self) -> None:
        self.bot_data = BotData(settings=Settings(_env_file=None))  # type: ignore[call-arg]
        self.job_queue = _Recorder()

    def add_handler(self, *args: object, **kwargs: object) -> None:
        return None

    def add_error_handler(self, *args: object, **kwargs: object) -> None:
        return None


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        key = name.upper()
        assert f"`{key}`" in README, f"README does not document {key}"
        assert f"{key}=" in ENV_EXAMPLE, f".env.example does not explain {key}"


def test_every_bot_command_is_documented() -> None:
    app = _App()
    register_everything(app)  # type: ignore[arg-type]
    names = {spec.name for spec in app.bot_data.commands}
    assert names, "no commands registered"
    for name in names:
        assert f"`/{name}" in README, f"README does not document /{name}"


def test_cli_commands_are_documented() -> None:
    for command in ("dangjian run", "dangjian demo", "dangjian db upgrade", "dangjian i18n"):
        assert command in README
