"""The pledges' button families (prefixes and layouts as before, so sent buttons work)."""

from __future__ import annotations

from typing import Literal

from bot.models import PledgeRating
from handlers.callbacks import CallbackData, Choice, family

FormStep = Literal["post", "duties", "commitments"]


@family("plf")
class FormAction(CallbackData):
    """提交 / 修改 / 取消 under the preview, a part to change, 修改 on a submitted pledge."""

    action: Literal["submit", "edit", "cancel", "revise", "post", "duties", "commitments"]


@family("plv")
class ReviewChoice(CallbackData):
    """通过 / 退回 under one version of a pledge waiting for review."""

    pledge_id: int
    version: int
    choice: Literal["ok", "ret"]


@family("plc")
class Remind(CallbackData):
    """提醒未提交的党员 under the branch's coverage."""

    action: Literal["remind"] = "remind"


@family("plp")
class PublishChoice(Choice[Literal["go", "no"]]):
    """确认发送 / 取消 under the 公示 preview."""


RatingCode = Literal["e", "s", "b", "u"]
# One letter per rating keeps callback data short.
RATING_CODES: dict[RatingCode, PledgeRating] = {
    "e": PledgeRating.excellent,
    "s": PledgeRating.satisfactory,
    "b": PledgeRating.basic,
    "u": PledgeRating.unsatisfactory,
}
CODE_OF = {rating: code for code, rating in RATING_CODES.items()}


@family("plr")
class RateChoice(CallbackData):
    """A rating pressed under a pledge, or 不写评语 once a rating is chosen."""

    pledge_id: int
    choice: Literal["e", "s", "b", "u", "skip"]

    @property
    def rating(self) -> PledgeRating | None:
        """The rating pressed (None for 不写评语)."""
        return None if self.choice == "skip" else RATING_CODES[self.choice]
