"""The outbox worker: claims due Delivery rows and sends them through the bulk lane.

Only the application (bot.app) and tools import this module; services write rows with
`bot.delivery.outbox` and never see telegram.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.db import Sessions
from bot.delivery.claims import RECORD_TRIES, OutboxStore, WorkerStats
from bot.delivery.limiter import Lane, maybe_delivered
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import DeliveryHooks, Outcome, backoff
from bot.delivery.pump import Pump
from bot.delivery.sender import TelegramBot, send, send_bulk
from bot.models import Delivery, DeliveryStatus, MediaFile

__all__ = ["RECORD_TRIES", "OutboxWorker", "Outcome", "WorkerStats", "backoff"]

log = logging.getLogger(__name__)


class OutboxWorker(OutboxStore):
    """Claims due rows and sends them through the bulk lane."""

    def __init__(
        self,
        bot: TelegramBot,
        sessions: Sessions,
        clock: Clock,
        *,
        concurrency: int = 64,
        max_attempts: int = 5,
        lease: timedelta = timedelta(minutes=2),
        hooks: DeliveryHooks | None = None,
        worker_id: str | None = None,
        paid_broadcast: bool = False,
        liveness_every: float = 1.0,
    ) -> None:
        super().__init__(
            sessions,
            clock,
            max_attempts=max_attempts,
            lease=lease,
            hooks=hooks,
            worker_id=worker_id,
            liveness_every=liveness_every,
        )
        self.bot = bot
        self.concurrency = concurrency
        self.paid_broadcast = paid_broadcast
        self._wake = asyncio.Event()
        self._file_ids: dict[int, str] = {}  # media id -> Telegram's file_id once uploaded
        self._uploads: dict[int, asyncio.Lock] = {}

    @property
    def sent_count(self) -> int:
        return self.stats.sent

    def wake(self) -> None:
        """Start sending now rather than at the next poll (call after committing rows)."""
        self._wake.set()

    async def _send_one(self, row: Delivery) -> Outcome:
        assert row.id is not None
        self.stats.in_flight += 1
        try:
            return await self._attempt(row)
        finally:
            self.stats.in_flight -= 1

    async def _attempt(self, row: Delivery) -> Outcome:
        assert row.id is not None
        msg = OutgoingMessage.from_json(row.payload)
        paid = self.paid_broadcast
        try:
            if msg.media_id is None:
                message_id = await send_bulk(self.bot, row.chat_id, msg, paid_broadcast=paid)
            else:
                sent = await self._send_with_media(row.chat_id, msg, msg.media_id)
                message_id = sent.message_id
            return Outcome(row.id, DeliveryStatus.sent, message_id=message_id)
        except Forbidden as exc:
            return Outcome(row.id, DeliveryStatus.blocked, error=exc.message[:500])
        except BadRequest as exc:
            # "chat not found", bad markup …: sending it again would fail the same way.
            return Outcome(row.id, DeliveryStatus.failed, error=exc.message[:500])
        except RetryAfter as exc:
            return self._retry(row, f"429: {exc.message}")
        except NetworkError as exc:
            return self._retry(
                row, f"{type(exc).__name__}: {exc.message}", ambiguous=maybe_delivered(exc)
            )
        except TelegramError as exc:
            return self._retry(row, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:  # a bug must not lose the row: it is retried, then failed
            log.exception("outbox: unexpected error sending delivery %s", row.id)
            return self._retry(row, f"{type(exc).__name__}: {exc}", ambiguous=True)

    async def _send_with_media(self, chat_id: int, msg: OutgoingMessage, media_id: int) -> Message:
        """Upload the file with the first send, then send Telegram's file_id to the rest.

        The media row is read and written in short sessions: one held across the send
        (which waits for its slot) kept a pooled connection per send in flight, so a
        document fan-out left none for the people using the bot meanwhile. Sends of a file
        not yet uploaded wait for the one upload instead of each uploading it again.
        """
        paid = self.paid_broadcast
        upload = self._uploads.setdefault(media_id, asyncio.Lock())
        if upload.locked() or media_id not in self._file_ids:
            async with upload:
                if media_id not in self._file_ids:
                    async with self.sessions() as s:
                        media = await s.get(MediaFile, media_id)
                    if media is None:  # deleted meanwhile: the text still goes out
                        return await send(
                            self.bot, chat_id, msg, lane=Lane.bulk, paid_broadcast=paid
                        )
                    if media.telegram_file_id is None:
                        sent = await send(
                            self.bot, chat_id, msg, lane=Lane.bulk, media=media, paid_broadcast=paid
                        )
                        if media.telegram_file_id is not None:
                            await self._keep_file_id(media_id, media.telegram_file_id)
                        return sent
                    self._file_ids[media_id] = media.telegram_file_id
        by_id = MediaFile(
            id=media_id,
            filename="",
            content=b"",
            telegram_file_id=self._file_ids[media_id],
            created_at=self.clock.now(),
        )
        return await send(self.bot, chat_id, msg, lane=Lane.bulk, media=by_id, paid_broadcast=paid)

    async def _keep_file_id(self, media_id: int, file_id: str) -> None:
        self._file_ids[media_id] = file_id
        try:
            async with self.sessions() as s:
                await s.execute(
                    update(MediaFile)
                    .where(col(MediaFile.id) == media_id, col(MediaFile.telegram_file_id).is_(None))
                    .values(telegram_file_id=file_id)
                )
                await s.commit()
        except Exception:  # the send happened; this process still remembers the file_id
            log.exception("outbox: could not store the file_id of media %s", media_id)

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due now, send it, record it; returns how many rows were handled."""
        rows = await self.claim(limit or self.concurrency)
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._send_one(r) for r in rows))
        await self.record(outcomes)
        return len(rows)

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Send until nothing is due at the clock's current time (tests, demo, jobs)."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            if not handled:
                break
            total += handled
        return total

    async def run(self, stop: asyncio.Event, poll_interval: float = 1.0) -> None:
        """Keep up to `concurrency` sends in flight until `stop` is set (see `Pump`)."""
        await Pump(self, stop, poll_interval).run()
