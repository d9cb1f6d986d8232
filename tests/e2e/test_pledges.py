"""Pledges e2e: 承诺 → 审诺 → 公示 → 践诺 → 评诺, as members, secretaries and admins see it."""

from __future__ import annotations

from sqlmodel import col, select

from bot.models import (
    Delivery,
    Pledge,
    PledgeEvent,
    PledgeNote,
    PledgeRating,
    PledgeStatus,
    PledgeVersion,
)
from simulator import SimUser
from tests.harness import Branch, Harness, start_bot

COMMITMENTS = "1. 每月参加一次志愿服务\n2、带头学习第一议题\n(3) 联系服务 5 名会员"


async def write_pledge(
    h: Harness,
    member: SimUser,
    post: str = "秘书长",
    duties: str = "负责协会日常事务",
    commitments: str = COMMITMENTS,
) -> None:
    """The member goes through the form up to the preview card (not submitted)."""
    first = await h.send(member, "/pledge")
    assert "亮身份" in first.text
    await h.send(member, post)
    await h.send(member, duties)
    preview = await h.send(member, commitments)
    assert "提交" in preview.flat_buttons


async def submit_pledge(h: Harness, member: SimUser, **kw: str) -> None:
    await write_pledge(h, member, **kw)
    await h.press(member, "提交")
    assert "已提交" in member.last.text or "审核" in member.last.text


async def pledge_row(h: Harness, member: SimUser) -> Pledge:
    async with h.sessions() as s:
        from bot.services.org import member_by_telegram_id

        m = await member_by_telegram_id(s, member.user_id)
        assert m is not None
        row = (await s.exec(select(Pledge).where(Pledge.member_id == m.id))).one()
        return row


async def press_data(h: Harness, user: SimUser, message_id: int, data: str) -> str:
    """Press a button by its callback data (a repeated or forged press); the alert text."""
    before = len(user.callback_answers)
    await user.press_data(message_id, data)
    await h.settle()
    answers = user.callback_answers[before:]
    return str(answers[-1]) if answers else ""


async def events(h: Harness, pledge_id: int | None) -> list[str]:
    async with h.sessions() as s:
        rows = await s.exec(
            select(PledgeEvent)
            .where(PledgeEvent.pledge_id == pledge_id)
            .order_by(col(PledgeEvent.id))
        )
        return [e.action for e in rows]


async def test_member_writes_and_submits_pledge(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    member = branch.members[0]
    await write_pledge(h, member)
    preview = member.last
    assert "秘书长" in preview.text
    assert "第一党支部" in preview.text
    assert "1. 每月参加一次志愿服务" in preview.text
    assert "2. 带头学习第一议题" in preview.text
    assert "3. 联系服务 5 名会员" in preview.text
    await h.press(member, "提交")
    await h.deliver()
    # The secretary gets a heads-up through the outbox.
    assert "/pledges" in branch.secretary.last.text
    row = await pledge_row(h, member)
    assert row.status == PledgeStatus.submitted
    assert row.version == 1
    assert row.commitments == ["每月参加一次志愿服务", "带头学习第一议题", "联系服务 5 名会员"]
    assert row.year == 2026
    view = await h.send(member, "/pledge")
    assert "待审核" in view.text
    assert "修改" in view.flat_buttons


async def test_return_fix_resubmit_approve(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    member, secretary = branch.members[0], branch.secretary
    await submit_pledge(h, member)
    await h.send(secretary, "/pledges")
    card = secretary.last
    assert "秘书长" in card.text
    assert card.flat_buttons == ["通过", "退回"]
    await h.press(secretary, "退回", card)
    assert "退回" in secretary.last.text or "原因" in secretary.last.text
    await h.send(secretary, "承诺要更具体<b>!</b>")
    assert "承诺要更具体<b>!</b>" in member.last.text  # the member gets the comment, escaped
    row = await pledge_row(h, member)
    assert row.status == PledgeStatus.returned
    assert row.review_comment == "承诺要更具体<b>!</b>"
    view = await h.send(member, "/pledge")
    assert "承诺要更具体" in view.text
    await h.press(member, "修改", view)
    await h.press(member, "亮承诺")
    preview = await h.send(member, "每周走访一家会员单位\n每月讲一次微党课")
    assert "每周走访一家会员单位" in preview.text
    assert "秘书长" in preview.text
    await h.press(member, "提交", preview)
    row = await pledge_row(h, member)
    assert (row.status, row.version) == (PledgeStatus.submitted, 2)
    # The old card (version 1) no longer works.
    alert = await h.press(secretary, "通过", card)
    assert "/pledges" in alert
    assert (await pledge_row(h, member)).status == PledgeStatus.submitted
    await h.send(secretary, "/pledges")
    new_card = secretary.last
    assert "每周走访一家会员单位" in new_card.text
    approve_data = new_card.find_button("通过")
    assert approve_data is not None
    await h.press(secretary, "通过", new_card)
    assert "通过" in member.last.text
    member_messages = len(member.bot_messages)
    # A second press (a double tap, or a redelivered update) changes nothing.
    again = await press_data(h, secretary, new_card.message_id, approve_data["callback_data"])
    assert "已通过" in again
    assert len(member.bot_messages) == member_messages
    row = await pledge_row(h, member)
    assert row.status == PledgeStatus.approved
    assert await events(h, row.id) == ["submitted", "returned", "resubmitted", "approved"]
    async with h.sessions() as s:
        versions = list(
            await s.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == row.id))
        )
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].commitments[0] == "每月参加一次志愿服务"
    view = await h.send(member, "/pledge")
    assert "已通过" in view.text
    assert "修改" not in view.flat_buttons
