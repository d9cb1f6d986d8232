"""组织生活 calendar: the rules (应召开), what was held (已召开), what is missing (未召开),
exemptions (豁免), the 规范执行率, and the reminders before a period ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import Branch, ComplianceRule, MeetingKind, Member, Role, RulePeriod
from bot.services import access, audit, once, org
from bot.services.errors import Refused, found
from bot.services.meetings.drafts import parse_kind
from bot.services.oversight.facts import (
    MeetingFact,
    branches_with_groups,
    exempt_keys,
    meeting_facts,
)
from bot.services.oversight.sending import PerPerson
from bot.services.periods import Period, local_today, parse_period, period_of, year_period

# (period, at least, only branches with party groups): the work plan's defaults.
DEFAULT_RULES: dict[MeetingKind, tuple[RulePeriod, int, bool]] = {
    MeetingKind.committee: (RulePeriod.month, 1, False),
    MeetingKind.assembly: (RulePeriod.quarter, 1, False),
    MeetingKind.group: (RulePeriod.month, 1, True),
    MeetingKind.lecture: (RulePeriod.quarter, 1, False),
    MeetingKind.theme_day: (RulePeriod.month, 1, False),
    MeetingKind.life_meeting: (RulePeriod.year, 1, False),
    MeetingKind.member_review: (RulePeriod.year, 1, False),
}
MIN_COUNT_MAX = 31
# Reminder slots: days before a period ends, most urgent last.
REMINDER_DAYS = (10, 3)


@dataclass(frozen=True, slots=True)
class Rule:
    kind: MeetingKind
    period: RulePeriod
    min_count: int
    groups_only: bool

    def applies_to(self, branch_id: int, with_groups: set[int]) -> bool:
        return self.min_count > 0 and (not self.groups_only or branch_id in with_groups)

    def period_of(self, day: date) -> Period:
        return period_of(self.period.value, day)


def _rule(row: ComplianceRule) -> Rule:
    return Rule(MeetingKind(row.kind), row.period, row.min_count, row.groups_only)


def _insert(session: AsyncSession):
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def rules(session: AsyncSession, *, now: datetime) -> list[Rule]:
    """The rules, in the defaults' order; defaults are written the first time they are read."""
    rows = {r.kind: r for r in await session.exec(select(ComplianceRule))}
    missing = [k for k in DEFAULT_RULES if k.value not in rows]
    if missing:
        table = ComplianceRule.__table__  # type: ignore[attr-defined]
        values = [
            {
                "kind": k.value,
                "period": DEFAULT_RULES[k][0].value,
                "min_count": DEFAULT_RULES[k][1],
                "groups_only": DEFAULT_RULES[k][2],
                "updated_at": now,
            }
            for k in missing
        ]
        stmt = (
            _insert(session)(table).values(values).on_conflict_do_nothing(index_elements=["kind"])
        )
        await session.execute(stmt)
        rows = {r.kind: r for r in await session.exec(select(ComplianceRule))}
    order = {k.value: i for i, k in enumerate(DEFAULT_RULES)}
    return [_rule(r) for r in sorted(rows.values(), key=lambda r: order.get(r.kind, 99))]


async def set_rule(
    session: AsyncSession,
    *,
    actor: Member | None,
    kind_text: str,
    period_text: str,
    count_text: str,
    now: datetime,
) -> tuple[Rule, Rule]:
    """Change how often a kind must be held (admins); returns (before, after). Audited."""
    admin = access.require(actor, Role.admin)
    kind = parse_kind(kind_text)
    period = _parse_rule_period(period_text)
    if not count_text.isdigit() or int(count_text) > MIN_COUNT_MAX:
        raise Refused("bad_count", text=count_text[:20], limit=MIN_COUNT_MAX)
    await rules(session, now=now)
    row = (
        await session.exec(select(ComplianceRule).where(ComplianceRule.kind == kind.value))
    ).first()
    if row is None:  # a kind without a default (培训): a new rule
        row = ComplianceRule(kind=kind.value, period=period, min_count=0, updated_at=now)
    before = _rule(row)
    row.period, row.min_count = period, int(count_text)
    row.updated_at, row.updated_by = now, admin.id
    session.add(row)
    change = {"from": [before.period.value, before.min_count], "to": [period.value, row.min_count]}
    about = f"rule:{kind.value}"
    await audit.entry(
        session, by=admin, action="oversight.rule", about=about, now=now, details=change
    )
    return before, _rule(row)


