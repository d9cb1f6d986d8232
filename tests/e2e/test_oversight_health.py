"""Branch health e2e: levels, /warnings with details, /health, the weekly digest once,
two reds in a row escalate, and refusals."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.models import MeetingKind, Member, MemberActivity, Role
from schedules.oversight import run_oversight_jobs
from simulator import BotAPISimulator
from tests.e2e.oversight_support import add_meeting, branch_id, healthy_branch, local
from tests.harness import Harness, start_bot


async def test_levels_warnings_details_and_health(h: Harness) -> None:
    a = await h.setup_branch("第一党支部", members=2)
    await h.setup_branch("第二党支部", members=1)
    c = await h.setup_branch("第三党支部", members=1)
    await healthy_branch(h, "第一党支部", without=frozenset({MeetingKind.committee}))
    # 第三党支部's Q3 党员大会 had neither check-ins nor minutes: missed → 预警.
    await healthy_branch(h, "第三党支部", without=frozenset({MeetingKind.assembly}))
    await add_meeting(h, "第三党支部", MeetingKind.assembly, local(2026, 9, 30, 20), held=False)

    health = (await h.send(a.secretary, "/health")).text
    assert "第一党支部 · 🟡 关注" in health
    assert "制度不落实：未召开 支委会（2026-10）" in health
    assert "补开未召开的会议" in health
    assert "上季度出勤率 100%（应不低于 60%）" in health

    view = await h.send(h.admin, "/warnings")
    assert "🔴 预警 1 · 🟡 关注 2 · 🟢 正常 0" in view.text
    lines = view.text.splitlines()
    assert lines[1].startswith("🔴 第三党支部：制度不落实：未召开 支部党员大会（2026-Q3）")
    assert "🟡 第二党支部：换届：任期未登记" in view.text
    await h.press(h.admin, "🟡 第一党支部")
    details = h.admin.message(view.message_id).text
    assert "⚠️ 制度不落实：未召开 支委会（2026-10）" in details
    assert "✅ 活动情况：已 " in details
    assert "（不超过 60 天）" in details
    assert "✅ 班子不健全：党员 3 人，支委 1 人（7 人以上的支部应不少于 3 人）" in details
    await h.press(h.admin, "返回")
    assert "支部运行情况" in h.admin.message(view.message_id).text

    # A member sees none of it; another branch's secretary cannot open a branch's details.
    member = a.members[0]
    assert "没有这项权限" in (await h.send(member, "/health")).text
    assert "没有这项权限" in (await h.send(member, "/warnings")).text
    assert "没有这项权限" in (await h.send(c.secretary, "/warnings")).text
    own = await h.send(c.secretary, "/health")
    assert "第三党支部 · 🔴 预警" in own.text
    await c.secretary.press_data(own.message_id, f"ovd:{await branch_id(h, '第一党支部')}:0")
    await h.settle()
    assert "没有这项权限" in str(c.secretary.callback_answers[-1])

    # Using the bot is noticed (at most one write an hour).
    async with h.sessions() as s:
        rows = list(await s.exec(select(MemberActivity)))
        assert rows
        assert all(r.last_seen_at == h.clock.now() for r in rows)


async def test_weekly_digest_once_and_escalation(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    async with start_bot(sim, engine) as h:
        a = await h.setup_branch("第一党支部", members=2)
        red = await h.setup_branch("第三党支部", members=1)
        await healthy_branch(h, "第一党支部")
        await healthy_branch(h, "第三党支部", without=frozenset({MeetingKind.committee}))
        await add_meeting(h, "第三党支部", MeetingKind.lecture, local(2026, 1, 5), held=False)
        # 第三党支部 also has a blocked member: two indicators → 预警.
        await red.members[0].block()
        await h.send(red.members[0], "/me")
        from bot.models import Member, MemberStatus

        async with h.sessions() as s:
            m = (await s.exec(select(Member).where(Member.name == "第三党支部党员1"))).one()
            m.status = MemberStatus.blocked
            s.add(m)
            await s.commit()
        h.clock.set(local(2026, 11, 30, 8, 59))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert not [x for x in h.admin.bot_messages if "周报" in x.text]
        h.clock.set(local(2026, 11, 30, 9, 0))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        digests = [x for x in h.admin.bot_messages if "周报" in x.text]
        assert len(digests) == 1
        assert "2026-W49" in digests[0].text
        assert "🔴 预警 1 · 🟡 关注 0 · 🟢 正常 1" in digests[0].text
        assert "新增预警：第三党支部" in digests[0].text
        todos = red.secretary.last.text
        assert "本周待办" in todos
        assert "1 名党员屏蔽了机器人" in todos
        assert not [x for x in a.secretary.bot_messages if "本周待办" in x.text]
    # Another process, later the same week: nothing again.
    async with start_bot(sim, engine) as h:
        h.clock.set(local(2026, 12, 2, 10))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len([x for x in h.admin.bot_messages if "周报" in x.text]) == 1
        # The next Monday: red again → the admins are alerted, naming both weeks.
        h.clock.set(local(2026, 12, 7, 9, 30))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        alerts = [x for x in h.admin.bot_messages if "连续两次评估为预警" in x.text]
        assert len(alerts) == 1
        assert "第三党支部" in alerts[0].text
        assert "2026-W49 和 2026-W50" in alerts[0].text
        assert len([x for x in h.admin.bot_messages if "周报" in x.text]) == 2


async def _rated_requests(h: Harness, name: str, ratings: list[str]) -> None:
    """诉求 of the last closed quarter (2026-Q3), rated as given."""
    from bot.models import Request, RequestKind, RequestRating, RequestState

    bid = await branch_id(h, name)
    at = local(2026, 8, 3, 10)
    async with h.sessions() as s:
        member = (
            await s.exec(select(Member).where(Member.branch_id == bid, Member.role == Role.member))
        ).first()
        assert member is not None
        assert member.id is not None
        for number, rating in enumerate(ratings, start=1):
            s.add(
                Request(
                    branch_id=bid,
                    number=number,
                    member_id=member.id,
                    kind=RequestKind.issue,
                    text="诉求",
                    state=RequestState.closed,
                    created_at=at,
                    accept_due_at=at,
                    resolve_due_at=at,
                    responded_at=at,
                    accepted_at=at,
                    resolved_at=at,
                    rating=RequestRating(rating),
                    rated_at=at,
                    updated_at=at,
                )
            )
        await s.commit()


async def test_request_satisfaction_counts_once_enough_were_rated(h: Harness) -> None:
    a = await h.setup_branch("第一党支部", members=2)
    b = await h.setup_branch("第二党支部", members=2)
    await healthy_branch(h, "第一党支部")
    await healthy_branch(h, "第二党支部")
    # 2 of 5 satisfied (40 %, below 60 %): flagged. 1 of 4 in the other: too few rated.
    await _rated_requests(h, "第一党支部", ["satisfied", "fair", *["dissatisfied"] * 3])
    await _rated_requests(h, "第二党支部", ["satisfied", *["dissatisfied"] * 3])

    flagged = (await h.send(a.secretary, "/health")).text
    assert "第一党支部 · 🟡 关注" in flagged
    assert "诉求满意率 40%（应不低于 60%）" in flagged
    quiet = (await h.send(b.secretary, "/health")).text
    assert "诉求满意率" not in quiet
    assert "第二党支部 · 🟢 正常" in quiet
