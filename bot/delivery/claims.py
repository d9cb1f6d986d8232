"""The worker's side of the outbox in the database: claim due rows, record outcomes,
take back rows whose sender died. No telegram import: `bot.delivery.worker` sends."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, true, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.clock import Clock
from bot.db import Sessions
from bot.delivery.liveness import Liveness, default_name
from bot.delivery.outbox import DeliveryHooks, Outcome, StatusCount, backoff
from bot.models import (
    BatchState,
    Delivery,
    DeliveryBatch,
    DeliveryStatus,
    Member,
    MemberStatus,
)

log = logging.getLogger(__name__)

RECORD_TRIES = 3


@dataclass(slots=True)
class WorkerStats:
    """Counters since the worker started (logs, benchmarks, live progress); the outcomes
    recorded by status (`sent`, …; a `pending` outcome is a retry)."""

    claimed: int = 0
    recovered: int = 0
    in_flight: int = 0
    by_status: Counter[DeliveryStatus] = field(default_factory=Counter)

    sent = StatusCount(DeliveryStatus.sent)
    failed = StatusCount(DeliveryStatus.failed)
    blocked = StatusCount(DeliveryStatus.blocked)
    retried = StatusCount(DeliveryStatus.pending)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class OutboxStore:
    """Claims, outcomes and recovery of Delivery rows for one worker (`worker_id`)."""

    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        *,
        max_attempts: int = 5,
        lease: timedelta = timedelta(minutes=2),
        hooks: DeliveryHooks | None = None,
        worker_id: str | None = None,
        liveness_every: float = 1.0,
    ) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        self.serial_db = bind is None or bind.dialect.name == "sqlite"
        self.clock = clock
        self.max_attempts = max_attempts
        self.lease = lease
        self.hooks = hooks or DeliveryHooks()
        # Random, not id(self): a container restarts with the same host name and pid, and
        # the new process must not mistake the dead one's claims for its own.
        self.worker_id = worker_id or f"{default_name()}:{secrets.token_hex(6)}"
        self.stats = WorkerStats()
        self.liveness_every = liveness_every
        self.liveness: Liveness | None = None
        # By the worker's clock, so that tests that move the clock see leases renewed.
        self._leases_renewed = clock.now()
        # The rows this process really holds: read back after a claim, until recorded.
        # Only these get their lease renewed; a row whose claim committed but was never
        # read back (the database went away in between) must not be kept alive forever.
        self.holding: set[int] = set()

    async def register(self) -> None:
        """Tell other workers we are alive (before the first claim); see liveness.py."""
        self.liveness = Liveness(self.sessions, self.clock, self.worker_id)
        await self.liveness.start()

    async def take_over(self) -> int:
        """Put back the rows of workers that died mid-send (no waiting for their leases)."""
        if self.liveness is None:
            return 0
        dead = await self.liveness.dead_owners()
        if not dead:
            return 0
        count = await self._update_sending(
            col(Delivery.claimed_by).in_(dead), **self._put_back(self.clock.now())
        )
        return self._recovered(count, f"taken over from {', '.join(sorted(dead))}")

    async def release(self) -> int:
        """A clean stop: rows still ours go back at once, and we say we are gone.

        Only sends that a shutdown deadline cut short are left; they may have reached
        the person, so they come back ambiguous.
        """
        now = self.clock.now()
        count = await self._update_sending(self._ours(), **self._put_back(now))
        if count:
            log.warning("outbox: %d sends cut short by the shutdown released", count)
        if self.liveness is not None:
            await self.liveness.stop(now)
        return count

    def upkeep_interval(self) -> float:
        lease = max(self.lease.total_seconds() / 4, 1.0)
        return min(self.liveness_every, lease) if self.liveness is not None else lease

    async def upkeep(self) -> None:
        """Heartbeat and take over dead workers' rows; renew leases every lease/4."""
        try:
            if self.liveness is not None:
                await self.liveness.beat()
                await self.take_over()
            now = self.clock.now()
            if now - self._leases_renewed >= self.lease / 4:
                await self.renew_leases()
                await self.recover()
                self._leases_renewed = now
        except Exception:
            log.exception("outbox: upkeep failed")

    def _put_back(self, now: datetime) -> dict[str, Any]:
        return {
            "status": DeliveryStatus.pending,
            "ambiguous": True,
            "claimed_by": None,
            "lease_until": None,
            "next_attempt_at": now,
            "updated_at": now,
        }

    async def recover(self, *, all_sending: bool = False) -> int:
        """Put back rows whose sender died mid-send; they are marked ambiguous.

        `all_sending` is for a single process at start-up (SQLite): nobody else can own them.
        Otherwise only rows whose lease ran out come back (run() renews its own leases).
        """
        now = self.clock.now()
        cond = true() if all_sending else col(Delivery.lease_until) < now
        count = await self._update_sending(cond, **self._put_back(now))
        return self._recovered(count, "lease ran out")

    def _recovered(self, count: int, why: str) -> int:
        if count:
            self.stats.recovered += count
            log.warning("outbox: %d in-flight sends recovered as ambiguous (%s)", count, why)
        return count

    async def renew_leases(self) -> int:
        """Extend the lease of every row this worker is sending (a long 429 pause)."""
        if not self.holding:
            return 0
        held = col(Delivery.id).in_(sorted(self.holding))
        return await self._update_sending(
            and_(self._ours(), held), lease_until=self.clock.now() + self.lease
        )

    def _ours(self) -> ColumnElement[bool]:
        return col(Delivery.claimed_by) == self.worker_id

    async def _update_sending(self, cond: ColumnElement[bool], **values: Any) -> int:
        """Set `values` on the rows in `sending` that match `cond`; how many there were."""
        async with self.sessions() as s:
            res = await s.execute(
                update(Delivery)
                .where(col(Delivery.status) == DeliveryStatus.sending, cond)
                .values(**values)
            )
            await s.commit()
        return _rowcount(res)

    async def claim(self, limit: int) -> list[Delivery]:
        """Mark up to `limit` due rows as ours (status sending, with a lease) and commit.

        One statement, WITH due AS (…) UPDATE … RETURNING the rows: it re-checks
        `pending` and returns only the rows it changed, so two claims racing on SQLite (no
        row locks) cannot both take a row; PostgreSQL additionally skips rows another
        worker has locked instead of waiting for them. (Select, update, commit and read
        back were four round trips, a quarter of the worker's time at 1,000/s.)
        """
        now = self.clock.now()
        async with self.sessions() as s:
            # A CTE: PostgreSQL runs it once (FOR UPDATE keeps it from being inlined); as a
            # plain IN (subquery) the planner re-ran it and claimed past its LIMIT.
            due = self._due_ids(s, now, limit).cte("due")
            claimed = await s.execute(
                update(Delivery)
                .where(
                    col(Delivery.id).in_(select(due.c.id)),
                    col(Delivery.status) == DeliveryStatus.pending,
                )
                .values(
                    status=DeliveryStatus.sending,
                    claimed_by=self.worker_id,
                    lease_until=now + self.lease,
                    attempts=col(Delivery.attempts) + 1,
                    updated_at=now,
                )
                .returning(Delivery)
                .execution_options(synchronize_session=False)
            )
            result = sorted(claimed.scalars(), key=lambda d: d.id or 0)
            await s.commit()
        self.holding.update(d.id for d in result if d.id is not None)
        self.stats.claimed += len(result)
        return result

    def _due_ids(self, s: AsyncSession, now: datetime, limit: int) -> SelectOfScalar[Any]:
        query = (
            select(Delivery.id)
            .join(DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id))
            .where(
                col(Delivery.status) == DeliveryStatus.pending,
                col(Delivery.next_attempt_at) <= now,
                col(DeliveryBatch.state) == BatchState.active,
            )
            .order_by(col(Delivery.id))
            .limit(limit)
        )
        if s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        return query

    def _retry(self, row: Delivery, error: str, *, ambiguous: bool = False) -> Outcome:
        assert row.id is not None
        if row.attempts >= self.max_attempts:
            return Outcome(row.id, DeliveryStatus.failed, error=error[:500], ambiguous=ambiguous)
        return Outcome(
            row.id,
            DeliveryStatus.pending,
            error=error[:500],
            retry_in=backoff(row.attempts),
            ambiguous=ambiguous,
        )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write the outcomes of a group of sends in one transaction and fire hooks.

        Retried a few times: a send that happened but was never recorded would come back
        as ambiguous and reach the person twice.
        """
        if not outcomes:
            return
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                await self._record(outcomes)
                self.holding.difference_update(o.delivery_id for o in outcomes)
                return
            except Exception:
                if attempt == RECORD_TRIES:
                    raise
                log.warning("outbox: recording outcomes failed (try %d); retrying", attempt)
                await asyncio.sleep(0.1 * attempt)

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        now = self.clock.now()
        async with self.sessions() as s:
            plain, full = await self._sort_outcomes(s, outcomes)
            if plain:
                await s.execute(_MARK_SENT, [_sent_values(o, now) for o in plain])
            if full:
                await self._record_full(s, full, now)
            await s.commit()
        self.stats.by_status[DeliveryStatus.sent] += len(plain)

    async def _sort_outcomes(
        self, s: AsyncSession, outcomes: Sequence[Outcome]
    ) -> tuple[list[Outcome], list[Outcome]]:
        """Sends with nothing more to do than be marked sent, and the rest (hooks, retries,
        failures), leaving out rows already final (recorded by whoever re-claimed them).

        The first are written with one executemany UPDATE by primary key: loading each row
        as an object and flushing it took ~40% of the worker's database time at 1,000/s.
        """
        found = await s.execute(
            select(Delivery.id, Delivery.status, DeliveryBatch.kind)
            .join(DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id))
            .where(col(Delivery.id).in_([o.delivery_id for o in outcomes]))
        )
        final = (DeliveryStatus.sent, DeliveryStatus.blocked)
        open_rows = {i: kind for i, status, kind in found if status not in final}
        plain: list[Outcome] = []
        full: list[Outcome] = []
        for o in outcomes:
            kind = open_rows.get(o.delivery_id)
            if kind is None:
                continue
            quiet = o.status == DeliveryStatus.sent and not self.hooks.has(kind, "sent")
            (plain if quiet else full).append(o)
        return plain, full

    async def _record_full(self, s: AsyncSession, outcomes: list[Outcome], now: datetime) -> None:
        """Outcomes that fire hooks or change more than the status, through the ORM."""
        found = await s.execute(
            select(Delivery).where(col(Delivery.id).in_([o.delivery_id for o in outcomes]))
        )
        rows = {d.id: d for d in found.scalars()}
        batch_ids = {d.batch_id for d in rows.values()}
        found_batches = await s.execute(
            select(DeliveryBatch).where(col(DeliveryBatch.id).in_(batch_ids))
        )
        batches = {b.id: b for b in found_batches.scalars()}
        fired: list[tuple[Outcome, Delivery]] = []
        counts: Counter[DeliveryStatus] = Counter()
        for o in outcomes:
            d = rows.get(o.delivery_id)
            if d is None or d.status in (DeliveryStatus.sent, DeliveryStatus.blocked):
                continue  # already final (recorded by whoever re-claimed it)
            _apply(d, o, now)
            counts[o.status] += 1
            if o.status != DeliveryStatus.pending:
                fired.append((o, d))
        blocked = [d.chat_id for o, d in fired if o.status == DeliveryStatus.blocked]
        if blocked:
            await s.execute(
                update(Member)
                .where(
                    col(Member.telegram_user_id).in_(blocked),
                    col(Member.status) == MemberStatus.active,
                )
                .values(status=MemberStatus.blocked, status_changed_at=now)
            )
        for o, d in fired:
            await self.hooks.fire(s, o.status.value, d, batches[d.batch_id])
        self.stats.by_status.update(counts)


_TABLE = Delivery.__table__  # type: ignore[attr-defined]
# A plain send's outcome, as _apply writes it; executed once with every row's values.
_MARK_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("d_id"),
        # Not NOT IN (…): its expanding parameter cannot be used with executemany.
        _TABLE.c.status != DeliveryStatus.sent,
        _TABLE.c.status != DeliveryStatus.blocked,
    )
    .values(
        status=DeliveryStatus.sent,
        last_error=None,
        updated_at=bindparam("d_now"),
        claimed_by=None,
        lease_until=None,
        message_id=bindparam("d_message_id"),
        sent_at=bindparam("d_now"),
    )
)


def _sent_values(o: Outcome, now: datetime) -> dict[str, Any]:
    return {"d_id": o.delivery_id, "d_message_id": o.message_id, "d_now": now}


def _apply(d: Delivery, o: Outcome, now: datetime) -> None:
    """Write one outcome onto its row (the caller's transaction commits it)."""
    d.status = o.status
    d.last_error = o.error
    d.updated_at = now
    d.claimed_by = None
    d.lease_until = None
    d.ambiguous = d.ambiguous or o.ambiguous
    if o.status == DeliveryStatus.sent:
        d.message_id = o.message_id
        d.sent_at = now
    elif o.status == DeliveryStatus.pending:
        d.next_attempt_at = now + timedelta(seconds=o.retry_in or 1.0)
