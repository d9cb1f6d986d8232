"""换届: each branch committee's term (任期), its history, and the reminders before it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.message import OutgoingMessage
from bot.models import Branch, BranchTerm, Member, Role
from bot.services import audit, once, org
from bot.services.errors import Refused
from bot.services.oversight.calendar import leader_branch
from bot.services.oversight.health import current_terms
from bot.services.oversight.sending import PerPerson
from bot.services.periods import local_today, parse_date

YEARS_MAX = 10
# Reminder slots before the end, most distant first: (months before, slot name).
BEFORE = ((6, "6m"), (3, "3m"), (1, "1m"))
Slot = Literal["6m", "3m", "1m", "overdue", "unknown"]


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """`months` later (or earlier, when negative), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)


@dataclass(frozen=True, slots=True)
class TermView:
    branch_id: int
    branch: str
    current: BranchTerm | None
    history: list[BranchTerm]
    today: date

    @property
    def overdue(self) -> bool:
        return self.current is not None and self.current.ends_on < self.today


async def term_of(
    session: AsyncSession,
    *,
    actor: Member | None,
    branch_name: str | None = None,
    now: datetime,
    tz: ZoneInfo,
) -> TermView:
    """The branch's current term and every earlier one, newest first."""
    branch = await leader_branch(session, actor, branch_name, needed="term_branch_needed")
    return await _view(session, branch, now=now, tz=tz)


async def _view(session: AsyncSession, branch: Branch, *, now: datetime, tz: ZoneInfo) -> TermView:
    assert branch.id is not None
    history = list(
        await session.exec(
            select(BranchTerm)
            .where(BranchTerm.branch_id == branch.id)
            .order_by(col(BranchTerm.id).desc())
        )
    )
    current = history[0] if history else None
    return TermView(branch.id, branch.name, current, history, local_today(now, tz))


async def record_term(
    session: AsyncSession,
    *,
    actor: Member | None,
    branch_name: str | None = None,
    starts_text: str,
    years_text: str | None,
    default_years: int,
    now: datetime,
    tz: ZoneInfo,
) -> TermView:
    """Record the term that began with an election (the earlier terms stay). Audited."""
    branch = await leader_branch(session, actor, branch_name, needed="term_branch_needed")
    assert actor is not None
    assert branch.id is not None
    starts = parse_date(starts_text)
    if years_text is None:
        years = default_years
    elif years_text.isdigit() and 1 <= int(years_text) <= YEARS_MAX:
        years = int(years_text)
    else:
        raise Refused("bad_years", text=years_text[:20], limit=YEARS_MAX)
    if starts > local_today(now, tz):
        raise Refused("term_in_future", day=starts.isoformat())
    term = BranchTerm(
        branch_id=branch.id,
        starts_on=starts,
        years=years,
        ends_on=add_years(starts, years),
        recorded_by=actor.id,
        recorded_at=now,
    )
    session.add(term)
    await session.flush()
    details = {"starts_on": starts.isoformat(), "years": years}
    await audit.entry(
        session, by=actor, action="oversight.term", about=branch, now=now, details=details
    )
    return await _view(session, branch, now=now, tz=tz)


@dataclass(frozen=True, slots=True)
class TermReminder:
    branch_id: int
    branch: str
    slot: Slot
    ends_on: date | None
    today: date


def slot_for(ends_on: date | None, today: date) -> tuple[Slot, str] | None:
    """The reminder due today and its claim slot (overdue: one per month), or None."""
    if ends_on is None:
        return "unknown", "unknown"
    if today >= ends_on:
        return "overdue", f"overdue:{today.year:04d}-{today.month:02d}"
    due: tuple[Slot, str] | None = None
    for months, name in BEFORE:
        if today >= add_months(ends_on, -months):
            due = (name, name)  # type: ignore[assignment]
    return due


ComposeTerm = Callable[[Member, list[TermReminder]], OutgoingMessage]


async def send_reminders(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, compose: ComposeTerm
) -> int:
    """6, 3 and 1 months before the term ends, monthly once overdue, and a prompt when no
    term is recorded: to the secretaries and (except the prompt) the admins, each once.

    A claim's subject holds the term's end, so recording a new term closes the reminders.
    """
    today = local_today(now, tz)
    terms = await current_terms(session)
    names = {b.id: b.name for b in await session.exec(select(Branch)) if b.id is not None}
    secretaries = await org.secretaries_by_branch(session)
    admins = await org.active_members(session, roles=(Role.admin,))
    items: PerPerson[TermReminder] = PerPerson()
    for branch_id, name in names.items():
        term = terms.get(branch_id)
        due = slot_for(term.ends_on if term else None, today)
        if due is None:
            continue
        slot, claim_slot = due
        people = list(secretaries.get(branch_id, []))
        if slot != "unknown":
            people += admins
        subject = f"{branch_id}:{term.ends_on.isoformat() if term else '-'}"
        for m in await once.claim_members(
            session, people, kind="oversight.term", subject=subject, slot=claim_slot, now=now
        ):
            items.add(m, TermReminder(branch_id, name, slot, term.ends_on if term else None, today))
    return await items.send(session, kind="oversight.term", compose=compose, now=now)
