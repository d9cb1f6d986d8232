"""The feed drafts' button families (layouts as on the admins' messages already sent)."""

from __future__ import annotations

from typing import Literal

from handlers.callbacks import CallbackData, family


@family("studypub")
class PublishDraft(CallbackData):
    """发布 a feed draft to every branch: `studypub:<item>`."""

    item_id: int


@family("studydrop")
class DiscardDraft(CallbackData):
    """丢弃 a feed draft: `studydrop:<item>`."""

    item_id: int


@family("feedrm")
class FeedRemove(CallbackData):
    """移除 a feed from the /feeds list (ask), then 确认 (yes) or 取消 (no)."""

    feed_id: int
    choice: Literal["ask", "yes", "no"]
