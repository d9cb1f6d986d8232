"""Catalog upkeep behind `dangjian i18n`: extract strings per domain, update, check.

Domains follow modules (see bot.i18n.domain_of): handlers/meetings.py,
bot/services/meetings.py and schedules/meetings.py all feed ``meetings.po``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES, LOCALES_DIR, domain_of

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "schedules")
KEYWORDS = {"_": None, "n_": (1, 2), "label": None, "N_": None}


def extract(root: Path = ROOT) -> dict[str, dict[str | tuple[str, str], list[tuple[str, int]]]]:
    """Every translatable string in the source, grouped by domain."""
    found: dict[str, dict[str | tuple[str, str], list[tuple[str, int]]]] = defaultdict(dict)
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            rel = str(path.relative_to(root))
            for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                if isinstance(message, tuple | list):
                    if len(message) < 2 or not message[0]:
                        continue
                    key: str | tuple[str, str] = (message[0], message[1])
                else:
                    if not message:
                        continue
                    key = message
                found[domain_of(path)].setdefault(key, []).append((rel, lineno))
    # One string, one translation: a msgid used by several domains lives in "core" only.
    seen: dict[str, set[str]] = defaultdict(set)
    for domain, messages in found.items():
        for key in messages:
            seen[key[0] if isinstance(key, tuple) else key].add(domain)
    for domain in [d for d in found if d != "core"]:
        for key in list(found[domain]):
            if len(seen[key[0] if isinstance(key, tuple) else key]) > 1:
                found["core"].setdefault(key, []).extend(found[domain].pop(key))
    return found


def _read(path: Path, locale: str) -> Catalog:
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=locale)
    return Catalog(locale=locale, domain=path.stem, project="dangjian-bot")


def update(locales_dir: Path = LOCALES_DIR) -> dict[str, int]:
    """Add new strings (untranslated) to every locale's catalog; drop unused ones."""
    added: dict[str, int] = {}
    extracted = extract()
    known = {
        locale: {
            m.id if isinstance(m.id, str) else m.id[0]: m.string
            for po in sorted((locales_dir / locale / "LC_MESSAGES").glob("*.po"))
            for m in _read(po, locale)
            if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True)
        }
        for locale in LOCALES
    }
    for domain, messages in extracted.items():
        for locale in LOCALES:
            path = locales_dir / locale / "LC_MESSAGES" / f"{domain}.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            old = _read(path, locale)
            new = Catalog(locale=locale, domain=domain, project="dangjian-bot", fuzzy=False)
            if path.exists():  # an unchanged catalog stays byte-for-byte the same
                new.creation_date = old.creation_date
            for msgid, locations in messages.items():
                key = msgid[0] if isinstance(msgid, tuple) else msgid
                prev = old.get(key)
                string: str | tuple[str, ...] = ("", "") if isinstance(msgid, tuple) else ""
                found = prev.string if prev is not None and prev.string else known[locale].get(key)
                if found:
                    string = found if isinstance(found, str) else tuple(found)
                else:
                    added[f"{locale}/{domain}"] = added.get(f"{locale}/{domain}", 0) + 1
                if locale == "en" and not (all(string) if isinstance(string, tuple) else string):
                    string = msgid  # the msgids are English already
                new.add(msgid, string, locations=locations)
            with path.open("wb") as fh:
                write_po(
                    fh, new, width=100, sort_output=False, omit_header=False, include_lineno=False
                )
    return added


def missing(locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Strings used in the source without a translation, as 'locale/domain: msgid' lines."""
    problems: list[str] = []
    for domain, messages in extract().items():
        for locale in LOCALES:
            path = locales_dir / locale / "LC_MESSAGES" / f"{domain}.po"
            catalog = _read(path, locale)
            for msgid in messages:
                key = msgid[0] if isinstance(msgid, tuple) else msgid
                entry = catalog.get(key)
                strings = (
                    list(entry.string)
                    if entry and isinstance(entry.string, tuple)
                    else [entry.string]
                    if entry
                    else []
                )
                if entry is None or not all(strings) or entry.fuzzy:
                    problems.append(f"{locale}/{domain}.po: {key!r}")
    return problems
