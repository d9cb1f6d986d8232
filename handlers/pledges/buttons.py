"""The pledges' button families (prefixes and layouts as before, so sent buttons work)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.models import PledgeRating
from handlers.callbacks import CallbackData

FormStep = Literal["post", "duties", "commitments"]


@dataclass(frozen=True, slots=True)
class FormAction(CallbackData):
    """提交 / 修改 / 取消 under the preview, a part to change, 修改 on a submitted pledge."""

    prefix: ClassVar[str] = "plf"
    action: Literal["submit", "edit", "cancel", "revise", "post", "duties", "commitments"]


@dataclass(frozen=True, slots=True)
class ReviewChoice(CallbackData):
    """通过 / 退回 under one version of a pledge waiting for review."""

    prefix: ClassVar[str] = "plv"
    pledge_id: int
    version: int
    choice: Literal["ok", "ret"]


@dataclass(frozen=True, slots=True)
class Remind(CallbackData):
    """提醒未提交的党员 under the branch's coverage."""

    prefix: ClassVar[str] = "plc"
    action: Literal["remind"] = "remind"


@dataclass(frozen=True, slots=True)
class PublishChoice(CallbackData):
    """确认发送 / 取消 under the 公示 preview."""

    prefix: ClassVar[str] = "plp"
    choice: Literal["go", "no"]


RatingCode = Literal["e", "s", "b", "u"]
# One letter per rating keeps callback data short.
RATING_CODES: dict[RatingCode, PledgeRating] = {
    "e": PledgeRating.excellent,
    "s": PledgeRating.satisfactory,
    "b": PledgeRating.basic,
    "u": PledgeRating.unsatisfactory,
}
CODE_OF = {rating: code for code, rating in RATING_CODES.items()}


@dataclass(frozen=True, slots=True)
class RateChoice(CallbackData):
    """A rating pressed under a pledge, or 不写评语 once a rating is chosen."""

    prefix: ClassVar[str] = "plr"
    pledge_id: int
    choice: Literal["e", "s", "b", "u", "skip"]

    @property
    def rating(self) -> PledgeRating | None:
        """The rating pressed (None for 不写评语)."""
        return None if self.choice == "skip" else RATING_CODES[self.choice]
