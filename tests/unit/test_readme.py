"""The README documents every setting, every bot command and every CLI command."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.app import build_application
from bot.cli import build_parser, register_features
from bot.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        key = name.upper()
        assert f"`{key}`" in README, f"README does not document {key}"
        assert f"{key}=" in ENV_EXAMPLE, f".env.example does not explain {key}"


def test_every_bot_command_is_documented() -> None:
    settings = Settings(_env_file=None, bot_token="123:readme")  # type: ignore[call-arg]
    app = build_application(settings, register=register_features)  # what `dangjian run` builds
    names = {spec.name for spec in app.bot_data.commands}
    # Commands kept out of the menus are registered as entry points all the same.
    names |= {key[1:] for key, _handler in app.bot_data.entry_points if key.startswith("/")}
    assert {"start", "help", "audit"} <= names, "the registry lost commands"
    for name in sorted(names):
        assert f"`/{name}" in README, f"README does not document /{name}"


def _cli_commands() -> list[str]:
    """Every `dangjian …` command the parser accepts, with each fixed action spelled out."""
    parser = build_parser()
    commands = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            choices = [a.choices for a in sub._actions if a.choices and not a.option_strings]
            if not choices:
                commands.append(f"dangjian {name}")
            for options in choices:
                commands += [f"dangjian {name} {option}" for option in options]
    return commands


def test_cli_commands_are_documented() -> None:
    commands = _cli_commands()
    assert {"dangjian run", "dangjian demo", "dangjian db upgrade"} <= set(commands)
    for command in commands:
        assert f"`{command}" in README, f"README does not document {command}"
