"""The typed context handlers receive, and what the application holds for them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.db import Sessions
from bot.delivery.outbox import DeliveryHooks
from bot.delivery.worker import OutboxWorker
from bot.health import Metrics
from bot.i18n import Catalogs
from bot.inbox import UpdateInbox
from bot.models import Role

if TYPE_CHECKING:
    from telegram import Update

GUEST = "guest"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A bot command: its ASCII name, a catalog msgid describing it, who may use it."""

    name: str
    description: str
    roles: frozenset[str]


FormHandler = Callable[["Update", "BotContext", Any], Awaitable[None]]
# A part of /me another feature adds: (session, context, actor) -> text or None.
MeSection = Callable[[Any, "BotContext", Any], Awaitable[str | None]]


@dataclass
class BotData:
    """Everything handlers and jobs share; set up by build_application."""

    settings: Settings | None = None
    sessions: Sessions | None = None
    catalogs: Catalogs | None = None
    clock: Clock = field(default_factory=Clock)
    hooks: DeliveryHooks = field(default_factory=DeliveryHooks)
    outbox: OutboxWorker | None = None
    inbox: UpdateInbox | None = None  # None until post_init
    commands: list[CommandSpec] = field(default_factory=list)
    forms: dict[str, FormHandler] = field(default_factory=dict)
    form_media: dict[str, FormHandler] = field(default_factory=dict)
    me_sections: list[MeSection] = field(default_factory=list)
    # Every command ("/name") and button family (prefix) with its handler, which carries
    # the roles it allows: the authorisation matrix is generated from this.
    entry_points: list[tuple[str, Any]] = field(default_factory=list)
    # /start deep links (t.me/<bot>?start=<name>-<id>) by name: (turn, id) -> None.
    deep_links: dict[str, Any] = field(default_factory=dict)
    last_error_report: float = 0.0
    metrics: Metrics = field(default_factory=Metrics)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Custom context: typed access to settings, sessions, catalogs, clock and outbox."""

    @property
    def settings(self) -> Settings:
        assert self.bot_data.settings is not None
        return self.bot_data.settings

    @property
    def sessions(self) -> Sessions:
        assert self.bot_data.sessions is not None
        return self.bot_data.sessions

    @property
    def catalogs(self) -> Catalogs:
        assert self.bot_data.catalogs is not None
        return self.bot_data.catalogs

    @property
    def clock(self) -> Clock:
        return self.bot_data.clock

    @property
    def outbox(self) -> OutboxWorker:
        assert self.bot_data.outbox is not None
        return self.bot_data.outbox


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


def add_commands(app: BotApplication, *specs: CommandSpec) -> None:
    """Register commands for /help and the per-role menus."""
    app.bot_data.commands.extend(specs)


def add_me_section(app: BotApplication, section: MeSection) -> None:
    """Add a part to /me (e.g. the year's meeting record)."""
    app.bot_data.me_sections.append(section)


def roles(*names: Role | str) -> frozenset[str]:
    return frozenset(str(n) for n in names)
