"""Exactly-once claims hold across calls (the same table protects every process)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import make_sessions
from bot.services import once
from tests.harness import START


async def test_claims_are_exactly_once(engine: AsyncEngine) -> None:
    sessions = make_sessions(engine)
    async with sessions() as s:
        first = await once.claim_many(
            s, kind="r", subject="meeting:1", slot="24h", member_ids=[1, 2, 3], now=START
        )
        await s.commit()
    async with sessions() as s:
        second = await once.claim_many(
            s, kind="r", subject="meeting:1", slot="24h", member_ids=[2, 3, 4], now=START
        )
        assert await once.claim(s, kind="job", subject="2026-11", slot="run", now=START)
        assert not await once.claim(s, kind="job", subject="2026-11", slot="run", now=START)
        await s.commit()
    assert first == {1, 2, 3}
    assert second == {4}
