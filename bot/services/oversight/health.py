"""Branch health (监测预警): every branch's indicators in a handful of grouped queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Attendance,
    Branch,
    BranchTerm,
    HealthLevel,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    MemberActivity,
    MemberStatus,
    Pledge,
    PledgeStatus,
    Role,
    StudyItem,
    StudyRecord,
    StudyStatus,
    StudyTarget,
)
from bot.services import access
from bot.services.errors import Refused
from bot.services.oversight import calendar as cal
from bot.services.oversight.facts import Window, branches_with_groups, exempt_keys, meeting_facts
from bot.services.oversight.indicators import (
    BranchFacts,
    Finding,
    SecretaryRule,
    Thresholds,
    findings,
    level_of,
)
from bot.services.periods import Period, local_today, period_of
from bot.services.requests import rates as requests_rates
from bot.services.training.hooks import TrainingIndicator, training_indicators

_NEWEST = "newest_id"  # a column label, not a message
LEVEL_ORDER = {HealthLevel.red: 0, HealthLevel.yellow: 1, HealthLevel.green: 2}


@dataclass(frozen=True, slots=True)
class BranchHealth:
    branch_id: int
    name: str
    level: HealthLevel
    findings: list[Finding]
    behind: tuple[str, ...] = ()  # members behind on 学时, read only with_behind

    @property
    def reasons(self) -> list[Finding]:
        return [f for f in self.findings if f.flagged]


async def _people(session: AsyncSession) -> dict[int, tuple[int, int, int, int]]:
    """branch → (members, committee, secretaries, blocked), counting the not-left."""
    is_committee = (col(Member.is_committee)) | (col(Member.role) == Role.secretary)
    rows = await session.execute(
        columns(
            col(Member.branch_id),
            func.count(),
            func.sum(case((is_committee, 1), else_=0)),
            func.sum(case((col(Member.role) == Role.secretary, 1), else_=0)),
            func.sum(case((col(Member.status) == MemberStatus.blocked, 1), else_=0)),
        )
        .where(
            col(Member.status) != MemberStatus.left,
            col(Member.role).in_([Role.member, Role.secretary]),
            col(Member.branch_id).is_not(None),
        )
        .group_by(col(Member.branch_id))
    )
    return {b: (int(n), int(c or 0), int(s or 0), int(x or 0)) for b, n, c, s, x in rows.all()}


async def _attendance(
    session: AsyncSession, start: datetime, end: datetime, now: datetime
) -> dict[int, float]:
    """Checked in ÷ invited over the held meetings of [start, end), per branch.

    Attendance is counted per meeting with `meeting_id IN (…)`, which walks the
    (meeting_id, checked_in_at, member_id) index without reading the rows (a join makes
    SQLite scan); a meeting counts when it has a check-in or minutes.
    """
    in_window = (
        col(Meeting.status) != MeetingStatus.cancelled,
        col(Meeting.starts_at) >= start,
        col(Meeting.starts_at) < min(end, now),
    )
    meetings = {
        mid: (branch_id, minutes)
        for mid, branch_id, minutes in (
            await session.execute(
                columns(
                    col(Meeting.id),
                    col(Meeting.branch_id),
                    col(Meeting.minutes_text).is_not(None)
                    | col(Meeting.minutes_media_id).is_not(None),
                ).where(*in_window)
            )
        ).all()
    }
    rows = await session.execute(
        columns(
            col(Attendance.meeting_id),
            func.count(),  # not count(id): the (meeting, check-in) index alone answers
            func.count(col(Attendance.checked_in_at)),
        )
        .where(col(Attendance.meeting_id).in_(select(Meeting.id).where(*in_window)))
        .group_by(col(Attendance.meeting_id))
    )
    invited: dict[int, int] = defaultdict(int)
    came: dict[int, int] = defaultdict(int)
    for meeting_id, total, done in rows.all():
        branch_id, minutes = meetings.get(meeting_id, (None, False))
        if branch_id is not None and (done or minutes):
            invited[branch_id] += total
            came[branch_id] += done
    return {b: came[b] / n for b, n in invited.items() if n}


async def _study(
    session: AsyncSession, start: datetime, end: datetime, members: dict[int, int]
) -> dict[int, float]:
    """Completed records ÷ (items pushed to the branch × its members) for items of the window."""
    in_window = (
        col(StudyItem.status) == StudyStatus.published,
        col(StudyItem.published_at) >= start,
        col(StudyItem.published_at) < end,
    )
    items = await session.execute(
        select(StudyTarget.branch_id, func.count())
        .join(StudyItem, col(StudyItem.id) == col(StudyTarget.item_id))
        .where(*in_window)
        .group_by(col(StudyTarget.branch_id))
    )
    done = await session.execute(
        select(Member.branch_id, func.count())
        .select_from(StudyRecord)
        .join(Member, col(Member.id) == col(StudyRecord.member_id))
        .join(StudyItem, col(StudyItem.id) == col(StudyRecord.item_id))
        .join(
            StudyTarget,
            (col(StudyTarget.item_id) == col(StudyItem.id))
            & (col(StudyTarget.branch_id) == col(Member.branch_id)),
        )
        .where(
            *in_window,
            col(StudyRecord.completed_at).is_not(None),
            col(Member.status) != MemberStatus.left,
        )
        .group_by(col(Member.branch_id))
    )
    done_by = dict(done.all())
    out = {}
    for branch_id, n in items.all():
        expected = n * members.get(branch_id, 0)
        if expected:
            out[branch_id] = min(1.0, done_by.get(branch_id, 0) / expected)
    return out


async def _pledges(session: AsyncSession, year: int, members: dict[int, int]) -> dict[int, float]:
    rows = await session.execute(
        select(Pledge.branch_id, func.count())
        .join(Member, col(Member.id) == col(Pledge.member_id))
        .where(
            Pledge.year == year,
            col(Pledge.status).in_([PledgeStatus.submitted, PledgeStatus.approved]),
            col(Member.status) != MemberStatus.left,
        )
        .group_by(col(Pledge.branch_id))
    )
    got = dict(rows.all())
    return {b: min(1.0, got.get(b, 0) / n) for b, n in members.items() if n}


async def _secretary_seen(session: AsyncSession) -> dict[int, datetime]:
    """Each branch's most recently active secretary (their joining counts as activity)."""
    seen = func.coalesce(func.max(MemberActivity.last_seen_at), func.max(Member.joined_at))
    rows = await session.execute(
        select(Member.branch_id, Member.id, seen)
        .outerjoin(MemberActivity, col(MemberActivity.member_id) == col(Member.id))
        .where(col(Member.role) == Role.secretary, col(Member.status) != MemberStatus.left)
        .group_by(col(Member.branch_id), col(Member.id))
    )
    out: dict[int, datetime] = {}
    for branch_id, _mid, at in rows.all():
        if branch_id is not None and at is not None:
            at = _aware(at)
            if branch_id not in out or at > out[branch_id]:
                out[branch_id] = at
    return out


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive values from aggregates such as max(); they are UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def current_terms(
    session: AsyncSession, branch_ids: Sequence[int] | None = None
) -> dict[int, BranchTerm]:
    """Each branch's newest recorded term."""
    newest = (
        select(BranchTerm.branch_id, func.max(BranchTerm.id).label(_NEWEST))
        .group_by(col(BranchTerm.branch_id))
        .subquery()
    )
    query = select(BranchTerm).join(newest, col(BranchTerm.id) == newest.c[_NEWEST])
    if branch_ids is not None:
        query = query.where(col(BranchTerm.branch_id).in_(list(branch_ids)))
    return {t.branch_id: t for t in await session.exec(query)}


