"""The one exception services raise for a polite refusal; handlers turn codes into text.

And the one check of typed text against its limits, and of a row looked up, which refuse with it."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


class Refused(Exception):
    """The request cannot be done as asked; `code` names why, `params` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def clean_text(raw: str | None, limit: int, too_long: str, *, empty: str | None = None) -> str:
    """The text as typed, trimmed; refused past `limit`, and when blank if `empty` is given."""
    text = (raw or "").strip()
    if empty is not None and not text:
        raise Refused(empty)
    if len(text) > limit:
        raise Refused(too_long, limit=limit, length=len(text))
    return text


def found(value: T | None, code: str, **params: Any) -> T:
    """`value` when there is one; refused with `code` when the lookup found nothing."""
    if value is None:
        raise Refused(code, **params)
    return value
