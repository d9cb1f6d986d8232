"""第一议题 study: what a first real user found (long lists, big branches, lost drafts)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.models import Branch, Member, StudyRecord
from bot.services.org import member_by_telegram_id
from simulator import SimUser
from tests.e2e.test_study import publish_as_secretary, study_jobs, write_summary
from tests.harness import Harness

TZ = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


async def add_members(h: Harness, secretary_id: int, n: int, name: str = "m{i}") -> list[int]:
    async with h.sessions() as s:
        sec = await member_by_telegram_id(s, secretary_id)
        assert sec is not None
        rows = [
            Member(
                telegram_user_id=900_000 + i,
                branch_id=sec.branch_id,
                name=name.format(i=i),
                joined_at=h.clock.now(),
            )
            for i in range(n)
        ]
        s.add_all(rows)
        await s.commit()
        return [m.id for m in rows if m.id is not None]


async def test_status_of_a_300_member_branch_with_reflections_is_split(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    ids = await add_members(h, branch.secretary.user_id, 300)
    item_id = await publish_as_secretary(h, branch)
    async with h.sessions() as s:
        s.add_all(
            StudyRecord(
                item_id=item_id,
                member_id=mid,
                completed_at=h.clock.now(),
                reflection=f"心得{n} " + "学" * 200,
                updated_at=h.clock.now(),
            )
            for n, mid in enumerate(ids[:150])
        )
        await s.commit()
    before = len(branch.secretary.bot_messages)
    await h.send(branch.secretary, f"/studystatus {item_id}")
    parts = branch.secretary.bot_messages[before:]
    assert len(parts) > 1
    text = "\n".join(p.text for p in parts)
    assert "心得0 " in text
    assert "心得149 " in text
    assert "m299" in text  # who has not finished, all of them


async def test_due_report_for_a_big_branch_fits_one_message(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    await add_members(h, branch.secretary.user_id, 300, name="很长的名字" * 10 + "{i}")
    item_id = await publish_as_secretary(h, branch)
    h.clock.advance(days=7, hours=1)
    assert (await study_jobs(h)).reported == 1
    await h.deliver()
    report = branch.secretary.last
    assert "已到截止时间" in report.text
    assert "很长的名字" * 10 + "0" in report.text
    assert "等 " in report.text  # … and how many more are left out here
    assert f"/studystatus {item_id}" in report.text  # where the full list is


async def test_study_list_with_many_long_items_is_split(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    for n in range(20):
        await publish_as_secretary(h, branch, title=f"{n:02d}" + "长" * 198, summary=None)
    await h.deliver()
    member = branch.members[0]
    before = len(member.bot_messages)
    await h.send(member, "/study")
    parts = member.bot_messages[before:]
    assert len(parts) > 1
    assert "19" + "长" * 10 in "\n".join(p.text for p in parts)
    assert len(parts[-1].flat_buttons) == 40  # the buttons come with the last part


async def test_digest_does_not_query_per_member(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    await h.send(branch.secretary, "/studysettings digest mon 08:30")
    await add_members(h, branch.secretary.user_id, 60)
    await publish_as_secretary(h, branch, title="周汇总学习")
    await h.deliver()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(h.engine.sync_engine, "before_cursor_execute", count)
    try:
        now = local(2026, 11, 30, 8, 30)
        assert (await study_jobs(h, now)).digested == 62
    finally:
        event.remove(h.engine.sync_engine, "before_cursor_execute", count)
    study_selects = [q for q in statements if "FROM study_item" in q]
    assert len(study_selects) < 10, len(study_selects)


async def test_admin_publishes_to_300_branches(h: Harness) -> None:
    """The publishing receipt for a big committee fits one message."""
    await h.setup_branch("第一党支部", members=1)
    async with h.sessions() as s:
        s.add_all(
            Branch(name=f"第{i}个很长名字的社会组织联合党支部", created_at=h.clock.now())
            for i in range(300)
        )
        await s.commit()
    await h.send(h.admin, "/newstudy 党委统一学习")
    preview = await write_summary(h, h.admin, "请各支部认真学习")
    await h.press(h.admin, "发布", preview)
    receipt = h.admin.last
    assert "已发布" in receipt.text
    assert "301" in receipt.text


async def test_choosing_one_branch_after_all_selects_just_that_one(h: Harness) -> None:
    await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    await h.send(h.admin, "/newstudy 党委统一学习")
    preview = await write_summary(h, h.admin, "请各支部认真学习")
    await h.press(h.admin, "⬜ 第二党支部", preview)
    await h.press(h.admin, "⬜ 全部支部", h.admin.last)
    assert "✅ 全部支部" in h.admin.last.flat_buttons
    # All branches are chosen; now the admin wants only the second one after all.
    await h.press(h.admin, "⬜ 第二党支部", h.admin.last)
    assert "✅ 第二党支部" in h.admin.last.flat_buttons
    assert "⬜ 全部支部" in h.admin.last.flat_buttons
    await h.press(h.admin, "发布", h.admin.last)
    await h.deliver()
    assert "党委统一学习" in second.members[0].last.text


async def test_study_and_digest_times_in_quiet_hours_are_refused(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    refused = await h.send(branch.secretary, "/studysettings digest mon 23:00")
    assert "免打扰" in refused.text
    refused = await h.send(branch.secretary, "/studysettings time 06:00")
    assert "免打扰" in refused.text
    shown = await h.send(branch.secretary, "/studysettings")
    assert "09:00" in shown.text
    assert "关闭" in shown.text


async def test_secretary_cannot_see_another_branchs_item(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    item_id = await publish_as_secretary(h, first)
    await h.deliver()
    await h.press(first.members[0], "写心得")
    await h.send(first.members[0], "第一支部的心得")
    other = await h.send(second.secretary, f"/studystatus {item_id}")
    assert "第一支部的心得" not in other.text
    assert "不存在" in other.text
    assert f"#{item_id}" not in (await h.send(second.secretary, "/studystatus")).text
    # A forged publish / branch button on the first secretary's item changes nothing.
    alert = await press(h, second.secretary, other.message_id, f"studynew:{item_id}:publish")
    assert "不存在" in alert or "已经发布" in alert


async def press(h: Harness, user: SimUser, message_id: int, data: str) -> str:
    before = len(user.callback_answers)
    await user.press_data(message_id, data)
    await h.settle()
    answers = user.callback_answers[before:]
    return str(answers[-1]) if answers else ""
