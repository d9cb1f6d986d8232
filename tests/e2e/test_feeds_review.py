"""Feeds: a failure while announcing new drafts loses nothing and stops no other feed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

import bot.delivery.outbox
from bot.models import StudyFeed, StudyItem
from schedules.feeds import fetch_due_feeds
from tests.e2e.test_feeds import feed_url  # noqa: F401  (the local feed server fixture)
from tests.harness import Harness


async def test_drafts_and_their_announcement_are_one_transaction(
    h: Harness,
    feed_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await h.setup_branch("第一党支部", members=1)
    await h.send(h.admin, f"/feeds add {feed_url}/rss")
    await h.send(h.admin, f"/feeds add {feed_url}/broken")
    real = bot.delivery.outbox.enqueue
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(bot.delivery.outbox, "enqueue", flaky)
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 0
    async with h.sessions() as s:
        # Nothing half-done: no draft without its message; the other feed was still read.
        assert (await s.exec(select(func.count()).select_from(StudyItem))).one() == 0
        statuses = {f.url.rsplit("/", 1)[1]: f.last_status for f in await s.exec(select(StudyFeed))}
        assert statuses == {"rss": "error", "broken": "error"}
    h.clock.advance(hours=2)
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 4
    await h.deliver()
    assert "4 条新内容" in h.admin.last.text
    assert len(h.admin.last.flat_buttons) == 8  # publish and discard for each
    h.clock.advance(hours=2)
    assert await fetch_due_feeds(h.app.bot_data, now=h.clock.now()) == 0


async def test_feeds_list_of_fifty_failing_feeds_is_paged_and_split(h: Harness) -> None:
    """Fifty feeds with long addresses and errors: ten a page, each page within Telegram's
    limit (split when it must be), the remove buttons and ◀ ▶ on its last part."""
    async with h.sessions() as s:
        s.add_all(
            StudyFeed(
                url=f"https://example.org/{i}/" + "x" * 600,
                created_at=h.clock.now(),
                last_fetched_at=h.clock.now(),
                last_status="error",
                last_error="malformed:" + "not well-formed (invalid token) " * 6,
                failures=3,
            )
            for i in range(50)
        )
        await s.commit()
    before = len(h.admin.bot_messages)
    await h.send(h.admin, "/feeds")
    parts = h.admin.bot_messages[before:]
    assert len(parts) > 1
    assert all(len(p.text) <= 4096 for p in parts)
    text = "\n".join(p.text for p in parts)
    assert "https://example.org/0/" in text
    assert "https://example.org/10/" not in text
    assert "第 1/5 页" in text
    last = parts[-1]
    assert "移除 #1" in last.flat_buttons
    assert "移除 #10" in last.flat_buttons
    assert "▶" in last.flat_buttons
    # ◀ ▶ run /feeds again for that page; the last page holds the fiftieth feed.
    before = len(h.admin.bot_messages)
    await h.send(h.admin, "/feeds page 4")
    text = "\n".join(p.text for p in h.admin.bot_messages[before:])
    assert "https://example.org/49/" in text
    assert "第 5/5 页" in text
    assert "◀" in h.admin.last.flat_buttons
