"""Study posts in the groups: "已学习 n/m" edited in place at most once a minute (counts
only, never names), and an item for every branch posted once in the committee's group."""

from __future__ import annotations

from schedules.groups import refresh_counts
from tests.e2e.test_groups import link
from tests.e2e.test_groups_study import study_posts
from tests.e2e.test_study import publish_as_secretary
from tests.harness import Harness


async def refresh(h: Harness) -> int:
    edited = await refresh_counts(h.app.bot_data, h.app.bot, now=h.clock.now())
    await h.settle()
    return edited


async def test_the_study_post_shows_how_many_studied_updated_in_place(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    group = h.sim.group(-5201, "第一支部群")
    await link(h, group, branch.secretary)
    await publish_as_secretary(h, branch)
    await h.deliver()
    post = group.last
    assert "已学习 " not in post.text
    # The first tick adds the count (the secretary and two members were pushed the item).
    assert await refresh(h) == 1
    shown = group.message(post.message_id)
    assert "已学习 0/3" in shown.text
    assert shown.buttons == [["已学习", "写心得"]]
    assert await refresh(h) == 0  # nothing changed
    first, second = branch.members
    await h.press(first, "已学习", shown)
    await h.press(second, "已学习", shown)
    assert await refresh(h) == 0  # edited less than a minute ago
    h.clock.advance(minutes=1)
    assert await refresh(h) == 1
    shown = group.message(post.message_id)
    assert "已学习 2/3" in shown.text
    assert "党员" not in shown.text  # counts only, never names
    assert len(await study_posts(h, group.id)) == 1  # edited, never posted again
    h.clock.advance(minutes=1)
    assert await refresh(h) == 0


async def test_an_item_for_every_branch_is_posted_once_in_the_committee_group(
    h: Harness,
) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    branch_group = h.sim.group(-5202, "一支部群")
    committee = h.sim.group(-5203, "党委群")
    await link(h, branch_group, first.secretary)
    await link(h, committee, h.admin)
    # A secretary's own item stays out of the committee's group.
    before = len(committee.chat)
    await publish_as_secretary(h, first, title="支部自学")
    await h.deliver()
    assert len(committee.chat) == before
    await h.send(h.admin, "/newstudy 党委统一学习")
    await h.press(h.admin, "跳过")
    await h.press(h.admin, "跳过", h.admin.last)
    await h.press(h.admin, "发布", h.admin.last)
    await h.deliver()
    assert len(committee.chat) == before + 1
    post = committee.last
    assert "党委统一学习" in post.text
    assert len(await study_posts(h, committee.id)) == 1
    assert "党委统一学习" in branch_group.last.text
    # The committee's count is every branch's; a member of any branch may press it there.
    assert "已记录" in await h.press(second.members[0], "已学习", post)
    h.clock.advance(minutes=1)
    await refresh(h)
    assert "已学习 1/4" in committee.message(post.message_id).text
    assert "已学习 0/2" in branch_group.message(branch_group.last.message_id).text
