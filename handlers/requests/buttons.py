"""The 诉求 button families (typed callback data)."""

from __future__ import annotations

from typing import Literal

from bot.models import RequestKind, RequestRating
from handlers.callbacks import CallbackData, family


@family("rqk")
class ChooseKind(CallbackData):
    """诉求 / 建议 / 困难求助 at the start of /ask."""

    kind: RequestKind


@family("rqs")
class AskStep(CallbackData):
    """提交 / 取消 under the preview of /ask."""

    action: Literal["submit", "cancel"]


@family("rqo")
class OpenRequest(CallbackData):
    """Open one request: its text, state, history and what one may do."""

    request_id: int


@family("rqa")
class Act(CallbackData):
    """受理 / 办结 / 转交党委 / 接手办理 on a request."""

    request_id: int
    action: Literal["accept", "resolve", "forward", "take"]


@family("rqr")
class Rate(CallbackData):
    """满意 / 基本满意 / 不满意 after 办结."""

    request_id: int
    rating: RequestRating


@family("rqf")
class ShowFile(CallbackData):
    """Send the request's (or its reply's) attachment again, by file_id."""

    request_id: int
    which: Literal["ask", "reply"]


@family("rqp")
class ListPage(CallbackData):
    """◀ ▶ through a list of requests."""

    scope: Literal["mine", "branch", "committee"]
    page: int
