"""Pledges e2e: what the reviewer does never depends on the owner's copy being delivered.

The outcome of a review (通过 / 退回) and a rating reach the owner through the outbox,
written in the same transaction: a member who blocked the bot gets nothing, the
reviewer's answer is the normal one, the review is recorded, the delivery counted blocked.
"""

from __future__ import annotations

from sqlmodel import col, select

from bot.models import AuditLog, Delivery, DeliveryBatch, DeliveryStatus, PledgeStatus
from simulator import SimUser
from tests.e2e.test_pledges import pledge_row, submit_pledge
from tests.harness import Harness


async def deliveries(h: Harness, kind: str) -> list[Delivery]:
    async with h.sessions() as s:
        rows = await s.exec(
            select(Delivery)
            .join(DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id))
            .where(DeliveryBatch.kind == kind)
        )
        return list(rows)


def apologies(user: SimUser) -> list[str]:
    return [m.text for m in user.bot_messages if "抱歉" in m.text or "出了点问题" in m.text]


async def test_member_who_blocked_the_bot_is_approved_and_returned_all_the_same(
    h: Harness,
) -> None:
    branch = await h.setup_branch(members=2)
    secretary, approved, returned = branch.secretary, *branch.members
    await submit_pledge(h, approved)
    await submit_pledge(h, returned)
    await h.deliver()
    for member in (approved, returned):
        await member.block()
    await h.settle()
    seen = {m.user_id: len(m.bot_messages) for m in (approved, returned)}

    card = await h.send(secretary, "/pledges")
    toast = await h.press(secretary, "通过", card)
    assert toast == "已通过。"
    edited = secretary.message(card.message_id)
    assert "✅ 已通过：第一党支部党员1 的 2026 年承诺" in edited.text
    assert edited.flat_buttons == []
    card = secretary.last  # the next pledge waiting for review
    assert "第一党支部党员2" in card.text
    await h.press(secretary, "退回", card)
    queue = await h.send(secretary, "请写明服务次数")
    done = secretary.chat[-2]
    assert "已退回 第一党支部党员2 的 2026 年承诺" in done.text
    assert "请写明服务次数" in done.text
    assert "没有待审核" in queue.text
    await h.deliver()

    assert apologies(secretary) == []
    assert (await pledge_row(h, approved)).status == PledgeStatus.approved
    row = await pledge_row(h, returned)
    assert (row.status, row.review_comment) == (PledgeStatus.returned, "请写明服务次数")
    for kind, member in (("pledges.approved", approved), ("pledges.returned", returned)):
        rows = await deliveries(h, kind)
        assert [(d.chat_id, d.status) for d in rows] == [(member.user_id, DeliveryStatus.blocked)]
        assert len(member.bot_messages) == seen[member.user_id]
    async with h.sessions() as s:
        actions = [a.action for a in await s.exec(select(AuditLog))]
    assert actions.count("pledge.approved") == 1
    assert actions.count("pledge.returned") == 1


async def test_the_outcome_reaches_a_member_who_can_be_written_to(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    secretary, member = branch.secretary, branch.members[0]
    await submit_pledge(h, member)
    await h.deliver()
    before = len(member.bot_messages)
    card = await h.send(secretary, "/pledges")
    await h.press(secretary, "通过", card)
    # Written with the review, sent by the outbox: nothing reaches the member before.
    assert len(member.bot_messages) == before
    assert [d.status for d in await deliveries(h, "pledges.approved")] == [DeliveryStatus.pending]
    await h.deliver()
    assert "您的 2026 年承诺已通过支部审核" in member.last.text
    assert [d.status for d in await deliveries(h, "pledges.approved")] == [DeliveryStatus.sent]


async def test_rating_a_member_who_blocked_the_bot(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    secretary, member = branch.secretary, branch.members[0]
    await submit_pledge(h, member)
    card = await h.send(secretary, "/pledges")
    await h.press(secretary, "通过", card)
    await h.deliver()
    await member.block()
    await h.settle()
    card = await h.send(secretary, "/pledges rate")
    await h.press(secretary, "优秀", card)
    done = await h.send(secretary, "践诺扎实")
    confirmation = secretary.chat[-2]
    assert "已评诺：第一党支部党员1 的 2026 年承诺评定为“优秀”" in confirmation.text
    assert "践诺扎实" in confirmation.text
    assert "都已评诺" in done.text
    await h.deliver()
    assert apologies(secretary) == []
    assert [d.status for d in await deliveries(h, "pledges.rated")] == [DeliveryStatus.blocked]
    assert (await pledge_row(h, member)).rating == "excellent"
