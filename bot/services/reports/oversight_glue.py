"""The oversight capability's part of a report: the one place reports ask it.

Branch levels (正常 / 关注 / 预警) and the 组织生活 calendar belong to the oversight
capability. Not wired yet (issue 12 stays open for it): `oversight_section` returns None
and reports leave those parts out; wiring it is one function body (tests use a fake).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.periods import Period


class Level(StrEnum):
    """正常 / 关注 / 预警."""

    normal = "normal"
    attention = "attention"
    warning = "warning"


@dataclass(frozen=True, slots=True)
class BranchStanding:
    """One branch's level; `score` orders who needs attention most (higher first)."""

    branch_id: int
    branch: str
    level: Level
    score: float = 0.0
    reasons: tuple[str, ...] = ()  # short phrases, as the oversight capability words them


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One line of the 组织生活 calendar: what a branch must hold, by when, and how far."""

    branch: str
    what: str
    due: date | None
    required: int
    held: int


@dataclass(frozen=True, slots=True)
class OversightSection:
    levels: dict[Level, int] = field(default_factory=dict)
    standings: list[BranchStanding] = field(default_factory=list)
    calendar: list[CalendarEntry] = field(default_factory=list)

    def needing_attention(self, n: int = 10) -> list[BranchStanding]:
        """The `n` branches needing attention most: 预警 before 关注, then by score."""
        rank = {Level.warning: 0, Level.attention: 1, Level.normal: 2}
        flagged = [s for s in self.standings if s.level != Level.normal]
        return sorted(flagged, key=lambda s: (rank[s.level], -s.score, s.branch))[:n]


async def oversight_section(
    session: AsyncSession,
    *,
    branch_ids: Sequence[int] | None,
    period: Period,
    now: datetime,
) -> OversightSection | None:
    """Levels and calendar for these branches (None: every branch) — None until wired."""
    return None