_PERIOD_WORDS = {
    "month": RulePeriod.month,
    "monthly": RulePeriod.month,
    "月": RulePeriod.month,
    "每月": RulePeriod.month,
    "quarter": RulePeriod.quarter,
    "quarterly": RulePeriod.quarter,
    "季度": RulePeriod.quarter,
    "每季度": RulePeriod.quarter,
    "year": RulePeriod.year,
    "yearly": RulePeriod.year,
    "年": RulePeriod.year,
    "每年": RulePeriod.year,
}


def _parse_rule_period(text: str) -> RulePeriod:
    return found(_PERIOD_WORDS.get(text.strip().lower()), "bad_rule_period", text=text[:20])


async def branch_named(session: AsyncSession, name: str) -> Branch:
    branch = (await session.exec(select(Branch).where(Branch.name == name.strip()))).first()
    return found(branch, "unknown_branch", name=name.strip()[:40])


async def leader_branch(
    session: AsyncSession,
    actor: Member | None,
    branch_name: str | None,
    *,
    needed: str = "branch_needed",
) -> Branch:
    """The branch an admin names (refused with `needed` if none), or a secretary's own."""
    leader = access.require_leader(actor)
    if leader.role == Role.admin:
        if not branch_name:
            raise Refused(needed)
        return await branch_named(session, branch_name)
    if branch_name:
        raise Refused("own_branch_only")
    return found(await session.get(Branch, leader.branch_id), "no_branch")


# --------------------------------------------------------------------------- evaluation
@dataclass(slots=True)
class RulePeriodStatus:
    """One rule in one of its periods for one branch: 应召开 / 已召开 / 未召开."""

    kind: MeetingKind
    period: Period
    required: int
    held: list[datetime] = field(default_factory=list)
    scheduled: list[datetime] = field(default_factory=list)
    exempt_reason: str | None = None
    closed: bool = False

    @property
    def missing(self) -> int:
        """未召开: what is still short (of a closed period: what was missed)."""
        return 0 if self.exempt_reason else max(0, self.required - len(self.held))

    @property
    def met(self) -> bool:
        return self.exempt_reason is None and len(self.held) >= self.required

    @property
    def due(self) -> bool:
        """Counts toward the rate: a closed period, or an open one already met."""
        return self.exempt_reason is None and (self.closed or self.met)

    @property
    def uncovered(self) -> bool:
        """Neither held nor scheduled enough (what the reminders are about)."""
        return (
            self.exempt_reason is None
            and not self.closed
            and len(self.held) + len(self.scheduled) < self.required
        )


def evaluate(
    rule: Rule,
    period: Period,
    branch_id: int,
    facts: Iterable[MeetingFact],
    exempt: dict[tuple[int, str, str], str],
    *,
    now: datetime,
    tz: ZoneInfo,
    bounds: tuple[datetime, datetime] | None = None,
) -> RulePeriodStatus:
    """A rule's status in one period from the branch's meetings (already filtered to it).

    `bounds` saves computing the period's UTC range again for each of 500 branches.
    """
    start, end = bounds or period.bounds(tz)
    status = RulePeriodStatus(
        rule.kind,
        period,
        rule.min_count,
        exempt_reason=exempt.get((branch_id, rule.kind.value, period.label)),
        closed=end <= now,
    )
    for f in facts:
        if f.kind == rule.kind and start <= f.starts_at < end:
            if f.held:
                status.held.append(f.starts_at)
            elif f.upcoming:
                status.scheduled.append(f.starts_at)
    return status


def periods_overlapping(rule: Rule, shown: Period) -> list[Period]:
    """The rule's own periods that overlap the period shown (a month shows its quarter)."""
    found = [rule.period_of(shown.first)]
    while found[-1].last < shown.last:
        found.append(found[-1].next())
    return found


def rate(statuses: Iterable[RulePeriodStatus]) -> tuple[int, int]:
    """规范执行率 as (met, due)."""
    due = [s for s in statuses if s.due]
    return sum(1 for s in due if s.met), len(due)


@dataclass(frozen=True, slots=True)
class Calendar:
    branch_id: int
    branch: str
    shown: Period
    rows: list[RulePeriodStatus]
    year: int
    met: int
    due: int
    exempt_count: int


