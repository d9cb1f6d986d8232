"""The 诉求 button families (typed callback data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.models import RequestKind, RequestRating
from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class ChooseKind(CallbackData):
    """诉求 / 建议 / 困难求助 at the start of /ask."""

    prefix: ClassVar[str] = "rqk"
    kind: RequestKind


@dataclass(frozen=True, slots=True)
class AskStep(CallbackData):
    """提交 / 取消 under the preview of /ask."""

    prefix: ClassVar[str] = "rqs"
    action: Literal["submit", "cancel"]


@dataclass(frozen=True, slots=True)
class OpenRequest(CallbackData):
    """Open one request: its text, state, history and what one may do."""

    prefix: ClassVar[str] = "rqo"
    request_id: int


@dataclass(frozen=True, slots=True)
class Act(CallbackData):
    """受理 / 办结 / 转交党委 / 接手办理 on a request."""

    prefix: ClassVar[str] = "rqa"
    request_id: int
    action: Literal["accept", "resolve", "forward", "take"]


@dataclass(frozen=True, slots=True)
class Rate(CallbackData):
    """满意 / 基本满意 / 不满意 after 办结."""

    prefix: ClassVar[str] = "rqr"
    request_id: int
    rating: RequestRating


@dataclass(frozen=True, slots=True)
class ShowFile(CallbackData):
    """Send the request's (or its reply's) attachment again, by file_id."""

    prefix: ClassVar[str] = "rqf"
    request_id: int
    which: Literal["ask", "reply"]


@dataclass(frozen=True, slots=True)
class ListPage(CallbackData):
    """◀ ▶ through a list of requests."""

    prefix: ClassVar[str] = "rqp"
    scope: Literal["mine", "branch", "committee"]
    page: int
