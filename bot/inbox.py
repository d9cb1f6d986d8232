"""The update inbox: an update Telegram delivered is committed before Telegram is told so.

python-telegram-bot answers a webhook POST with 200 as soon as the update is on
`application.update_queue`, and in polling mode confirms it (the next getUpdates offset)
right after queueing it, before any handler ran. A process killed in between lost the
update: Telegram re-sends only what was not answered with 2xx or not confirmed. So the
Updater is given an `InboxQueue`: the update's JSON is committed to `update_inbox`
(received_by = this worker) and only then is the update queued — the webhook's 200 waits
for that commit, and in polling mode the next getUpdates (which confirms the batch) waits
for the batch's commit (InboxPollRequest). A write is given up after INBOX_WRITE_SECONDS:
while the database is away one can hang far longer. An update the inbox could not store
is handled at once all the same, so that a press is answered (with the database-away
apology) instead of spinning; a webhook then answers 500, so Telegram delivers the update
again and the redelivery guard drops that copy if the first handling did get through.
Polling does not refuse it (see InboxQueue): there it is handled as it was before the
inbox, without the inbox's crash safety while the database is away.

Once the update has been handled (its handlers returned, or raised and were reported),
its row is deleted. Rows whose receiver died are taken over by a live worker and replayed
on its own queue: at start-up (a restarted single process takes back everything on
SQLite) and, on PostgreSQL, once a second (the receiver holds no liveness lock,
bot/delivery/liveness.py).

Replay and the redelivery guard (handlers/guard.py): the dead worker may have claimed
the update id before its handler got to commit, so a replayed update passes the guard
even when its id is claimed. The choice is to replay rather than lose: an update whose
handler had committed but whose row was not yet deleted (the few milliseconds of the
delete) is handled twice.

Both writes are group commits: updates arriving while a write is in flight go together
in the next one statement (webhook requests come concurrently; handled updates finish
concurrently).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from telegram.error import NetworkError
from telegram.ext import Updater
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.db import Sessions
from bot.delivery.liveness import LOCK_SPACE
from bot.models import InboxUpdate

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Rows of receivers that hold no liveness lock (on PostgreSQL), taken with SKIP LOCKED so
# that two survivors taking over at once do not both replay a row.
_TAKE_OVER_POSTGRESQL = text(
    """
    WITH taken AS (
        SELECT i.update_id FROM update_inbox i
        WHERE i.received_by <> :me AND NOT EXISTS (
            SELECT 1 FROM worker_process w JOIN pg_locks l
              ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid = CAST(:space AS oid) AND l.objid = CAST(w.id AS oid)
            WHERE w.name = i.received_by)
        FOR UPDATE OF i SKIP LOCKED)
    UPDATE update_inbox u SET received_by = :me FROM taken
    WHERE u.update_id = taken.update_id
    RETURNING u.update_id, u.body
    """
)
_TAKE_OVER_SQLITE = text(
    "UPDATE update_inbox SET received_by = :me WHERE received_by <> :me RETURNING update_id, body"
)


class GroupWrite(Generic[T, R]):
    """Items submitted while a write is in flight go together in the next write.

    Written here because it is ten lines: a queue-and-timer batcher would add latency to
    every update, this one adds none when the writes keep up.
    """

    def __init__(self, write: Callable[[list[T]], Awaitable[R]], timeout: float) -> None:
        self.write = write
        # A write that hangs (a connection to a database that went away without a word, a
        # pool with no connection to give) would hold every later one: it is given up.
        self.timeout = timeout
        self.pending: list[tuple[T, asyncio.Future[R]]] = []
        self.task: asyncio.Task[None] | None = None

    def submit(self, item: T) -> asyncio.Future[R]:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="inbox.write")
        return future

    async def _run(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                result = await asyncio.wait_for(
                    self.write([item for item, _ in batch]), self.timeout
                )
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(result)

    async def idle(self) -> None:
        """Wait for the writes submitted so far."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)


