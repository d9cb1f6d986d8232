"""Babel catalogs per locale: `_()` with HTML-escaped arguments, plurals, dates in the user's zone.

Catalogs live in ``locales/<locale>/LC_MESSAGES/<domain>.po``, one domain per capability
(the file stem of the module that uses the string; see :func:`domain_of`). All domains of a
locale are merged into one catalog at load time. A ``.mo`` is compiled next to each ``.po``
when missing or older, so a fresh clone needs no extra build step.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

log = logging.getLogger(__name__)

LOCALES = ("zh_CN", "en")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# Files whose strings belong to the shared "core" domain rather than their own stem.
CORE_MODULES = frozenset(
    {
        "app",
        "i18n",
        "common",
        "errors",
        "menu",
        "forms",
        "cli",
        "start",
        "shape",
        "callbacks",
        "paging",
        "branch_picker",
        "periods",
    }
)
# Folders whose packages are capabilities: handlers/meetings/answers.py → "meetings".
CAPABILITY_ROOTS = frozenset({"handlers", "services", "schedules", "models", "demo"})


def domain_of(path: Path) -> str:
    """The catalog domain a source file's strings go to."""
    stem = path.stem
    if stem in CORE_MODULES:
        return "core"
    if path.parent.parent.name in CAPABILITY_ROOTS:
        # A module inside a capability's package (handlers/meetings/views.py).
        return path.parent.name
    return stem


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now (translated at use)."""
    return msgid


class Html(str):
    """A string that is already safe HTML; `_()` will not escape it again."""

    __slots__ = ()


def escape(value: object) -> str:
    """HTML-escape user text for Telegram's HTML parse mode (quotes kept readable)."""
    return html.escape(str(value), quote=False)


def _compile(po_path: Path) -> bytes:
    """The catalog as .mo bytes: the .mo beside it when it is as new as the .po, else
    compiled now (and written, when the folder is writable).

    Parsing every .po at every start was a third of the time before the first answer.
    """
    mo_path = po_path.with_suffix(".mo")
    try:
        if mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            return mo_path.read_bytes()
    except OSError:
        pass  # no .mo yet
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=po_path.parent.parent.name)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    data = buf.getvalue()
    try:
        mo_path.write_bytes(data)
    except OSError:
        log.debug("cannot write %s; using the catalog compiled in memory", mo_path)
    return data


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile every .po to .mo (used at install, at start-up and by `dangjian i18n`)."""
    done = []
    for po in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        _compile(po)
        done.append(po.with_suffix(".mo"))
    return done


class Catalogs:
    """The merged translations of every locale."""

    def __init__(self, translations: dict[str, Translations], default_locale: str) -> None:
        self._translations = translations
        self.default_locale = default_locale

    @classmethod
    def load(cls, default_locale: str = "zh_CN", locales_dir: Path = LOCALES_DIR) -> Catalogs:
        result: dict[str, Translations] = {}
        for locale in LOCALES:
            merged = Translations()
            for po in sorted((locales_dir / locale / "LC_MESSAGES").glob("*.po")):
                domain = Translations(BytesIO(_compile(po)), domain=po.stem)
                merged.merge(domain)
                # merge() keeps the empty catalog's English plural rule; take the locale's.
                merged.plural = domain.plural
            result[locale] = merged
        return cls(result, default_locale)

    def translator(self, locale: str | None, tz: ZoneInfo) -> Translator:
        chosen = locale if locale in self._translations else self.default_locale
        return Translator(chosen, self._translations[chosen], tz)

    def translators(self, tz: ZoneInfo) -> list[Translator]:
        return [self.translator(loc, tz) for loc in LOCALES]


def locale_from_telegram(language_code: str | None, default: str) -> str:
    """Pick a catalog for someone we do not know yet from Telegram's language code."""
    if not language_code:
        return default
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


class Translator:
    """Translates and formats for one person: their locale and the configured time zone."""

    def __init__(self, locale: str, translations: Translations, tz: ZoneInfo) -> None:
        self.locale = locale
        self._t = translations
        self.tz = tz
        self._babel_locale = Locale.parse(locale)

    @staticmethod
    def _format(text: str, kwargs: dict[str, Any], escape_args: bool) -> str:
        if not kwargs:
            return text
        if escape_args:
            kwargs = {
                k: escape(v) if isinstance(v, str) and not isinstance(v, Html) else v
                for k, v in kwargs.items()
            }
        return text.format(**kwargs)

    def _(self, msgid: str, /, **kwargs: Any) -> str:
        """Translate for an HTML message; string arguments are escaped."""
        return self._format(self._t.gettext(msgid), kwargs, escape_args=True)

    def n_(self, singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
        """Translate with a plural form; `n` is passed to the format as well."""
        kwargs.setdefault("n", n)
        return self._format(self._t.ngettext(singular, plural, n), kwargs, escape_args=True)

    def label(self, msgid: str, /, **kwargs: Any) -> str:
        """Translate a button label or other plain text (nothing is escaped)."""
        return self._format(self._t.gettext(msgid), kwargs, escape_args=False)

    # Formatting in the person's locale and the configured zone.
    def datetime(self, value: dt.datetime, fmt: str = "medium") -> str:
        pattern = "yyyy-MM-dd HH:mm" if fmt == "short" else fmt
        if fmt == "short" and self.locale == "en":
            pattern = "d MMM yyyy, HH:mm"
        return format_datetime(value, pattern, tzinfo=self.tz, locale=self._babel_locale)

    def date(self, value: dt.date | dt.datetime, fmt: str = "medium") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, fmt, locale=self._babel_locale)

    def time(self, value: dt.datetime | dt.time, fmt: str = "HH:mm") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz)
        return format_time(value, fmt, locale=self._babel_locale)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self._babel_locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self._babel_locale)
