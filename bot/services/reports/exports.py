"""Every export is audit-logged: who, which scope and period, when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member
from bot.services import audit
from bot.services.periods import Period
from bot.services.reports.scope import Scope

ACTION = "report.exported"


async def log_export(
    session: AsyncSession, *, actor: Member, scope: Scope, period: Period, now: datetime
) -> None:
    """Record the export in the caller's transaction (the caller commits)."""
    await audit.record(
        session,
        actor_id=actor.id,
        action=ACTION,
        now=now,
        subject=f"branch:{scope.branch_id}" if scope.branch_id else "committee",
        details={"period": period.label, "branch_id": scope.branch_id},
    )
