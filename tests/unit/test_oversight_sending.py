"""Oversight's jobs gather each person's items over a run, then send one message each."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import make_sessions
from bot.delivery.message import OutgoingMessage
from bot.models import Delivery, DeliveryBatch, Member, Role
from bot.services.oversight.sending import PerPerson
from tests.harness import START


async def test_one_message_per_person_with_their_items_in_first_added_order(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessions(engine)
    async with sessions() as s:
        a, b = (
            Member(telegram_user_id=n, name=f"书记{n}", role=Role.secretary, joined_at=START)
            for n in (20, 10)
        )
        s.add_all([a, b])
        await s.flush()
        nobody: PerPerson[str] = PerPerson()
        assert await nobody.send(s, kind="t", compose=_compose, now=START) == 0
        found: PerPerson[str] = PerPerson()
        found.add(a, "会议")
        found.add(b, "任期")
        found.add(a, "述职")
        assert await found.send(s, kind="t", compose=_compose, now=START) == 2
        batches = list(await s.exec(select(DeliveryBatch)))
        rows = list(await s.exec(select(Delivery).order_by(col(Delivery.id))))
    assert len(batches) == 1  # none for the run that found nobody
    assert [(r.chat_id, r.payload["text"]) for r in rows] == [(20, "会议、述职"), (10, "任期")]


def _compose(member: Member, items: list[str]) -> OutgoingMessage:
    return OutgoingMessage("、".join(items))
