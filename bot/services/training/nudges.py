"""Reminders: members behind their target from 1 October, and the new-secretary rule.

Each reminder is claimed once in the database (bot/services/once.py) in the same
transaction as its outbox rows, so a restart or a second process never sends it twice;
nothing goes out in quiet hours (the study capability's, 22:00–08:00 by default): the
job simply tries again at its next tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import Branch, Member, Role
from bot.services import once, org
from bot.services.training import targets as targets_svc
from bot.services.training.arithmetic import below_share
from bot.services.training.hours import Tally, tallies, year_of
from bot.services.training.secretaries import SecretaryStatus, overdue

REMIND_FROM_MONTH = 10  # 1 October: the last quarter to catch up


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local minutes of the day when nobody is written to (start may be after end)."""

    start: int = 22 * 60
    end: int = 8 * 60

    def is_quiet(self, when: datetime, tz: ZoneInfo) -> bool:
        local = when.astimezone(tz)
        m = local.hour * 60 + local.minute
        if self.start == self.end:
            return False
        if self.start > self.end:
            return m >= self.start or m < self.end
        return self.start <= m < self.end


@dataclass(frozen=True, slots=True)
class Behind:
    """A member's reminder: their tally this year."""

    year: int
    tally: Tally


@dataclass(frozen=True, slots=True)
class RuleWarning:
    """The 6-month rule broken: which secretary, of which branch."""

    status: SecretaryStatus
    branch_name: str


ComposeBehind = Callable[[Member, Behind], OutgoingMessage]
ComposeWarning = Callable[[Member, RuleWarning], OutgoingMessage]


async def remind_behind(
    session: AsyncSession,
    *,
    compose: ComposeBehind,
    quiet: QuietHours,
    tz: ZoneInfo,
    now: datetime,
) -> int:
    """Once a month from October: members below 75 % of their target; how many told."""
    year = year_of(now, tz)
    if year.today.month < REMIND_FROM_MONTH or quiet.is_quiet(now, tz):
        return 0
    people = await org.active_members(session, None, reachable=True)
    targets = await targets_svc.current(session)
    rows = await tallies(session, people=people, scope=None, year=year, targets=targets)
    behind = {r.member_id: r for r in rows if below_share(r.total, r.target)}
    claimed = await once.claim_many(
        session,
        kind="training.behind",
        subject=f"year:{year.year}",
        slot=f"{year.year}-{year.today.month:02d}",
        member_ids=behind,
        now=now,
    )
    told = [m for m in people if m.id in claimed]
    if told:
        await outbox.enqueue(
            session,
            kind="training.behind",
            recipients=[
                Recipient(
                    m.telegram_user_id, compose(m, Behind(year.year, behind[m.id or 0])), m.id
                )
                for m in told
            ],
            now=now,
        )
    return len(told)


async def warn_secretary_rule(
    session: AsyncSession,
    *,
    compose: ComposeWarning,
    quiet: QuietHours,
    tz: ZoneInfo,
    now: datetime,
) -> int:
    """Each secretary past the 6-month rule: them and the admins, once per appointment."""
    if quiet.is_quiet(now, tz):
        return 0
    late = await overdue(session, branch_ids=None, now=now, tz=tz)
    if not late:
        return 0
    admins = await org.active_members(session, None, roles=(Role.admin,), reachable=True)
    warned = 0
    for status in late:
        if not await once.claim(
            session,
            kind="training.secretary_rule",
            subject=f"member:{status.member_id}",
            slot=status.appointed_on.isoformat(),
            member_id=status.member_id,
            now=now,
        ):
            continue
        secretary = await session.get(Member, status.member_id)
        branch = await session.get(Branch, status.branch_id) if status.branch_id else None
        warning = RuleWarning(status, branch.name if branch else "")
        people = [p for p in [secretary, *admins] if p is not None]
        await outbox.enqueue(
            session,
            kind="training.secretary_rule",
            recipients=[Recipient(p.telegram_user_id, compose(p, warning), p.id) for p in people],
            now=now,
            subject_id=status.member_id,
        )
        warned += 1
    return warned
