"""What other people are told about training, through the outbox, in their language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.config import Settings
from bot.context import BotContext
from bot.i18n import Catalogs, Translator
from bot.models import Member
from bot.services.training import nudges
from bot.services.training.records import Compose as RecordCompose
from handlers.shape import per_language
from handlers.training import views

About = TypeVar("About")
Rendered = TypeVar("Rendered")


def translators(catalogs: Catalogs, settings: Settings) -> Callable[[Member], Translator]:
    made: dict[str, Translator] = {}

    def translator_for(member: Member) -> Translator:
        locale = member.locale or settings.default_locale
        if locale not in made:
            made[locale] = catalogs.translator(locale, settings.tz)
        return made[locale]

    return translator_for


def record_news(catalogs: Catalogs, settings: Settings) -> RecordCompose:
    translator_for = translators(catalogs, settings)
    return lambda member, item: views.news(translator_for(member), member, item)


def record_news_of(context: BotContext) -> RecordCompose:
    return record_news(context.catalogs, context.settings)


def behind(catalogs: Catalogs, settings: Settings) -> nudges.ComposeBehind:
    return per_language(translators(catalogs, settings), views.behind)


def rule_warning(catalogs: Catalogs, settings: Settings) -> nudges.ComposeWarning:
    return per_language(translators(catalogs, settings), views.rule_warning)
