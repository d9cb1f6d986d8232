"""换届 e2e: /term, its history, reminders 6/3/1 months before, monthly when overdue, the
prompt when unknown — each exactly once, across a restart."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.models import AuditLog
from bot.services.oversight.terms import add_months, add_years, slot_for
from schedules.oversight import run_oversight_jobs
from simulator import BotAPISimulator
from tests.e2e.oversight_support import local
from tests.harness import start_bot


def reminders(user: object) -> list[str]:
    return [m.text for m in user.bot_messages if "换届提醒" in m.text]  # type: ignore[attr-defined]


async def test_term_reminders_exactly_once(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch("第一党支部", members=1)
        other = await h.setup_branch("第二党支部", members=0)
        secretary, admin = branch.secretary, h.admin
        assert "尚未登记任期" in (await h.send(secretary, "/term")).text
        assert "没有这项权限" in (await h.send(branch.members[0], "/term")).text
        assert "请选择支部" in (await h.send(admin, "/term")).text  # a button per branch
        # No term: one prompt to each secretary (the admins see it in /warnings).
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(reminders(secretary)) == 1
        assert "第一党支部：尚未登记任期" in reminders(secretary)[0]
        assert reminders(admin) == []
        done = (await h.send(secretary, "/term 2024-06-01")).text
        assert "已登记 第一党支部 的任期：2024/6/1 至 2027/6/1（3 年）" in done
        assert "不是日期" in (await h.send(other.secretary, "/term 第一党支部 2024-06-01")).text
        assert "还没到" in (await h.send(secretary, "/term 2027-01-01")).text
        assert "不是任期年限" in (await h.send(secretary, "/term 2024-06-01 30")).text
        async with h.sessions() as s:
            assert (await s.exec(select(AuditLog).where(AuditLog.action == "oversight.term"))).all()
        # 6 months before the end (2026-12-01, local midnight): secretary and admin, once.
        h.clock.set(local(2026, 11, 30, 23, 59))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(reminders(secretary)) == 1
        h.clock.set(local(2026, 12, 1, 0, 0))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert "还有 6 个月" in reminders(secretary)[-1]
        assert "第一党支部：任期将于 2027/6/1 届满（还有 6 个月）" in reminders(admin)[-1]
    async with start_bot(sim, engine) as h:
        h.clock.set(local(2026, 12, 20, 9))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(reminders(secretary)) == 2
        for day, expected in (
            (local(2027, 3, 1, 9), "还有 3 个月"),
            (local(2027, 5, 1, 9), "还有 1 个月"),
            (local(2027, 6, 1, 9), "换届已超期"),
        ):
            h.clock.set(day)
            await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
            await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
            await h.deliver()
            assert expected in reminders(secretary)[-1]
        count = len(reminders(secretary))
        h.clock.set(local(2027, 6, 30, 9))  # same month: no second overdue reminder
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(reminders(secretary)) == count
        h.clock.set(local(2027, 7, 1, 9))  # monthly while overdue
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(reminders(secretary)) == count + 1
        assert "已超期" in (await h.send(secretary, "/term")).text
        # The election is held: the new term closes the reminders and the old one stays.
        await h.send(admin, "/term 第一党支部 2027-06-28 5")
        shown = (await h.send(secretary, "/term")).text
        assert "本届任期：2027/6/28 至 2032/6/28（5 年）" in shown
        assert "历届任期：" in shown
        assert "2024/6/1 至 2027/6/1（3 年）" in shown
        h.clock.set(local(2027, 8, 1, 9))
        await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
        await h.deliver()
        assert len(reminders(secretary)) == count + 1


def test_term_dates() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), -6) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 31), -1) == date(2026, 12, 31)
    ends = date(2027, 6, 1)
    assert slot_for(ends, date(2026, 11, 30)) is None
    assert slot_for(ends, date(2026, 12, 1)) == ("6m", "6m")
    assert slot_for(ends, date(2027, 5, 31)) == ("1m", "1m")
    assert slot_for(ends, date(2027, 6, 1)) == ("overdue", "overdue:2027-06")
    assert slot_for(None, date(2027, 6, 1)) == ("unknown", "unknown")
