"""Plain data read off a database row: the fields both have are copied by name."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


def copy_of(cls: type[D], row: object, **others: Any) -> D:
    """A `cls` with `others` as given and each of its other fields read off `row` by name."""
    same = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in others}
    return cls(**same, **others)
