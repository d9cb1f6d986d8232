"""The organisation's button families (layouts kept, so buttons already sent still work)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class NameOk(CallbackData):
    """“Use my Telegram name” on the welcome message: ``name:ok``."""

    prefix: ClassVar[str] = "name"
    choice: Literal["ok"] = "ok"


@dataclass(frozen=True, slots=True)
class Language(CallbackData):
    """A language choice of /lang: ``lang:zh_CN`` or ``lang:en``."""

    prefix: ClassVar[str] = "lang"
    locale: Literal["zh_CN", "en"]
