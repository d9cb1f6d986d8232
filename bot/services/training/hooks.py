"""Where training meets the capabilities being finished beside it (study, oversight).

Two hooks; the second is not consumed yet (issue 13 stays open until oversight reads it):

- `study_hours_for(...)` reads StudyItem.hours_tenths and StudyRecord directly: a study
  item's 学时 count once the member pressed 已学习. The study capability's publishing
  form is where hours get set (StudyItem.hours_tenths, default 0.5 学时); until then
  every item carries the default.
- `training_indicators(...)` is what the oversight capability consumes for the branch
  health indicators (作用不发挥 from low coverage, 班子不健全 from a secretary past the
  6-month rule) and for the secretaries' weekly to-dos (who is behind).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, StudyItem, StudyRecord

Scope = int | Sequence[int] | None


async def study_hours_for(
    session: AsyncSession, *, scope: Scope, start: datetime, end: datetime
) -> dict[int, int]:
    """Member → tenths from the study items they completed (已学习) in [start, end)."""
    query: Any = (
        select(StudyRecord.member_id, func.sum(StudyItem.hours_tenths))
        .join(StudyItem, col(StudyItem.id) == StudyRecord.item_id)
        .where(
            col(StudyRecord.completed_at).is_not(None),
            col(StudyRecord.completed_at) >= start,
            col(StudyRecord.completed_at) < end,
        )
        .group_by(col(StudyRecord.member_id))
    )
    if scope is not None:
        query = query.join(Member, col(Member.id) == StudyRecord.member_id)
        if isinstance(scope, int):
            query = query.where(Member.branch_id == scope)
        else:
            query = query.where(col(Member.branch_id).in_(list(scope)))
    return {int(m): int(n or 0) for m, n in await session.exec(query)}


@dataclass(frozen=True, slots=True)
class TrainingIndicator:
    """One branch's training for oversight: coverage, who is behind, the secretary rule."""

    branch_id: int
    members: int
    on_track: int  # at or above the share of the yearly target due by today
    reached: int  # at or above the whole yearly target
    behind_ids: tuple[int, ...]
    secretaries_overdue: tuple[int, ...]  # member ids past the 6-month rule

    @property
    def coverage(self) -> int:
        """Whole percent of members on track (100 for a branch without members)."""
        return 100 if self.members == 0 else self.on_track * 100 // self.members


async def training_indicators(
    session: AsyncSession,
    *,
    branch_ids: Sequence[int] | None,
    year: int | None = None,
    now: datetime,
    tz: ZoneInfo,
) -> dict[int, TrainingIndicator]:
    """Branch → its training indicator this year (or `year`, counted as of `now`)."""
    from bot.services.training import overview

    return await overview.indicators(session, branch_ids=branch_ids, year=year, now=now, tz=tz)
