"""Feed import: fetch due RSS/Atom feeds; each new entry becomes a draft for the admins."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx

from bot.context import BotApplication, BotContext, BotData
from bot.models import StudyFeed, StudyItem
from bot.services import feeds
from handlers.feeds.views import drafts_compose

log = logging.getLogger(__name__)


async def _record(
    data: BotData,
    feed_id: int,
    fetched: feeds.Fetched | None,
    parsed: feeds.ParsedFeed | None,
    error: feeds.FeedError | None,
    now: datetime,
) -> int:
    """Store one fetch's outcome; new drafts and the admins' message in the same commit."""
    settings, sessions = data.settings, data.sessions
    assert settings is not None
    assert sessions is not None
    async with sessions() as s:
        feed = await s.get(StudyFeed, feed_id)
        if feed is None:
            return 0  # removed while we were fetching
        drafts: list[StudyItem] = []
        if error is not None or fetched is None:
            feeds.record_failure(feed, error or feeds.FeedError("internal"), now=now)
        else:
            if parsed is not None:
                drafts = await feeds.import_entries(
                    s,
                    feed=feed,
                    parsed=parsed,
                    now=now,
                    max_new=settings.feed_max_new_entries,
                )
            feeds.record_success(feed, fetched, parsed=parsed, new=len(drafts), now=now)
        s.add(feed)
        if drafts:
            assert data.catalogs is not None
            compose = drafts_compose(data.catalogs, settings.tz)
            await feeds.announce_drafts(s, feed=feed, drafts=drafts, now=now, compose=compose)
        await s.commit()
    return len(drafts)


async def fetch_due_feeds(
    data: BotData, *, now: datetime, client: httpx.AsyncClient | None = None
) -> int:
    """Fetch every feed whose interval has passed; returns how many drafts were made.

    A failing or malformed feed is recorded on its row (shown in /feeds) and never stops
    the others or the bot.
    """
    settings, sessions = data.settings, data.sessions
    assert settings is not None
    assert sessions is not None
    own = client is None
    http = client or feeds.make_client(
        timeout=settings.feed_timeout_seconds, max_redirects=settings.feed_max_redirects
    )
    made = 0
    try:
        async with sessions() as s:
            due = [
                (f.id, f.url, f.etag, f.last_modified)
                for f in await feeds.due_feeds(
                    s, now=now, interval=timedelta(minutes=settings.feed_interval_minutes)
                )
            ]
        for feed_id, url, etag, last_modified in due:
            assert feed_id is not None
            parsed = None
            error = None
            fetched = None
            try:
                fetched = await feeds.fetch(
                    http,
                    url,
                    etag=etag,
                    last_modified=last_modified,
                    max_bytes=settings.feed_max_bytes,
                )
                if fetched.status == "ok":
                    parsed = feeds.parse_feed(fetched.body)
            except feeds.FeedError as exc:
                error = exc
            except Exception as exc:  # a bug in one feed's handling must not stop the rest
                log.exception("feed %s: unexpected failure", feed_id)
                error = feeds.FeedError("internal", type(exc).__name__)
            try:
                made += await _record(data, feed_id, fetched, parsed, error, now)
            except Exception as exc:
                # Nothing of this feed was kept (drafts, claims and messages are one
                # transaction), so the next run imports the same entries again.
                log.exception("feed %s: could not record the fetch", feed_id)
                await _record(
                    data, feed_id, None, None, feeds.FeedError("internal", type(exc).__name__), now
                )
    finally:
        if own:
            await http.aclose()
    if made and data.outbox is not None:
        data.outbox.wake()
    return made


async def feeds_job(context: BotContext) -> None:
    """JobQueue callback: fetch the feeds that are due."""
    try:
        await fetch_due_feeds(context.bot_data, now=context.clock.now())
    except Exception:
        log.exception("feed job failed; it will run again")


def register(app: BotApplication) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(feeds_job, interval=300, first=300, name="feeds")
