"""The organisation's button families (layouts kept, so buttons already sent still work)."""

from __future__ import annotations

from typing import Literal

from handlers.callbacks import CallbackData, family


@family("name")
class NameOk(CallbackData):
    """“Use my Telegram name” on the welcome message: ``name:ok``."""

    choice: Literal["ok"] = "ok"


@family("lang")
class Language(CallbackData):
    """A language choice of /lang: ``lang:zh_CN`` or ``lang:en``."""

    locale: Literal["zh_CN", "en"]
