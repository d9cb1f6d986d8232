"""What keeps secrets and people's words out of the log.

Secrets (BOT_TOKEN, WEBHOOK_SECRET) are replaced in every line and traceback by a filter
on the handler. Libraries that log whole requests or updates at DEBUG (python-telegram-bot
prints update contents and API parameters, httpx the token-bearing URL) are held at INFO
or above, so even LOG_LEVEL=DEBUG carries ids, never names or texts people typed; our own
modules log ids only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.config import Settings

# Loggers of libraries whose DEBUG lines carry request bodies, updates or URLs.
CHATTY = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiohttp": logging.INFO,
    "apscheduler": logging.WARNING,
    "asyncio": logging.INFO,
    "aiosqlite": logging.INFO,  # SQL parameters: what people typed
    "sqlalchemy": logging.WARNING,
}


class Redact(logging.Filter):
    """Replaces each secret by its name in the message and the traceback of a record."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        super().__init__()
        self.secrets = {label: s for label, s in secrets.items() if s}

    @classmethod
    def of(cls, settings: Settings) -> Redact:
        secrets = {}
        if settings.bot_token is not None:
            secrets["<BOT_TOKEN>"] = settings.bot_token.get_secret_value()
        if settings.webhook_secret is not None:
            secrets["<WEBHOOK_SECRET>"] = settings.webhook_secret.get_secret_value()
        return cls(secrets)

    def scrub(self, text: str) -> str:
        for label, secret in self.secrets.items():
            text = text.replace(secret, label)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def configure(settings: Settings, handler: logging.Handler) -> None:
    """Put the filter on `handler` and hold the chatty libraries at their levels."""
    handler.addFilter(Redact.of(settings))
    for name, level in CHATTY.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(level, logging.getLevelNamesMapping()[settings.log_level]))
