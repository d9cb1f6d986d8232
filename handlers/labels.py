"""One label table per enum: the words for every member, said once, checked when built.

`STATUS_NAMES = labels({PledgeStatus.draft: N_("draft, not submitted yet"), ...})` is the
only table of PledgeStatus's words; every view that names a status looks it up there
(`t.label(STATUS_NAMES[s])`) and builds a longer sentence around that word, so one term
has one word everywhere (../shared/GLOSSARY.md). `TABLES` keeps each table by its enum,
so a test can read every one of them.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)

TABLES: dict[type[Enum], dict[Any, str]] = {}


def labels(table: dict[E, str]) -> dict[E, str]:
    """`table` (a msgid, `N_`, for each member of one enum) as that enum's label table,
    in the enum's order.

    A member left out, a key of another type, or a second table of the same enum is
    refused at import.
    """
    if not table:
        raise ValueError("a label table needs its enum's members")
    enum = type(next(iter(table)))
    missing = [m.name for m in enum if m not in table]
    strangers = [k for k in table if type(k) is not enum]
    if missing or strangers:
        raise ValueError(f"labels of {enum.__name__}: missing {missing}, not members {strangers}")
    if enum in TABLES:
        raise ValueError(f"{enum.__name__} has a label table already")
    TABLES[enum] = ordered = {m: table[m] for m in enum}
    return ordered