async def satisfaction_rates(
    session: AsyncSession, *, branch_ids: Sequence[int], now: datetime, tz: ZoneInfo, min_rated: int
) -> dict[int, float]:
    """Each branch's 满意率 of 诉求 over the last closed quarter, for 作用不发挥.

    Only branches with at least `min_rated` rated requests are measured: a branch whose
    two requests were rated once each is not judged on them.
    """
    since, until = period_of("quarter", local_today(now, tz)).previous().bounds(tz)
    rates = await requests_rates.rates_by_branch(
        session, branch_ids=branch_ids, since=since, until=until, now=now
    )
    return {
        branch_id: r.satisfaction_rate
        for branch_id, r in rates.items()
        if r.rated >= min_rated and r.satisfaction_rate is not None
    }


def _days_since(
    last: datetime | None, young: bool, thresholds: Thresholds, now: datetime
) -> int | None:
    """Days since the newest held meeting; at least the window when none was held in it.

    A branch younger than the window is not measured: it had no chance to meet yet.
    """
    if last is not None:
        return (now - last).days
    return None if young else thresholds.idle_days


@dataclass
class _Measured:
    """Everything measured for all branches at once: a handful of grouped queries."""

    rules: list[cal.Rule]
    closed: dict[MeetingKind, Period]
    bounds: dict[MeetingKind, tuple[datetime, datetime]]
    by_branch: dict[int, list[cal.MeetingFact]]
    newest: dict[int, datetime]
    exempt: dict[tuple[int, str, str], str]
    with_groups: set[int]
    people: dict[int, tuple[int, int, int, int]]
    attendance: dict[int, float]
    study: dict[int, float]
    pledges: dict[int, float]
    seen: dict[int, datetime]
    terms: dict[int, BranchTerm]
    satisfaction: dict[int, float]
    training: dict[int, TrainingIndicator]


