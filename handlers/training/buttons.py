"""The 教育培训 button families (typed callback data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from handlers.callbacks import CallbackData


@dataclass(frozen=True, slots=True)
class AddStep(CallbackData):
    """Under the /training add form: skip the certificate, 书记培训 on/off, 提交, 取消."""

    prefix: ClassVar[str] = "trs"
    action: Literal["skip", "secretary", "submit", "cancel"]


@dataclass(frozen=True, slots=True)
class Decide(CallbackData):
    """通过 / 退回 on an external training record."""

    prefix: ClassVar[str] = "trd"
    record_id: int
    action: Literal["approve", "return"]


@dataclass(frozen=True, slots=True)
class OpenRecord(CallbackData):
    """Open one record: its details, certificate and what one may do."""

    prefix: ClassVar[str] = "tro"
    record_id: int


@dataclass(frozen=True, slots=True)
class ShowCertificate(CallbackData):
    """Send the record's certificate again, by file_id."""

    prefix: ClassVar[str] = "trf"
    record_id: int


@dataclass(frozen=True, slots=True)
class HoursPage(CallbackData):
    """◀ ▶ through a branch's members (secretary) or the branches (admin) in /hours."""

    prefix: ClassVar[str] = "trp"
    scope: Literal["branch", "committee"]
    page: int
