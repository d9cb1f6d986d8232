"""The branch's own group (支部群): link, post, press there, counts, unlink, bot removed."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlmodel import select

from bot.models import BranchGroup, Delivery, GroupPost
from schedules.groups import refresh_counts
from simulator import BotAPISimulator, SimGroup, SimUser
from tests.harness import START, Branch, Harness

MEETING = "/newmeeting 支部党员大会 2026-11-27 14:30 会议室"  # today, 14:30 Shanghai


async def link(h: Harness, group: SimGroup, secretary: SimUser) -> None:
    """/linkgroup in the group, confirmed in private."""
    await group.send(secretary, "/linkgroup")
    await h.settle()
    assert "已在私聊中请您确认" in group.last.text
    await h.deliver()
    question = secretary.last
    assert group.title in question.text
    await h.press(secretary, "确认关联", question)
    assert "已关联到" in secretary.message(question.message_id).text
    await h.deliver()
    assert "本群已关联到" in group.last.text


async def schedule(h: Harness, branch: Branch) -> None:
    await h.send(branch.secretary, MEETING)
    await h.press(branch.secretary, "确认")
    await h.deliver()


async def removed(sim: BotAPISimulator, group: SimGroup, by: SimUser) -> None:
    bot = sim.bot_user_json()
    payload = {
        "chat": group.chat_json(),
        "from": by.user_json(),
        "date": int(time.time()),
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": "left", "user": bot},
    }
    await sim._queue_update("my_chat_member", payload)


async def state_of(h: Harness, group: SimGroup) -> str:
    async with h.sessions() as s:
        row = (await s.exec(select(BranchGroup).where(BranchGroup.chat_id == group.id))).one()
        return row.state


async def test_link_post_press_and_counts(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    other = await h.setup_branch("第二党支部", members=1)
    group = h.sim.group(-5001, "第一支部群")
    # A member may not link the group; nothing is asked of anyone.
    await group.send(branch.members[0], "/linkgroup")
    await h.settle()
    assert "只有支部书记" in group.last.text
    await link(h, group, branch.secretary)
    await schedule(h, branch)
    post = group.last
    assert "会议通知" in post.text
    assert "第一党支部" in post.text
    assert "出席 0/3" in post.text
    assert post.buttons == [["出席", "请假"], ["签到"]]
    urls = [u for row in post.button_urls for u in row if u]
    assert urls == [f"https://t.me/{h.sim.bot_username}?start=leave-1"]
    # 出席 in the group: recorded for the presser, once.
    member = branch.members[0]
    assert await h.press(member, "出席", post) == "已记录：您将出席。"
    assert await h.press(member, "出席", post) == "已记录过：您将出席。"
    # Someone who has not joined, and a member of another branch.
    stranger = h.person("路人")
    assert "还没有加入支部" in await h.press(stranger, "出席", post)
    assert "不是这次会议的参会人" in await h.press(other.members[0], "签到", post)
    # 签到 opens 30 minutes before the start (14:30 Shanghai = 06:30 UTC).
    h.clock.set(START.replace(hour=6, minute=10))
    assert (await h.press(member, "签到", post)).startswith("已签到")
    assert "已记录过" in await h.press(member, "签到", post)
    # Presses are answered with toasts: nothing new was written into the group.
    assert group.last.message_id == post.message_id
    # The counts are edited in place, at most once a minute.
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 1
    await h.settle()
    assert "已签到 1/3 · 出席 1/3" in group.message(post.message_id).text
    await h.press(branch.members[1], "出席", post)
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 0
    h.clock.advance(minutes=1)
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 1
    await h.settle()
    assert "出席 2/3" in group.message(post.message_id).text
    assert await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now()) == 0


async def test_leave_from_the_group_opens_the_private_chat(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    group = h.sim.group(-5002, "支部群")
    await link(h, group, branch.secretary)
    await schedule(h, branch)
    member = branch.members[0]
    reply = await h.send(member, "/start leave-1")
    assert "请假" in reply.text
    await h.send(member, "家里有事")
    await h.deliver()
    assert "家里有事" in branch.secretary.last.text
    assert all("家里有事" not in m.text for m in group.chat)  # never in the group
    stranger = h.person("路人")
    assert "还没有加入支部" in (await h.send(stranger, "/start leave-1")).text


async def test_unlink_and_the_bot_removed(h: Harness, sim: BotAPISimulator) -> None:
    branch = await h.setup_branch(members=1)
    group = h.sim.group(-5003, "支部群")
    await link(h, group, branch.secretary)
    await group.send(branch.members[0], "/unlinkgroup")
    await h.settle()
    assert await state_of(h, group) == "linked"
    await group.send(branch.secretary, "/unlinkgroup")
    await h.settle()
    assert "已取消关联" in group.last.text
    assert await state_of(h, group) == "unlinked"
    before = len(group.chat)
    await schedule(h, branch)
    assert len(group.chat) == before  # nothing posted once unlinked
    await link(h, group, branch.secretary)
    await removed(sim, group, branch.secretary)
    await h.settle()
    assert await state_of(h, group) == "unlinked"
    # In private, the commands say where they belong.
    assert "群里发送" in (await h.send(branch.secretary, "/linkgroup")).text


async def test_one_group_per_branch_and_the_committee_group(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    first, second = h.sim.group(-5004, "旧群"), h.sim.group(-5005, "新群")
    await link(h, first, branch.secretary)
    await link(h, second, branch.secretary)
    assert "原关联的群“旧群”已取消关联" in branch.secretary.last.text
    assert await state_of(h, first) == "unlinked"
    committee = h.sim.group(-5006, "党委群")
    await link(h, committee, h.admin)
    assert "党委" in committee.last.text


async def test_thirty_notices_are_queued_for_one_group(h: Harness) -> None:
    """30 meeting notices: 30 outbox rows into the group, paced there by the limiter
    (its 20-a-minute arithmetic is tested in tests/unit/test_delivery.py)."""
    branch = await h.setup_branch(members=1)
    group = h.sim.group(-5007, "支部群")
    await link(h, group, branch.secretary)
    for i in range(30):
        day = (START + timedelta(days=1 + i)).date().isoformat()
        await h.send(branch.secretary, f"/newmeeting 支部党员大会 {day} 14:30 会议室")
        await h.press(branch.secretary, "确认")
    async with h.sessions() as s:
        posts = (await s.exec(select(GroupPost).where(GroupPost.chat_id == group.id))).all()
        rows = (await s.exec(select(Delivery).where(Delivery.chat_id == group.id))).all()
    assert len([p for p in posts if p.kind == "meeting"]) == 30
    assert len([r for r in rows if r.status == "pending"]) == 30


async def test_published_pledges_are_posted_once_in_the_group(h: Harness) -> None:
    from tests.e2e.test_pledges import approve_all, submit_pledge

    branch = await h.setup_branch(members=1)
    group = h.sim.group(-5008, "支部群")
    await link(h, group, branch.secretary)
    await submit_pledge(h, branch.members[0])
    await approve_all(h, branch)
    before = len(group.chat)
    preview = await h.send(branch.secretary, "/pledges publish")
    await h.press(branch.secretary, "确认发送", preview)
    await h.deliver()
    posted = group.chat[before:]
    assert len(posted) == 1
    assert "党员承诺" in posted[0].text


async def test_two_processes_refreshing_at_once_edit_a_post_once(h: Harness) -> None:
    """The counts job runs in every bot process: two runs at the same moment, as two
    workers' JobQueues would, edit the post once between them."""
    branch = await h.setup_branch(members=2)
    group = h.sim.group(-5002, "第一支部群")
    await link(h, group, branch.secretary)
    await schedule(h, branch)
    post = group.last
    await h.press(branch.members[0], "出席", post)
    edits = lambda: [  # noqa: E731
        c
        for c in h.sim.calls
        if c.method == "editMessageText" and c.params.get("message_id") == post.message_id
    ]
    data, now = h.app.bot_data, h.clock.now()
    # A slow edit: each run has read the post as due before either has edited it.
    h.sim.faults.add("editMessageText", kind="slow", count=2, delay=0.3)
    done = await asyncio.gather(*(refresh_counts(data, h.app.bot, now=now) for _ in range(2)))
    await h.settle()
    assert sorted(done) == [0, 1]
    assert len(edits()) == 1
    assert "出席 1/3" in group.message(post.message_id).text
