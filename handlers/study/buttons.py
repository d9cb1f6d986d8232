"""The study button families (typed callback data; layouts as on buttons already sent)."""

from __future__ import annotations

from typing import Literal, Self

from bot.delivery.message import CALLBACK_DATA_MAX_BYTES
from handlers.callbacks import (
    LARGEST_ID,
    SEPARATOR,
    CallbackData,
    CallbackDataError,
    family,
)


@family("study")
class StudyPress(CallbackData):
    """已学习 / 写心得 / undo on a pushed item: `study:<item>:<action>`."""

    item_id: int
    action: Literal["done", "reflect", "undo"]


DraftAction = Literal["skip", "cancel", "publish", "all", "page", "branch"]
_PLAIN: tuple[DraftAction, ...] = ("skip", "cancel", "publish")


def _number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


@family("studynew")
class DraftPress(CallbackData):
    """A press on a draft's preview: `studynew:<item>:<token>`.

    The token is skip / cancel / publish, `all<page>` (toggle all branches, redrawing
    that page), `pg<page>` (turn to a page) or `<branch id>` (toggle one branch). It is
    written as on the previews sent before typed data, so those keep working.
    """

    item_id: int
    action: DraftAction
    value: int = 0  # the page (all, page) or the branch (branch)

    def _token(self) -> str:
        if self.action in _PLAIN:
            return self.action
        if not 0 <= self.value <= LARGEST_ID:
            raise CallbackDataError(f"out of range: {self.value!r}")
        if self.action == "all":
            return f"all{self.value}"
        if self.action == "page":
            return f"pg{self.value}"
        return str(self.value)

    def encode(self) -> str:
        if not 0 <= self.item_id <= LARGEST_ID:
            raise CallbackDataError(f"id out of range: {self.item_id!r}")
        data = SEPARATOR.join((self.prefix, str(self.item_id), self._token()))
        if len(data.encode()) > CALLBACK_DATA_MAX_BYTES:
            raise CallbackDataError(f"callback data over 64 bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: object) -> Self | None:
        if not isinstance(data, str):
            return None
        parts = data.split(SEPARATOR)
        if len(parts) != 3 or parts[0] != cls.prefix:
            return None
        item_id, token = _number(parts[1]), parts[2]
        if item_id is None:
            return None
        if token in _PLAIN:
            return cls(item_id, token)
        if token == "all":  # from previews drawn before there were pages
            return cls(item_id, "all", 0)
        for head, action in (("all", "all"), ("pg", "page")):
            if token.startswith(head):
                value = _number(token[len(head) :])
                return None if value is None else cls(item_id, action, value)  # type: ignore[arg-type]
        branch = _number(token)
        return None if branch is None else cls(item_id, "branch", branch)

    @classmethod
    def largest(cls) -> list[Self]:
        actions: tuple[DraftAction, ...] = (*_PLAIN, "all", "page", "branch")
        return [cls(LARGEST_ID, a, 0 if a in _PLAIN else LARGEST_ID) for a in actions]
