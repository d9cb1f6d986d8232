"""豁免: a branch excused from a rule for one of the rule's periods, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Exemption, MeetingKind, Member, Role
from bot.services import access, audit
from bot.services.errors import Refused, clean_text
from bot.services.meetings.drafts import parse_kind
from bot.services.oversight.calendar import branch_named, rules
from bot.services.periods import local_today, parse_period

REASON_MAX = 300


@dataclass(frozen=True, slots=True)
class ExemptionRow:
    id: int
    branch: str
    kind: MeetingKind
    period_label: str
    reason: str
    created_at: datetime


async def exempt(
    session: AsyncSession,
    *,
    actor: Member | None,
    branch_name: str,
    kind_text: str,
    period_text: str,
    reason: str,
    now: datetime,
    tz: ZoneInfo,
) -> ExemptionRow:
    """豁免: excuse a branch from a rule for one of the rule's periods (admins). Audited."""
    admin = access.require(actor, Role.admin)
    branch = await branch_named(session, branch_name)
    kind = parse_kind(kind_text)
    rule = next((r for r in await rules(session, now=now) if r.kind == kind), None)
    if rule is None or rule.min_count == 0:
        raise Refused("no_rule", kind=kind.value)
    period = parse_period(period_text, local_today(now, tz))
    if period.kind != rule.period.value:
        raise Refused(f"period_kind_{rule.period.value}", text=period_text[:20])
    reason = clean_text(reason, REASON_MAX, "reason_too_long", empty="reason_empty")
    assert branch.id is not None
    found = (
        await session.exec(
            select(Exemption).where(
                Exemption.branch_id == branch.id,
                Exemption.kind == kind.value,
                Exemption.period_label == period.label,
            )
        )
    ).first()
    if found is not None:
        raise Refused("already_exempt", branch=branch.name, period=period.label)
    row = Exemption(
        branch_id=branch.id,
        kind=kind.value,
        period_label=period.label,
        reason=reason,
        created_by=admin.id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    details = {"kind": kind.value, "period": period.label, "reason": reason}
    await audit.entry(
        session, by=admin, action="oversight.exempt", about=branch, now=now, details=details
    )
    assert row.id is not None
    return ExemptionRow(row.id, branch.name, kind, period.label, reason, now)


async def exemptions(
    session: AsyncSession, *, actor: Member | None, year: int | None = None
) -> list[ExemptionRow]:
    """Every exemption (admins), newest period first."""
    access.require(actor, Role.admin)
    query = select(Exemption, Branch.name).join(Branch, col(Branch.id) == Exemption.branch_id)
    if year is not None:
        query = query.where(col(Exemption.period_label).startswith(f"{year:04d}"))
    rows = (await session.execute(query.order_by(col(Exemption.period_label).desc()))).all()
    return [
        ExemptionRow(e.id, name, MeetingKind(e.kind), e.period_label, e.reason, e.created_at)
        for e, name in rows
    ]
