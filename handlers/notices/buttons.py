"""The notices' button families: the author's buttons (ntc) and the recipients' 收到 (nack).

The layouts are the ones sent before these classes existed (`ntc:{id}:{action}:{arg}`,
`nack:{id}`), so buttons already in people's chats keep working. The author's buttons
are one family because they share one prefix; `arg` is read through the typed
accessors below, and a value that does not fit its action is a stale button.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from bot.models import NoticeTarget
from handlers.callbacks import LARGEST_ID, CallbackData, family


class Action(StrEnum):
    """What an author's button does (the codes are those already in chats)."""

    target = "tgt"  # all / chosen branches / secretaries only
    branch = "br"  # tick or untick a branch in the picker; "done" closes it
    page = "brp"  # a page of the branch picker
    ack = "ack"  # 收到 required: "1", not required: "0"
    when = "when"  # "ask" for a send time, or back to "now"
    send = "send"  # 确认发送
    drop = "drop"  # 取消 on the preview
    pause = "pause"
    resume = "resume"
    cancel = "cancel"
    receipts = "rcpt"
    remind = "remind"
    export = "xlsx"


DONE = "done"
ASK = "ask"
NOW = "now"


@family("ntc")
class NoticeButton(CallbackData):
    """A button on an author's preview, live progress, receipts or list of notices."""

    notice_id: int
    action: Action
    arg: str | None = None

    @classmethod
    def examples(cls) -> list[Self]:
        largest = str(LARGEST_ID)
        return [
            cls(LARGEST_ID, Action.branch, largest),
            cls(LARGEST_ID, Action.page, largest),
            cls(LARGEST_ID, Action.target, NoticeTarget.secretaries),
            cls(LARGEST_ID, Action.receipts),
            cls(LARGEST_ID, Action.remind),
        ]

    @property
    def number(self) -> int | None:
        """`arg` as a branch id or page number (None when it is not one)."""
        arg = self.arg or ""
        return int(arg) if arg.isdigit() and arg.isascii() and len(arg) <= 12 else None

    @property
    def target(self) -> NoticeTarget | None:
        arg = self.arg or ""
        return NoticeTarget(arg) if arg in NoticeTarget.__members__ else None

    @property
    def required(self) -> bool | None:
        """For `ack`: whether 收到 becomes required (None for anything else)."""
        return {"1": True, "0": False}.get(self.arg or "")


def target(notice_id: int, to: NoticeTarget) -> NoticeButton:
    return NoticeButton(notice_id, Action.target, to.value)


def branch(notice_id: int, branch_id: int) -> NoticeButton:
    return NoticeButton(notice_id, Action.branch, str(branch_id))


def picked(notice_id: int) -> NoticeButton:
    """完成 in the branch picker."""
    return NoticeButton(notice_id, Action.branch, DONE)


def page(notice_id: int, number: int) -> NoticeButton:
    return NoticeButton(notice_id, Action.page, str(number))


def ack(notice_id: int, required: bool) -> NoticeButton:
    return NoticeButton(notice_id, Action.ack, "1" if required else "0")


def when(notice_id: int, choice: str) -> NoticeButton:
    return NoticeButton(notice_id, Action.when, choice)


def act(notice_id: int, action: Action) -> NoticeButton:
    """A button without an argument (确认发送, 暂停, 回执, …)."""
    return NoticeButton(notice_id, action)


@family("nack")
class Received(CallbackData):
    """收到 under a notice (or its reminder) in a recipient's chat."""

    notice_id: int