async def _measure(
    session: AsyncSession,
    *,
    ids: list[int] | None,
    all_ids: list[int],
    now: datetime,
    tz: ZoneInfo,
    idle_from: datetime,
    thresholds: Thresholds,
    with_behind: bool,
) -> _Measured:
    today = local_today(now, tz)
    rules = await cal.rules(session, now=now)
    closed = {r.kind: r.period_of(today).previous() for r in rules}
    # The meetings of each rule's last closed period and of the idle window, nothing else.
    windows: list[Window] = [(None, idle_from, now)]
    windows += [([r.kind], *closed[r.kind].bounds(tz)) for r in rules]
    start = min(w[1] for w in windows)
    facts = await meeting_facts(
        session, start=start, end=now, now=now, branch_ids=ids, windows=windows
    )
    by_branch: dict[int, list[cal.MeetingFact]] = defaultdict(list)
    newest: dict[int, datetime] = {}
    for f in facts:
        by_branch[f.branch_id].append(f)
        if f.held:
            newest[f.branch_id] = max(newest.get(f.branch_id, f.starts_at), f.starts_at)
    people = await _people(session)
    members = {b: p[0] for b, p in people.items()}
    q_start, q_end = period_of("quarter", today).previous().bounds(tz)
    return _Measured(
        rules=rules,
        closed=closed,
        bounds={k: p.bounds(tz) for k, p in closed.items()},
        by_branch=by_branch,
        newest=newest,
        exempt=await exempt_keys(session, branch_ids=ids),
        with_groups=await branches_with_groups(session),
        people=people,
        attendance=await _attendance(session, q_start, q_end, now),
        study=await _study(session, q_start, q_end, members),
        pledges=await _pledges(session, today.year, members),
        seen=await _secretary_seen(session),
        terms=await current_terms(session, ids),
        satisfaction=await satisfaction_rates(
            session, branch_ids=all_ids, now=now, tz=tz, min_rated=thresholds.satisfaction_min_rated
        ),
        # Counted per branch in a few grouped queries (bot/services/training/coverage.py);
        # before training_after only the secretary rule is judged, so only it is read.
        training=await training_indicators(
            session,
            branch_ids=ids,
            now=now,
            tz=tz,
            with_behind=with_behind,
            with_counts=with_behind or thresholds.training_due(today),
        ),
    )


def _training(
    m: _Measured, branch_id: int, young: bool
) -> tuple[int, float | None, SecretaryRule | None]:
    """A branch's members on track, their share, and its secretary under the 6-month rule."""
    found = m.training.get(branch_id)
    if found is None:
        return 0, None, None
    share = None if young or found.members == 0 else found.on_track / found.members
    # The secretary that matters most: past the rule, then not yet trained, then trained.
    secretaries = sorted(found.secretaries, key=lambda s: (s.trained, s.due_on))
    rule = None
    if secretaries:
        s = secretaries[0]
        rule = SecretaryRule(s.name, s.appointed_on, s.due_on, s.trained)
    return found.on_track, share, rule


