"""The weekly health evaluation: snapshots, the admins' digest, the secretaries' to-dos,
and the escalation of two red evaluations in a row. Exactly once per week."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import HealthLevel, HealthSnapshot, Member, Role
from bot.services import once, org
from bot.services.fanout import send_each
from bot.services.oversight.health import BranchHealth, evaluate_all
from bot.services.oversight.indicators import Thresholds
from bot.services.periods import local_today


def week_label(day: object) -> str:
    """ISO week of a local date, e.g. 2026-W49."""
    iso = day.isocalendar()  # type: ignore[attr-defined]
    return f"{iso.year:04d}-W{iso.week:02d}"


def due_week(now: datetime, tz: ZoneInfo, *, weekday: int, at: time) -> str | None:
    """The week whose digest is due at `now`: from its weekday and time until the week ends."""
    today = local_today(now, tz)
    monday = today - timedelta(days=today.weekday())
    moment = datetime.combine(monday + timedelta(days=weekday), at, tzinfo=tz)
    return week_label(today) if now >= moment else None


@dataclass(frozen=True, slots=True)
class Digest:
    """What the admins read on Monday."""

    week: str
    counts: dict[HealthLevel, int]
    newly_red: list[BranchHealth]
    recovered: list[BranchHealth]


@dataclass(frozen=True, slots=True)
class Escalation:
    """Two red evaluations in a row: the branch and both periods."""

    branch: BranchHealth
    previous_week: str
    week: str


@dataclass(slots=True)
class WeeklyResult:
    week: str
    digest: Digest
    escalations: list[Escalation] = field(default_factory=list)
    messages: int = 0


@dataclass(frozen=True, slots=True)
class Todos:
    """A secretary's week: the branch's reasons, and its members behind on 学时."""

    health: BranchHealth
    behind: list[str] = field(default_factory=list)  # names, people order


ComposeDigest = Callable[[Member, Digest], OutgoingMessage]
ComposeTodos = Callable[[Member, Todos], OutgoingMessage]
ComposeEscalation = Callable[[Member, Escalation], OutgoingMessage]


async def _history(session: AsyncSession, since: datetime) -> dict[int, list[HealthSnapshot]]:
    rows = await session.exec(
        select(HealthSnapshot)
        .where(col(HealthSnapshot.evaluated_at) >= since)
        .order_by(col(HealthSnapshot.period).desc())
    )
    out: dict[int, list[HealthSnapshot]] = defaultdict(list)
    for snap in rows:
        out[snap.branch_id].append(snap)
    return out


def compare(
    week: str, healths: list[BranchHealth], history: dict[int, list[HealthSnapshot]]
) -> tuple[Digest, list[Escalation]]:
    """This week's levels against the branches' earlier snapshots (newest first)."""
    counts = {level: 0 for level in HealthLevel}
    newly_red, recovered, escalations = [], [], []
    for b in healths:
        counts[b.level] += 1
        past = [s for s in history.get(b.branch_id, []) if s.period < week]
        before = past[0].level if past else None
        earlier = past[1].level if len(past) > 1 else None
        if b.level == HealthLevel.red and before != HealthLevel.red:
            newly_red.append(b)
        if before == HealthLevel.red and b.level != HealthLevel.red:
            recovered.append(b)
        # Once per streak: the second red in a row, not every red week after it.
        if b.level == HealthLevel.red and before == HealthLevel.red and earlier != HealthLevel.red:
            escalations.append(Escalation(b, past[0].period, week))
    return Digest(week, counts, newly_red, recovered), escalations


async def run_weekly(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    thresholds: Thresholds,
    weekday: int,
    at: time,
    compose_digest: ComposeDigest,
    compose_todos: ComposeTodos,
    compose_escalation: ComposeEscalation,
) -> WeeklyResult | None:
    """The week's evaluation, once per week across restarts and processes (else None)."""
    week = due_week(now, tz, weekday=weekday, at=at)
    if week is None:
        return None
    if not await once.claim(session, kind="oversight.digest", subject="week", slot=week, now=now):
        return None
    # The members behind on 学时 come from the same read of every member's total.
    healths = await evaluate_all(
        session,
        now=now,
        tz=tz,
        thresholds=thresholds,
        with_behind=thresholds.training_due(local_today(now, tz)),
    )
    history = await _history(session, now - timedelta(days=70))
    await _keep_snapshots(session, week, healths, now=now)
    digest, escalations = compare(week, healths, history)
    result = WeeklyResult(week, digest, escalations)
    admins = await org.active_members(session, roles=(Role.admin,), reachable=True)
    result.messages += await send_each(
        session,
        kind="oversight.digest",
        people=admins,
        compose=lambda m: compose_digest(m, digest),
        now=now,
    )
    for esc in escalations:
        result.messages += await send_each(
            session,
            kind="oversight.escalation",
            people=admins,
            compose=lambda m, e=esc: compose_escalation(m, e),  # type: ignore[misc]
            now=now,
            subject_id=esc.branch.branch_id,
        )
    result.messages += await _send_todos(session, healths, compose_todos, now=now)
    return result


async def _send_todos(
    session: AsyncSession,
    healths: list[BranchHealth],
    compose: ComposeTodos,
    *,
    now: datetime,
) -> int:
    """Each secretary whose branch has a reason or members behind on 学时: their to-dos."""
    todos = {b.branch_id: Todos(b, list(b.behind)) for b in healths if b.reasons or b.behind}
    secretaries = [
        m
        for m in await org.active_members(session, list(todos), roles=(Role.secretary,))
        if m.branch_id in todos
    ]
    return await send_each(
        session,
        kind="oversight.todos",
        people=secretaries,
        compose=lambda m: compose(m, todos[m.branch_id or 0]),
        now=now,
    )


async def _keep_snapshots(
    session: AsyncSession, week: str, healths: Sequence[BranchHealth], *, now: datetime
) -> None:
    """One HealthSnapshot per branch for the week (one multi-row insert)."""
    table = HealthSnapshot.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "branch_id": b.branch_id,
            "period": week,
            "level": b.level.value,
            "reasons": [f.to_data() for f in b.reasons],
            "evaluated_at": now,
        }
        for b in healths
    ]
    if rows:
        await session.execute(table.insert(), rows)