class UpdateInbox:
    """The `update_inbox` rows of one worker (`worker`, its worker_process name)."""

    def __init__(self, sessions: Sessions, clock: Clock, worker: str, timeout: float = 2.0) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker = worker
        bind = sessions.kw.get("bind")
        self.postgresql = bind is not None and bind.dialect.name == "postgresql"
        self._received: GroupWrite[tuple[int, str], set[int]] = GroupWrite(self._insert, timeout)
        self._handled: GroupWrite[int, None] = GroupWrite(self._delete, timeout)
        # Taken over from a dead worker and not yet handled: the guard lets these through.
        self.replaying: set[int] = set()
        # Inserts not answered yet: an update handled meanwhile (its write was given up)
        # has its row deleted only after the insert ended, or a late commit would leave a
        # row that a restart replays.
        self._storing: dict[int, asyncio.Future[set[int]]] = {}

    def store(self, update_id: int, body: str) -> asyncio.Future[set[int]]:
        """Start committing the update's row: the ids inserted by its write (not it when
        it was in the inbox already: redelivered)."""
        future = self._received.submit((update_id, body))
        self._storing[update_id] = future
        future.add_done_callback(lambda _: self._stored(update_id, future))
        return future

    def _stored(self, update_id: int, future: asyncio.Future[set[int]]) -> None:
        if self._storing.get(update_id) is future:
            del self._storing[update_id]

    async def receive(self, update_id: int, body: str) -> bool:
        """Commit the update's row; False when it was in the inbox already (redelivered)."""
        return update_id in await self.store(update_id, body)

    def handled(self, update_id: int) -> None:
        """The update is through: delete its row (soon, with others finishing meanwhile)."""
        self.replaying.discard(update_id)
        storing = self._storing.get(update_id)
        if storing is not None and not storing.done():
            storing.add_done_callback(lambda _: self.handled(update_id))
            return
        future = self._handled.submit(update_id)
        future.add_done_callback(self._log_failed_delete)

    @staticmethod
    def _log_failed_delete(future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            # The row stays ours while we live; after a restart it is replayed and the
            # guard's claim does not stop a replay: handled twice, never lost.
            log.error("inbox: could not delete handled updates", exc_info=future.exception())

    async def flush(self) -> None:
        """Wait for the pending deletes (before this worker says it is gone)."""
        await self._handled.idle()

    async def _insert(self, rows: list[tuple[int, str]]) -> set[int]:
        now = self.clock.now()
        table = InboxUpdate.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if self.postgresql else sqlite.insert
        values = [
            {"update_id": u, "body": b, "received_by": self.worker, "received_at": now}
            for u, b in rows
        ]
        stmt = (
            insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(table.c.update_id)
        )
        async with self.sessions() as s:
            inserted = {int(u) for u in (await s.execute(stmt)).scalars()}
            await s.commit()
        return inserted

    async def _delete(self, ids: list[int]) -> None:
        async with self.sessions() as s:
            await s.execute(delete(InboxUpdate).where(col(InboxUpdate.update_id).in_(ids)))
            await s.commit()

    async def take_over(self) -> list[tuple[int, str]]:
        """Make the rows of dead receivers ours; their (update_id, body), oldest first.

        On SQLite there is one process: at its start every row not its own is a dead
        one's. On PostgreSQL a receiver is dead when it holds no liveness lock.
        """
        stmt = _TAKE_OVER_POSTGRESQL if self.postgresql else _TAKE_OVER_SQLITE
        async with self.sessions() as s:
            result: Any = await s.execute(stmt, {"me": self.worker, "space": LOCK_SPACE})
            rows = sorted((int(u), str(b)) for u, b in result.all())
            await s.commit()
        self.replaying.update(u for u, _ in rows)
        if rows:
            log.warning("inbox: %d updates a dead worker had received are handled here", len(rows))
        return rows


class InboxQueue:
    """What the Updater puts received updates on: the inbox (committed), then `queue`.

    python-telegram-bot's webhook handler and polling loop only call `put`.

    Webhook: each request waits for its update's commit (they come concurrently, so the
    commits are grouped). An update the inbox could not store in time is handled at once
    and refused (500), so Telegram sends it again.

    Polling: python-telegram-bot puts a batch one update after the other and confirms it
    with its next getUpdates. Waiting for each commit in turn made the poll loop as slow
    as one round trip per update: with the database just back and 300 people pressing,
    presses waited in Telegram until people's tries ran out (bench.chaos outage: 175 of
    600 presses lost, 641 never answered). So `put` only starts the commit, and
    `confirm` — called by the getUpdates request (InboxPollRequest) before it goes out —
    waits for the batch's commits (one statement) and queues it. Polling must not refuse
    either: python-telegram-bot's poll loop would stop at the first such update of every
    batch and back off up to 30 s. An update the inbox could not store in time is handled
    at once there, as before the inbox: the person gets the database-away apology and
    presses again, without the inbox's crash safety for that update.
    """

    def __init__(self, queue: asyncio.Queue[object], timeout: float = 2.0) -> None:
        self.queue = queue
        self.timeout = timeout  # how long a commit is waited for before it is given up
        self.polling = False  # set by InboxUpdater.start_polling
        self.inbox: UpdateInbox | None = None  # set once the database is there (post_init)
        self.unstored: set[int] = set()  # webhook: queued once without the inbox
        self.polled: list[tuple[object, int, asyncio.Future[set[int]]]] = []

    async def put(self, update: object) -> None:
        inbox = self.inbox
        update_id = getattr(update, "update_id", None)
        if inbox is None or not isinstance(update_id, int):
            await self.queue.put(update)
            return
        to_json = getattr(update, "to_json")  # noqa: B009 - a telegram.Update
        stored = inbox.store(update_id, to_json())
        if self.polling:
            self.polled.append((update, update_id, stored))
            return
        await asyncio.wait([stored], timeout=self.timeout)
        fresh = self._fresh(update_id, stored)
        if fresh is None:
            if update_id not in self.unstored:
                # Handled now all the same, once: the person gets the handlers' answer
                # (the database-away apology, or the real one if only this write failed);
                # the redelivery guard skips the copy Telegram sends again if it went through.
                if len(self.unstored) > 10_000:
                    self.unstored.clear()
                self.unstored.add(update_id)
                await self.queue.put(update)
            # A NetworkError: the webhook answers 500 (any other exception would end
            # python-telegram-bot's loops).
            raise NetworkError(f"the update inbox could not store update {update_id}")
        self.unstored.discard(update_id)
        if fresh:
            await self.queue.put(update)

    async def confirm(self) -> None:
        """Polling, before getUpdates confirms the batch: its commits, then its queueing."""
        polled, self.polled = self.polled, []
        if not polled:
            return
        await asyncio.wait([stored for _, _, stored in polled], timeout=self.timeout)
        for update, update_id, stored in polled:
            if self._fresh(update_id, stored) is not False:  # stored, or handled at once
                await self.queue.put(update)

    def _fresh(self, update_id: int, stored: asyncio.Future[set[int]]) -> bool | None:
        """True: committed now; False: in the inbox already; None: not stored in time."""
        if stored.done() and stored.exception() is None:
            if update_id in stored.result():
                return True
            log.info("update %s is in the inbox already: not queued again", update_id)
            return False
        if stored.done():
            problem: object = stored.exception()
        else:
            problem = f"no answer within {self.timeout:g} s"
            # Still running: its outcome is the inbox's business (UpdateInbox.handled).
            stored.add_done_callback(lambda f: f.cancelled() or f.exception())
        log.warning("inbox: could not store update %s, handled at once: %s", update_id, problem)
        return None


class InboxPollRequest(HTTPXRequest):
    """The getUpdates request: before a getUpdates confirms the batch before it, that
    batch is committed to the inbox and queued (InboxQueue.confirm)."""

    __slots__ = ("inbox_queue",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inbox_queue: InboxQueue | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self.inbox_queue is not None:
            await self.inbox_queue.confirm()
        return await super().do_request(*args, **kwargs)


class InboxUpdater(Updater):
    """An Updater that tells its InboxQueue, when polling starts, that it polls."""

    __slots__ = ()

    async def start_polling(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:
        if isinstance(self.update_queue, InboxQueue):
            self.update_queue.polling = True
        return await super().start_polling(*args, **kwargs)


async def replay(
    inbox: UpdateInbox, queue: asyncio.Queue[object], decode: Callable[[dict[str, Any]], object]
) -> int:
    """Take over dead receivers' rows and put their updates on `queue`; how many."""
    rows: Sequence[tuple[int, str]] = await inbox.take_over()
    for update_id, body in rows:
        try:
            update = decode(json.loads(body))
        except Exception:
            log.exception("inbox: update %s could not be read back; dropped", update_id)
            inbox.handled(update_id)
            continue
        await queue.put(update)
    return len(rows)


async def keep_taking_over(
    inbox: UpdateInbox,
    queue: asyncio.Queue[object],
    decode: Callable[[dict[str, Any]], object],
    stop: asyncio.Event,
    every: float,
) -> None:
    """On PostgreSQL, every `every` seconds: replay what dead workers had received."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            await replay(inbox, queue, decode)
        except Exception:
            log.exception("inbox: taking over dead workers' updates failed")
