"""Training in branch health e2e: 学时 coverage under 作用不发挥 in /health and /warnings,
the new-secretary rule under 班子不健全 (its warning once across a restart), and the
members behind in the secretaries' weekly to-dos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.models import Delivery, DeliveryBatch, MeetingKind, Member, RecordState, TrainingRecord
from bot.services.training import coverage
from bot.services.training import targets as targets_svc
from bot.services.training.hours import year_of
from schedules.oversight import run_oversight_jobs
from schedules.training import remind_due
from simulator import BotAPISimulator
from tests.e2e.oversight_support import add_hours, branch_id, healthy_branch, local
from tests.harness import Harness, start_bot

COVERAGE_LOW = "作用发挥：3 名党员中 0 人学时进度达标，占 0%（应不低于 50%）"


async def test_members_behind_show_in_health_and_warnings_details(h: Harness) -> None:
    behind = await h.setup_branch("第一党支部", members=2)
    await h.setup_branch("第二党支部", members=1)
    await healthy_branch(h, "第一党支部", hours=False)
    await healthy_branch(h, "第二党支部")
    # One member of 第一党支部 has some hours, not enough for the share due by today.
    await add_hours(h, "第一党支部", 50)

    own = (await h.send(behind.secretary, "/health")).text
    assert "第一党支部 · 🟡 关注" in own
    assert f"⚠️ {COVERAGE_LOW}" in own
    assert "/hours 可查看谁的学时落后" in own  # what to do about it

    view = await h.send(h.admin, "/warnings")
    assert "🟡 第一党支部：" + COVERAGE_LOW in view.text
    await h.press(h.admin, "🟡 第一党支部")
    details = h.admin.message(view.message_id).text
    assert f"⚠️ {COVERAGE_LOW}" in details
    # The 6-month rule is listed with its threshold even when nothing is due yet.
    assert "✅ 书记培训：第一党支部书记 应于 2027/5/27 前有书记培训记录" in details
    assert "任职后 6 个月内" in details
    await h.press(h.admin, "返回")
    await h.press(h.admin, "🟢 第二党支部")
    fine = h.admin.message(view.message_id).text
    assert "✅ 作用发挥：2 名党员中 2 人学时进度达标，占 100%（应不低于 50%）" in fine

    # Enough hours for everyone, and the indicator clears.
    await add_hours(h, "第一党支部")
    assert "第一党支部 · 🟢 正常" in (await h.send(behind.secretary, "/health")).text


async def test_a_new_secretary_without_training_makes_the_committee_incomplete_once(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    before = datetime(2027, 5, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    late = datetime(2027, 5, 29, 2, 0, tzinfo=UTC)  # appointed 2026-11-27: due 2027-05-27
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch("第一党支部", members=1)
        sec = branch.secretary
        await add_hours(h, "第一党支部", year=2027)
        h.clock.set(before)
        own = (await h.send(sec, "/health")).text
        assert "班子不健全：书记" not in own
        assert "✅ 书记培训：第一党支部书记 应于 2027/5/27 前有书记培训记录" in own
        assert await remind_due(h.app.bot_data, now=before) == (0, 0)

        h.clock.set(late)
        assert await remind_due(h.app.bot_data, now=late) == (0, 1)
        await h.deliver()
        own = (await h.send(sec, "/health")).text
        rule = (
            "班子不健全：书记 第一党支部书记（2026/11/27 任职）超过 6 个月仍无书记培训记录"
            "（应于 2027/5/27 前完成，已逾期 2 天）"
        )
        assert f"⚠️ {rule}" in own
        assert "书记示范班" in own  # what to do about it
        view = await h.send(h.admin, "/warnings")
        assert rule in view.text
    # Another process, and later: the warning is not sent again; the indicator stays.
    async with start_bot(sim, engine) as h:
        h.clock.set(late + timedelta(days=3))
        assert await remind_due(h.app.bot_data, now=h.clock.now()) == (0, 0)
        await h.deliver()
        async with h.sessions() as s:
            sent = (
                await s.exec(
                    select(func.count())
                    .select_from(Delivery)
                    .join(DeliveryBatch, col(DeliveryBatch.id) == Delivery.batch_id)
                    .where(
                        DeliveryBatch.kind == "training.secretary_rule", Delivery.chat_id == sec.id
                    )
                )
            ).one()
        assert sent == 1
        assert (
            len([m for m in sec.bot_messages if "仍无书记培训记录" in m.text]) == 2
        )  # 1 + /health
        assert "已逾期 5 天" in (await h.send(sec, "/health")).text

        # Secretary training recorded: 班子不健全 is gone.
        async with h.sessions() as s:
            member = (await s.exec(select(Member).where(Member.name == "第一党支部书记"))).one()
            assert member.id is not None
            s.add(
                TrainingRecord(
                    member_id=member.id,
                    branch_id=await branch_id(h, "第一党支部"),
                    title="书记示范班",
                    held_on=(late + timedelta(days=1)).date(),
                    hours_tenths=160,
                    secretary_training=True,
                    state=RecordState.approved,
                    created_at=h.clock.now(),
                )
            )
            await s.commit()
        own = (await h.send(sec, "/health")).text
        assert "班子不健全：书记" not in own
        assert "✅ 书记培训：第一党支部书记 已有书记培训记录" in own


async def test_the_weekly_to_dos_list_the_members_behind(h: Harness) -> None:
    behind = await h.setup_branch("第一党支部", members=2)
    fine = await h.setup_branch("第二党支部", members=1)
    await healthy_branch(h, "第一党支部", hours=False)
    await healthy_branch(h, "第二党支部")
    h.clock.set(local(2026, 11, 30, 9, 0))
    await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    todos = [m.text for m in behind.secretary.bot_messages if "本周待办" in m.text]
    assert len(todos) == 1
    assert "• 3 名党员学时落后：第一党支部书记、第一党支部党员1、第一党支部党员2" in todos[0]
    assert "/hours 可查看每名党员的学时" in todos[0]
    assert COVERAGE_LOW in todos[0]
    assert not [m for m in fine.secretary.bot_messages if "本周待办" in m.text]
    # The to-dos read every member's standing once; its counts are the grouped counts.
    first, second = await branch_id(h, "第一党支部"), await branch_id(h, "第二党支部")
    async with h.sessions() as s:
        year = year_of(h.clock.now(), ZoneInfo("Asia/Shanghai"))
        targets = await targets_svc.current(s)
        grouped = await coverage.branch_counts(s, scope=None, year=year, targets=targets)
        counts, names = await coverage.counts_and_behind(s, scope=None, year=year, targets=targets)
    assert counts == grouped
    assert grouped[first].on_track == 0
    assert grouped[second].on_track == 2
    assert [n for _id, n in names[first]] == [
        "第一党支部书记",
        "第一党支部党员1",
        "第一党支部党员2",
    ]
    assert second not in names


async def test_before_april_nobody_is_judged_on_hours(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=1)
    await healthy_branch(h, "第一党支部", hours=False, without=frozenset({MeetingKind.lecture}))
    h.clock.set(local(2027, 3, 1, 9, 0))  # a Monday; the year's 学时 have hardly begun
    await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    own = (await h.send(branch.secretary, "/health")).text
    assert "学时进度" not in own
    assert not [m for m in branch.secretary.bot_messages if "学时落后" in m.text]