def _facts_of(
    m: _Measured,
    branch_id: int,
    created: datetime,
    *,
    idle_from: datetime,
    thresholds: Thresholds,
    now: datetime,
    tz: ZoneInfo,
) -> BranchFacts:
    """One branch's measured values out of the all-branch results."""
    missed: dict[str, str] = {}
    for rule in m.rules:
        period, bounds = m.closed[rule.kind], m.bounds[rule.kind]
        if not rule.applies_to(branch_id, m.with_groups) or bounds[1] <= created:
            continue
        facts = m.by_branch[branch_id]
        st = cal.evaluate(rule, period, branch_id, facts, m.exempt, now=now, tz=tz, bounds=bounds)
        if st.missing:
            missed[rule.kind.value] = period.label
    young = created > idle_from
    n, committee, secretaries, blocked = m.people.get(branch_id, (0, 0, 0, 0))
    term = m.terms.get(branch_id)
    last_seen = m.seen.get(branch_id)
    on_track, training, secretary_rule = _training(m, branch_id, young)
    return BranchFacts(
        members=n,
        committee=committee,
        secretaries=secretaries,
        missed=missed,
        days_since_held=_days_since(m.newest.get(branch_id), young, thresholds, now),
        attendance=m.attendance.get(branch_id),
        study=m.study.get(branch_id),
        pledges=None if young else m.pledges.get(branch_id),
        satisfaction=m.satisfaction.get(branch_id),
        secretary_idle_days=(now - last_seen).days if last_seen else None,
        term_ends_on=term.ends_on if term else None,
        term_known=term is not None,
        blocked=blocked,
        members_on_track=on_track,
        training=training,
        secretary_rule=secretary_rule,
    )


async def evaluate_all(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    thresholds: Thresholds,
    branch_ids: Sequence[int] | None = None,
    with_behind: bool = False,
) -> list[BranchHealth]:
    """Every branch's level and findings (or some branches'), red first, then by name;
    `with_behind` names each branch's members behind on 学时 too (the weekly to-dos)."""
    branch_rows = await session.execute(
        select(Branch.id, Branch.name, Branch.created_at).where(
            *(() if branch_ids is None else (col(Branch.id).in_(list(branch_ids)),))
        )
    )
    branches = [(b, n, _aware(c)) for b, n, c in branch_rows.all()]
    idle_from = now - timedelta(days=thresholds.idle_days)
    measured = await _measure(
        session,
        ids=None if branch_ids is None else list(branch_ids),
        all_ids=[b for b, _n, _c in branches],
        now=now,
        tz=tz,
        idle_from=idle_from,
        thresholds=thresholds,
        with_behind=with_behind,
    )
    today = local_today(now, tz)
    out = []
    for branch_id, name, created in branches:
        facts = _facts_of(
            measured, branch_id, created, idle_from=idle_from, thresholds=thresholds, now=now, tz=tz
        )
        found = findings(facts, thresholds, today)
        level = level_of([f for f in found if f.flagged])
        training = measured.training.get(branch_id)
        behind = training.behind_names if training else ()
        out.append(BranchHealth(branch_id, name, level, found, behind))
    out.sort(key=lambda b: (LEVEL_ORDER[b.level], b.name))
    return out


async def warnings(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    thresholds: Thresholds,
) -> list[BranchHealth]:
    """/warnings: every branch by level (admins)."""
    access.require(actor, Role.admin)
    return await evaluate_all(session, now=now, tz=tz, thresholds=thresholds)


async def branch_health(
    session: AsyncSession,
    *,
    actor: Member | None,
    branch_id: int | None = None,
    now: datetime,
    tz: ZoneInfo,
    thresholds: Thresholds,
) -> BranchHealth:
    """One branch's level and every indicator: admins any branch, a secretary their own."""
    leader = access.require_leader(actor)
    if leader.role == Role.secretary:
        if branch_id is not None and branch_id != leader.branch_id:
            raise Refused("not_allowed")
        branch_id = leader.branch_id
    if branch_id is None or await session.get(Branch, branch_id) is None:
        raise Refused("unknown_branch", name=str(branch_id or ""))
    found = await evaluate_all(
        session, now=now, tz=tz, thresholds=thresholds, branch_ids=[branch_id]
    )
    return found[0]
