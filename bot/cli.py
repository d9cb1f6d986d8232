"""The `dangjian` command: run, demo, db upgrade/backup/check, i18n. The composition root.

This is the one place in bot/ that wires in handlers/ and schedules/: it is the entry
point, not part of the core the features build on.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bot import redact
from bot.config import ConfigError, Settings, load_settings
from bot.context import BotApplication

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def register_features(app: BotApplication) -> None:
    import handlers
    import schedules

    handlers.register_all(app)
    schedules.register_all(app)


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    redact.configure(settings, handler)  # no secret, name or typed text in any line


def fail(message: str, code: int = 2) -> int:
    print(f"dangjian: {message}", file=sys.stderr)
    return code


async def check_bot_api(settings: Settings) -> str | None:
    """Ask the Bot API who we are; a one-line reason when that fails, else None."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    assert settings.bot_token is not None
    bot = Bot(settings.bot_token.get_secret_value(), base_url=settings.bot_api_url)
    try:
        async with bot:
            await bot.get_me()
    except InvalidToken:
        return "BOT_TOKEN was rejected by the Bot API (Unauthorized); check the token."
    except NetworkError as exc:
        return f"cannot reach the Bot API at BOT_API_URL={settings.bot_api_url} ({exc.message})"
    except TelegramError as exc:
        return f"the Bot API refused BOT_TOKEN/BOT_API_URL: {exc.message}"
    return None


async def check_database(settings: Settings) -> str | None:
    """Connect to DATABASE_URL (and, for PostgreSQL, see it is migrated); a reason or None."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from bot.db import is_sqlite, make_engine
    from bot.migrate import head_revision

    try:
        # A short connect timeout: an unreachable server should fail start-up in seconds.
        extra = {} if is_sqlite(settings.database_url) else {"connect_args": {"timeout": 10}}
        engine = make_engine(settings.database_url, **extra)
    except OSError as exc:
        return f"cannot create the database file of DATABASE_URL ({exc.strerror or exc})"
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            if is_sqlite(settings.database_url):
                return None  # SQLite is created and migrated at start-up
            try:
                current = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
            except DBAPIError:
                current = None
    except (OSError, DBAPIError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip() or type(exc).__name__
        return f"cannot connect to the database at DATABASE_URL ({reason})"
    finally:
        await engine.dispose()
    if current != head_revision(settings.database_url):
        return "the database at DATABASE_URL is not migrated; run `dangjian db upgrade` first"
    return None


def cmd_run(settings: Settings) -> int:
    from bot.app import build_application

    if settings.bot_token is None:
        return fail(
            "configuration error: BOT_TOKEN: required for `dangjian run` (see .env.example)"
        )
    problem = asyncio.run(check_bot_api(settings)) or asyncio.run(check_database(settings))
    if problem:
        return fail(problem, 1)
    setup_logging(settings)
    app = build_application(
        settings,
        register=register_features,
        graceful=True,
        serve_health=settings.health_enabled,
    )
    if settings.webhook_url and settings.webhook_secret:
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=webhook_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def webhook_path(url: str) -> str:
    """The path part of the public webhook URL, which the bot serves under."""
    return urlsplit(url).path.lstrip("/")


def cmd_demo() -> int:
    from bot.demo.runner import run_demo

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run_demo(register_features))


def cmd_db(settings: Settings, action: str, target: str | None) -> int:
    from bot import ops
    from bot.db import is_sqlite
    from bot.migrate import upgrade_sync

    if action == "backup":
        if not target:
            return fail("db backup: name the file to write, e.g. `dangjian db backup backup.db`")
        if not is_sqlite(settings.database_url):
            print(ops.PG_DUMP_HINT)
            return 2
        pages = ops.backup_sqlite(settings.database_url, Path(target))
        print(f"backed up {ops.sqlite_path(settings.database_url)} to {target} ({pages} pages)")
        return 0
    if action == "check":
        report = asyncio.run(ops.check(settings.database_url))
        print(f"schema: {report.revision or 'not migrated'} (head {report.head})")
        print(f"outbox: {report.stuck} deliveries stuck in 'sending' past their lease")
        for problem in report.problems:
            print(f"problem: {problem}")
        return 0 if report.ok else 1
    revision = target or "head"
    upgrade_sync(settings.database_url, revision)
    print(f"database migrated to {revision}")
    return 0


def cmd_i18n(action: str) -> int:
    from bot import i18n, i18n_tools

    if action == "update":
        added = i18n_tools.update()
        for where, count in sorted(added.items()):
            print(f"{where}: {count} new")
    if action in ("update", "check"):
        problems = i18n_tools.missing()
        for line in problems:
            print(f"untranslated: {line}")
        if problems:
            return 1
    if action == "compile":
        for path in i18n.compile_catalogs():
            print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `dangjian` command line (the README documents every subcommand it has)."""
    parser = argparse.ArgumentParser(prog="dangjian", description="党建助手 Telegram bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot with long polling (needs BOT_TOKEN)")
    sub.add_parser("demo", help="play the scripted demo against the built-in Bot API simulator")
    db = sub.add_parser(
        "db",
        help="database: upgrade [REVISION], backup FILE (SQLite, online), check",
    )
    db.add_argument("action", choices=["upgrade", "backup", "check"])
    db.add_argument("target", nargs="?", help="upgrade: the revision (head); backup: the file")
    tr = sub.add_parser("i18n", help="translation catalogs")
    tr.add_argument("action", choices=["update", "check", "compile"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "demo":
        return cmd_demo()
    if args.command == "i18n":
        return cmd_i18n(args.action)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return fail(str(exc))
    if args.command == "run":
        return cmd_run(settings)
    return cmd_db(settings, args.action, args.target)


if __name__ == "__main__":
    raise SystemExit(main())
