"""Exactly-once claims hold across calls (the same table protects every process)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import make_sessions
from bot.models import Member, Role
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


async def test_claim_members_gives_only_those_newly_claimed_in_their_order(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessions(engine)
    async with sessions() as s:
        people = [
            Member(telegram_user_id=n, name=f"党员{n}", role=Role.member, joined_at=START)
            for n in (3, 1, 2)
        ]
        s.add_all(people)
        await s.flush()
        first = await once.claim_members(s, people[1:], kind="r", subject="x", slot="1h", now=START)
        again = await once.claim_members(s, people, kind="r", subject="x", slot="1h", now=START)
        unsaved = Member(telegram_user_id=9, name="新人", role=Role.member, joined_at=START)
        none = await once.claim_members(s, [unsaved], kind="r", subject="x", slot="1h", now=START)
    assert [m.telegram_user_id for m in first] == [1, 2]
    assert [m.telegram_user_id for m in again] == [3]  # 1 and 2 were claimed before
    assert none == []


async def test_claim_branches_gives_the_rows_of_branches_newly_claimed_in_their_order(
    engine: AsyncEngine,
) -> None:
    @dataclass(frozen=True)
    class Row:
        branch_id: int
        what: str

    rows = [Row(5, "a"), Row(2, "b"), Row(5, "c")]
    async with make_sessions(engine)() as s:
        first = await once.claim_branches(s, rows[1:], kind="j", subject="i", slot="d", now=START)
        again = await once.claim_branches(s, rows, kind="j", subject="i", slot="d", now=START)
    assert [r.what for r in first] == ["b", "c"]
    assert again == []  # branches 2 and 5 were claimed before
