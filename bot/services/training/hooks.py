"""Where training meets the capabilities being finished beside it (study, oversight).

- `study_hours_for(...)` reads StudyItem.hours_tenths and StudyRecord directly: a study
  item's 学时 count once the member pressed 已学习. The study capability's publishing
  form is where hours get set (StudyItem.hours_tenths, default 0.5 学时); until then
  every item carries the default.
- `training_indicators(...)` is consumed by the oversight health check
  (bot/services/oversight/health.py): 作用不发挥 from low coverage (members on track
  below HEALTH_TRAINING_MIN after HEALTH_TRAINING_AFTER), 班子不健全 from a secretary
  appointed since 2025 past the 6-month rule (`secretaries`). Every branch in a few grouped
  queries (coverage.py); `with_behind=True` also names the members behind (for the
  secretaries' weekly to-dos, bot/services/oversight/digest.py) from the same read of
  each member's total; `with_counts=False` (before HEALTH_TRAINING_AFTER, when coverage is
  not judged) reads only the secretary rule.

The 6-month rule's warning is sent by nudges.warn_secretary_rule, claimed once per
secretary and appointment; the health indicator only shows the state while it lasts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.training.secretaries import SecretaryStatus

Scope = int | Sequence[int] | None


async def study_hours_for(
    session: AsyncSession, *, scope: Scope, start: datetime, end: datetime
) -> dict[int, int]:
    """Member → tenths from the study items they completed (已学习) in [start, end)."""
    from bot.services.training import hours

    return await hours.study_tenths(session, scope=scope, start=start, end=end)


@dataclass(frozen=True, slots=True)
class TrainingIndicator:
    """One branch's training for oversight: coverage, who is behind, the secretary rule."""

    branch_id: int
    members: int
    on_track: int  # at or above the share of the yearly target due by today
    reached: int  # at or above the whole yearly target
    behind_ids: tuple[int, ...]  # people order; empty unless read with_behind
    secretaries_overdue: tuple[int, ...]  # member ids past the 6-month rule
    # Every secretary of the branch under the rule (appointed since 2025), trained or not.
    secretaries: tuple[SecretaryStatus, ...] = ()
    behind_names: tuple[str, ...] = ()  # the names of behind_ids, in the same order

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
    with_behind: bool = True,
    with_counts: bool = True,
) -> dict[int, TrainingIndicator]:
    """Branch → its training indicator this year (or `year`, counted as of `now`).

    Counted per branch in a few grouped queries whatever the number of branches;
    `behind_ids` and `behind_names` are read only `with_behind` (a row per member), the
    members and those on track not at all without `with_counts`.
    """
    from bot.services.training import overview

    found, _late = await overview.count(
        session,
        branch_ids=branch_ids,
        year=year,
        now=now,
        tz=tz,
        with_behind=with_behind,
        with_counts=with_counts,
    )
    return found