def year_statuses(
    rules_: Sequence[Rule],
    branch_id: int,
    year: int,
    facts: Sequence[MeetingFact],
    exempt: dict[tuple[int, str, str], str],
    with_groups: set[int],
    *,
    since: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> list[RulePeriodStatus]:
    """Every rule period of `year` that has begun, for one branch.

    Periods that ended before the branch was created in the bot are left out: nothing
    could have been recorded for them.
    """
    today = local_today(now, tz)
    out: list[RulePeriodStatus] = []
    for rule in rules_:
        if not rule.applies_to(branch_id, with_groups):
            continue
        for period in periods_overlapping(rule, year_period(year)):
            if period.first <= today and period.bounds(tz)[1] > since:
                out.append(evaluate(rule, period, branch_id, facts, exempt, now=now, tz=tz))
    return out


async def calendar(
    session: AsyncSession,
    *,
    actor: Member | None,
    period_text: str = "",
    branch_name: str | None = None,
    now: datetime,
    tz: ZoneInfo,
) -> Calendar:
    """/calendar: each rule in the period shown, and the year's 规范执行率 so far."""
    branch = await leader_branch(session, actor, branch_name)
    assert branch.id is not None
    today = local_today(now, tz)
    try:
        shown = parse_period(period_text, today) if period_text else period_of("month", today)
    except Refused:
        other = (
            await session.exec(select(Branch).where(Branch.name == period_text.strip()))
        ).first()
        if other is not None:  # a secretary naming a branch: theirs is the only one
            raise Refused("own_branch_only") from None
        raise
    rules_ = await rules(session, now=now)
    with_groups = await branches_with_groups(session)
    exempt = await exempt_keys(session, branch_ids=[branch.id])
    year = shown.first.year
    first = min(shown.first, date(year, 1, 1))
    last = max(shown.last, date(year, 12, 31))
    start, end = Period(first, last, "").bounds(tz)
    facts = await meeting_facts(session, start=start, end=end, now=now, branch_ids=[branch.id])
    rows = [
        evaluate(rule, p, branch.id, facts, exempt, now=now, tz=tz)
        for rule in rules_
        if rule.applies_to(branch.id, with_groups)
        for p in periods_overlapping(rule, shown)
        if p.bounds(tz)[1] > branch.created_at
    ]
    statuses = year_statuses(
        rules_, branch.id, year, facts, exempt, with_groups, since=branch.created_at, now=now, tz=tz
    )
    met, due = rate(statuses)
    exempt_count = sum(1 for s in statuses if s.exempt_reason)
    return Calendar(branch.id, branch.name, shown, rows, year, met, due, exempt_count)


# --------------------------------------------------------------------------- reminders
@dataclass(frozen=True, slots=True)
class Missing:
    """A required meeting neither held nor scheduled, with the period's end."""

    kind: MeetingKind
    period: Period
    ends_on: date
    days_left: int
    short: int


ComposeMissing = Callable[[Member, list[Missing]], OutgoingMessage]


def reminder_slot(end: datetime, now: datetime) -> str | None:
    """ "3d" within 3 days of the end, "10d" within 10, else None."""
    left = end - now
    if left <= timedelta(0):
        return None
    for days in sorted(REMINDER_DAYS):
        if left <= timedelta(days=days):
            return f"{days}d"
    return None


async def send_reminders(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, compose: ComposeMissing
) -> int:
    """Remind secretaries 10 and 3 days before a period ends of what is not covered.

    Each (rule, period, branch, slot) exactly once, across restarts and processes: the
    claim and the outbox row are committed together by the caller.
    """
    rules_ = await rules(session, now=now)
    today = local_today(now, tz)
    due: list[tuple[Rule, Period, str, datetime]] = []
    for rule in rules_:
        period = rule.period_of(today)
        _start, end = period.bounds(tz)
        slot = reminder_slot(end, now)
        if slot is not None and rule.min_count > 0:
            due.append((rule, period, slot, end))
    if not due:
        return 0
    start = min(p.bounds(tz)[0] for _r, p, _s, _e in due)
    end = max(e for *_x, e in due)
    facts = await meeting_facts(session, start=start, end=end, now=now)
    by_branch: dict[int, list[MeetingFact]] = defaultdict(list)
    for f in facts:
        by_branch[f.branch_id].append(f)
    exempt = await exempt_keys(session)
    with_groups = await branches_with_groups(session)
    secretaries = await org.secretaries_by_branch(session)
    missing: PerPerson[Missing] = PerPerson()
    for branch_id, people in secretaries.items():
        for rule, period, slot, end_at in due:
            if not rule.applies_to(branch_id, with_groups):
                continue
            st = evaluate(rule, period, branch_id, by_branch[branch_id], exempt, now=now, tz=tz)
            if not st.uncovered:
                continue
            short = st.required - len(st.held) - len(st.scheduled)
            days_left = (end_at - now + timedelta(hours=23, minutes=59)).days
            subject = f"{branch_id}:{rule.kind.value}:{period.label}"
            for m in await once.claim_members(
                session, people, kind="oversight.calendar", subject=subject, slot=slot, now=now
            ):
                missing.add(m, Missing(rule.kind, period, period.last, days_left, short))
    return await missing.send(session, kind="oversight.calendar", compose=compose, now=now)
