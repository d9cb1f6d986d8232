"""教育培训 e2e: course hours from check-ins, 外部培训记录 with a certificate, the
6-month rule, and the behind-target reminders (quiet hours, once across a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.models import Delivery, Member, RecordState, Role, TrainingRecord
from schedules.training import remind_due
from simulator import BotAPISimulator, SimUser
from tests.e2e.test_meetings import MEETING_AT, schedule_quick
from tests.e2e.test_requests import press_forged
from tests.harness import Harness, start_bot


async def add_record(
    h: Harness, user: SimUser, *, title: str, hours: str, photo: bool, secretary: bool = False
) -> str:
    """The /training add form to its confirmation; returns the confirmation text."""
    assert "培训名称" in (await h.send(user, "/training add")).text
    assert "哪一天" in (await h.send(user, title)).text
    assert "多少学时" in (await h.send(user, "2026-11-20")).text
    assert "主办单位" in (await h.send(user, hours)).text
    assert "跳过" in (await h.send(user, "区委党校")).flat_buttons
    if photo:
        await user.send_photo(b"\xff\xd8jpeg-certificate")
        await h.settle()
    else:
        await h.press(user, "跳过")
    preview = user.last
    assert "请核对外部培训记录" in preview.text
    assert title in preview.text
    if secretary:
        await h.press(user, "☐ 书记培训")
        assert "计为书记培训" in user.last.text
    await h.press(user, "提交")
    return user.last.text


async def test_course_check_ins_count_late_counts_leave_does_not(h: Harness) -> None:
    branch = await h.setup_branch(members=3)
    sec = branch.secretary
    a, b, c = branch.members
    meeting_id = await schedule_quick(h, sec, "/newmeeting 培训 2026-12-01 14:30 区委党校")
    done = (await h.send(sec, f"/course {meeting_id} 书记示范班 书记")).text
    assert "书记示范班" in done
    assert "2 学时" in done
    assert "计为书记培训" in done
    await h.deliver()
    notice = a.last
    await h.press(b, "请假")
    await h.send(b, "出差")
    await h.deliver()
    await h.press(sec, "批准", sec.last)
    await h.deliver()

    h.clock.set(MEETING_AT - timedelta(minutes=10))
    assert "已签到" in await h.press(a, "签到", notice)
    assert "已签到" in await h.press(
        sec, "签到", next(m for m in sec.bot_messages if "会议通知" in m.text)
    )
    h.clock.set(MEETING_AT + timedelta(minutes=20))
    assert "迟到" in await h.press(
        c, "签到", next(m for m in c.bot_messages if "会议通知" in m.text)
    )

    h.clock.set(MEETING_AT + timedelta(hours=3))
    assert "参加党课和培训：2 学时" in (await h.send(a, "/hours")).text
    assert "参加党课和培训：2 学时" in (await h.send(c, "/hours")).text  # late counts in full
    own_b = (await h.send(b, "/hours")).text
    assert "参加党课和培训：0 学时" in own_b  # leave counts nothing
    assert "0 / 32 学时" in own_b
    await h.send(sec, "/hours")
    own, table = sec.bot_messages[-2].text, sec.last.text
    assert "已有书记培训记录" in own  # the course was marked as secretary training
    assert "2 / 56 学时" in own
    assert f"{branch.name}党员2：0 / 32 学时" in table
    assert "⚠️" in table


async def test_external_record_with_certificate_is_approved_and_counted(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    sec, member = branch.secretary, branch.members[0]
    done = await add_record(h, member, title="社会组织党建<专题>培训", hours="3.5", photo=True)
    assert "已提交" in done
    assert "3.5 学时" in done
    assert "已发给 1 人审核" in done
    await h.deliver()
    card, photo = sec.bot_messages[-2], sec.last
    assert "提交了外部培训记录" in card.text
    assert "社会组织党建<专题>培训" in card.text
    assert "&lt;专题&gt;" in card.html
    assert card.flat_buttons == ["通过", "退回"]
    assert photo.photo is not None
    approve = card.button_data[0][0]
    await h.press(sec, "通过", card)
    assert "已通过" in sec.last.text
    assert "计入学时" in sec.last.text
    assert approve is not None
    assert "已经审核过" in await press_forged(h, sec, approve, card.message_id)
    await h.deliver()
    assert "审核通过" in member.last.text
    own = (await h.send(member, "/hours")).text
    assert "外部培训（已通过）：3.5 学时" in own
    assert "3.5 / 32 学时" in own
    async with h.sessions() as s:
        record = (await s.exec(select(TrainingRecord))).one()
        assert record.hours_tenths == 35
        assert record.state == RecordState.approved
        assert record.media_kind == "photo"
        assert record.file_id


async def test_nobody_approves_their_own_and_a_secretarys_goes_to_the_admins(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    sec = branch.secretary
    done = await add_record(
        h, sec, title="书记示范班（市委党校）", hours="16", photo=False, secretary=True
    )
    assert "已发给 1 人审核" in done
    async with h.sessions() as s:
        record = (await s.exec(select(TrainingRecord))).one()
    assert "不能审核自己的记录" in await press_forged(h, sec, f"trd:{record.id}:approve")
    await h.deliver()
    card = h.admin.last
    assert "书记示范班（市委党校）" in card.text
    assert card.flat_buttons == ["通过", "退回"]
    # the member of the branch may not decide the secretary's record either
    member = branch.members[0]
    await h.send(member, "/hours")
    assert "没有这项权限" in await press_forged(h, member, f"trd:{record.id}:approve")
    await h.press(h.admin, "退回", card)
    assert "为什么退回" in h.admin.last.text
    await h.send(h.admin, "请补充结业证书")
    assert "已退回" in h.admin.last.text
    await h.deliver()
    assert "被 管理员 退回" in sec.last.text
    assert "请补充结业证书" in sec.last.text
    async with h.sessions() as s:
        record = (await s.exec(select(TrainingRecord))).one()
        assert record.state == RecordState.returned
        assert record.comment == "请补充结业证书"


async def test_the_six_month_rule_warns_once(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    sec = branch.secretary
    # 2027-05-29 10:00 in Shanghai: the secretary (appointed 2026-11-27) is past the rule.
    late = datetime(2027, 5, 29, 2, 0, tzinfo=UTC)
    h.clock.set(late)
    assert await remind_due(h.app.bot_data, now=late) == (0, 1)
    assert await remind_due(h.app.bot_data, now=late + timedelta(days=1)) == (0, 0)
    await h.deliver()
    assert "仍无书记培训记录" in sec.last.text
    assert "仍无书记培训记录" in h.admin.last.text
    view = (await h.send(h.admin, "/hours")).text
    assert "任职超过 6 个月" in view
    assert f"{branch.name}书记" in view
    async with h.sessions() as s:
        n = (
            await s.exec(
                select(func.count()).select_from(Delivery).where(Delivery.chat_id == sec.id)
            )
        ).one()
    assert await remind_due(h.app.bot_data, now=late + timedelta(days=40)) == (0, 0)
    async with h.sessions() as s:
        again = (
            await s.exec(
                select(func.count()).select_from(Delivery).where(Delivery.chat_id == sec.id)
            )
        ).one()
    assert again == n


async def test_reminders_respect_quiet_hours_and_fire_once_across_a_restart(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    night = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: quiet
    morning = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch(members=2)
        member = branch.members[0]
        assert await remind_due(h.app.bot_data, now=night) == (0, 0)
        h.clock.set(morning)
        assert await remind_due(h.app.bot_data, now=morning) == (3, 0)
        await h.deliver()
        assert "提醒" in member.last.text
        assert "0 / 32 学时" in member.last.text
    async with start_bot(sim, engine) as h:
        assert await remind_due(h.app.bot_data, now=morning + timedelta(hours=2)) == (0, 0)
        # A member who reached 75 % gets none next month (there is none: January is before
        # October, so nobody is reminded then).
        january = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
        assert await remind_due(h.app.bot_data, now=january) == (0, 0)
        async with h.sessions() as s:
            people = (
                await s.exec(
                    select(func.count()).select_from(Member).where(Member.role != Role.admin)
                )
            ).one()
            sent = (
                await s.exec(
                    select(func.count())
                    .select_from(Delivery)
                    .where(col(Delivery.payload)["text"].as_string().contains("提醒"))
                )
            ).one()
        assert people == 3
        assert sent == 3


async def test_targets_are_changed_by_an_admin_and_audited(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    assert "没有这项权限" in (await h.send(member, "/targets 党员 10")).text
    assert "“干部”不是角色" in (await h.send(h.admin, "/targets 干部 10")).text
    assert "不是学时数" in (await h.send(h.admin, "/targets 党员 十")).text
    done = (await h.send(h.admin, "/targets 党员 30.5")).text
    assert "年度目标已修改" in done
    assert "党员：30.5 学时" in done
    assert "0 / 30.5 学时" in (await h.send(member, "/hours")).text
    assert "修改年度目标" in (await h.send(h.admin, "/audit")).text
    # /course only names a 培训 or 党课 meeting of one's own branch
    meeting_id = await schedule_quick(h, branch.secretary)  # a 党员大会
    refused = (await h.send(branch.secretary, f"/course {meeting_id} 学习大讲堂")).text
    assert "不是党课或培训" in refused
    assert "没有 #99 号会议" in (await h.send(branch.secretary, "/course 99 学习大讲堂")).text
