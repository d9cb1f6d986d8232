"""The oversight capability's part of a report: the one place reports ask it.

Branch levels (正常 / 关注 / 预警) come from `oversight.health.evaluate_all` (every
branch in one pass, as /warnings shows them: levels as of `now`); the 组织生活 calendar
from `oversight.calendar` (its rules, `evaluate` and `periods_overlapping`, as /calendar
shows one branch) for every rule period overlapping the report's period, read for all
branches with one `meeting_facts` query. Nothing here judges anew.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, HealthLevel, MeetingKind
from bot.services.oversight import calendar as cal
from bot.services.oversight import health
from bot.services.oversight.facts import (
    MeetingFact,
    branches_with_groups,
    exempt_keys,
    meeting_facts,
)
from bot.services.oversight.indicators import Finding, Thresholds
from bot.services.periods import Period, local_today

# 预警 before 关注 before 正常, as /warnings lists them.
RANK = health.LEVEL_ORDER


@dataclass(frozen=True, slots=True)
class BranchStanding:
    """One branch's level and the indicators that set it (flagged findings only)."""

    branch_id: int
    branch: str
    level: HealthLevel
    reasons: tuple[Finding, ...] = ()

    @property
    def score(self) -> int:
        """Orders who needs attention most within a level: the indicator groups flagged,
        then the findings (level_of counts groups)."""
        return len({f.group for f in self.reasons}) * 100 + len(self.reasons)


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One rule in one of its periods for one branch: 应召开 / 已召开 / 未召开 (豁免)."""

    branch: str
    kind: MeetingKind
    period: str
    due: date
    required: int
    held: int
    scheduled: int
    missing: int
    exempt_reason: str | None
    closed: bool


@dataclass(frozen=True, slots=True)
class OversightSection:
    levels: dict[HealthLevel, int] = field(default_factory=dict)
    standings: list[BranchStanding] = field(default_factory=list)
    calendar: list[CalendarEntry] = field(default_factory=list)

    def needing_attention(self, n: int = 10) -> list[BranchStanding]:
        """The `n` branches needing attention most: 预警 before 关注, then by score."""
        flagged = [s for s in self.standings if s.level != HealthLevel.green]
        return sorted(flagged, key=lambda s: (RANK[s.level], -s.score, s.branch))[:n]


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def _branches(
    session: AsyncSession, branch_ids: Sequence[int] | None
) -> list[tuple[int, str, datetime]]:
    query = select(Branch.id, Branch.name, Branch.created_at).order_by(col(Branch.name))
    if branch_ids is not None:
        query = query.where(col(Branch.id).in_(list(branch_ids)))
    return [(b, n, _aware(c)) for b, n, c in (await session.execute(query)).all()]


def _entry(name: str, st: cal.RulePeriodStatus) -> CalendarEntry:
    return CalendarEntry(
        name, st.kind, st.period.label, st.period.last, st.required, len(st.held),
        len(st.scheduled), st.missing, st.exempt_reason, st.closed,
    )  # fmt: skip


async def calendar_entries(
    session: AsyncSession,
    *,
    branch_ids: Sequence[int] | None,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
) -> list[CalendarEntry]:
    """Each branch's rule periods overlapping `period` that have begun, by branch name.

    What /calendar shows for one branch (periods that ended before the branch was
    created in the bot are left out, as there), for every branch at once.
    """
    branches = await _branches(session, branch_ids)
    today = local_today(now, tz)
    rules = await cal.rules(session, now=now)
    shown = [
        (rule, p, p.bounds(tz))
        for rule in rules
        for p in cal.periods_overlapping(rule, period)
        if p.first <= today
    ]
    if not branches or not shown:
        return []
    ids = None if branch_ids is None else list(branch_ids)
    facts = await meeting_facts(
        session,
        start=min(b[0] for _r, _p, b in shown),
        end=max(b[1] for _r, _p, b in shown),
        now=now,
        branch_ids=ids,
    )
    by_kind: dict[tuple[int, MeetingKind], list[MeetingFact]] = defaultdict(list)
    for f in facts:
        by_kind[(f.branch_id, f.kind)].append(f)
    exempt = await exempt_keys(session, branch_ids=ids)
    with_groups = await branches_with_groups(session)
    return [
        _entry(
            name,
            cal.evaluate(
                rule,
                p,
                branch_id,
                by_kind[(branch_id, rule.kind)],
                exempt,
                now=now,
                tz=tz,
                bounds=bounds,
            ),
        )
        for branch_id, name, created in branches
        for rule, p, bounds in shown
        if rule.applies_to(branch_id, with_groups) and bounds[1] > created
    ]


async def oversight_section(
    session: AsyncSession,
    *,
    branch_ids: Sequence[int] | None,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    thresholds: Thresholds,
) -> OversightSection:
    """Levels (as of `now`) and the period's calendar for these branches (None: all)."""
    healths = await health.evaluate_all(
        session, now=now, tz=tz, thresholds=thresholds, branch_ids=branch_ids
    )
    levels = {level: 0 for level in HealthLevel}
    for b in healths:
        levels[b.level] += 1
    standings = [BranchStanding(b.branch_id, b.name, b.level, tuple(b.reasons)) for b in healths]
    entries = await calendar_entries(session, branch_ids=branch_ids, period=period, now=now, tz=tz)
    return OversightSection(levels, standings, entries)
