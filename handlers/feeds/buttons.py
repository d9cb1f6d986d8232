"""The feed drafts' button families (layouts as on the admins' messages already sent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class PublishDraft(CallbackData):
    """发布 a feed draft to every branch: `studypub:<item>`."""

    prefix: ClassVar[str] = "studypub"
    item_id: int


@dataclass(frozen=True, slots=True)
class DiscardDraft(CallbackData):
    """丢弃 a feed draft: `studydrop:<item>`."""

    prefix: ClassVar[str] = "studydrop"
    item_id: int


@dataclass(frozen=True, slots=True)
class FeedRemove(CallbackData):
    """移除 a feed from the /feeds list (ask), then 确认 (yes) or 取消 (no)."""

    prefix: ClassVar[str] = "feedrm"
    feed_id: int
    choice: Literal["ask", "yes", "no"]
