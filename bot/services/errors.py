"""The one exception services raise for a polite refusal; handlers turn codes into text."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """The request cannot be done as asked; `code` names why, `params` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
