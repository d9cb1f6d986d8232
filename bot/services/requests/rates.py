"""响应率 / 解决率 / 满意率 per branch: what /asks stats shows and branch health reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Request, RequestRating

SATISFIED = (RequestRating.satisfied, RequestRating.fair)
DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class RequestRates:
    """Counts over the requests received in a period (and the rates they give).

    `response_due`: received requests whose 受理 limit has passed, or that were answered
    (受理 or 转交党委) already — a request still within its limit counts for nobody.
    `accepted_in_time`: of those, answered by the limit. `satisfied`: 满意 or 基本满意.
    """

    received: int = 0
    response_due: int = 0
    accepted_in_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    resolve_days_total: float = 0.0

    @property
    def response_rate(self) -> float | None:
        """响应率."""
        return self.accepted_in_time / self.response_due if self.response_due else None

    @property
    def resolution_rate(self) -> float | None:
        """解决率."""
        return self.resolved / self.received if self.received else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率."""
        return self.satisfied / self.rated if self.rated else None

    @property
    def average_days_to_resolve(self) -> float | None:
        return self.resolve_days_total / self.resolved if self.resolved else None

    def __add__(self, other: RequestRates) -> RequestRates:
        return RequestRates(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def total(rates: Iterable[RequestRates]) -> RequestRates:
    """All branches together."""
    result = RequestRates()
    for r in rates:
        result = result + r
    return result


def rates_of(request: Request, now: datetime) -> RequestRates:
    """One request's share of the counts."""
    answered = request.responded_at
    due = answered is not None or request.accept_due_at <= now
    resolved = request.resolved_at is not None
    days = (
        (request.resolved_at - request.created_at).total_seconds() / DAY_SECONDS
        if (request.resolved_at is not None)
        else 0.0
    )
    return RequestRates(
        received=1,
        response_due=int(due),
        accepted_in_time=int(answered is not None and answered <= request.accept_due_at),
        resolved=int(resolved),
        rated=int(request.rating is not None),
        satisfied=int(request.rating in SATISFIED),
        resolve_days_total=days,
    )


async def rates_by_branch(
    session: AsyncSession,
    *,
    branch_ids: Sequence[int],
    since: datetime,
    until: datetime,
    now: datetime,
) -> dict[int, RequestRates]:
    """The counts of requests received in [since, until), for every branch asked about."""
    result = {b: RequestRates() for b in branch_ids}
    if not branch_ids:
        return result
    rows = await session.exec(
        select(Request).where(
            col(Request.branch_id).in_(list(branch_ids)),
            col(Request.created_at) >= since,
            col(Request.created_at) < until,
        )
    )
    for request in rows:
        result[request.branch_id] = result[request.branch_id] + rates_of(request, now)
    return result
