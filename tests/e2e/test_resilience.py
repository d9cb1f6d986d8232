"""Errors never leave a person without an answer; forms survive a restart."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.models import Member
from bot.services import org
from handlers import menu
from simulator import BotAPISimulator
from tests.harness import Harness, invite_token, start_bot


async def test_a_crashing_handler_apologises_and_reports(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    branch = await h.setup_branch(members=1)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail about 第一党支部党员1")

    monkeypatch.setattr(org, "roster", broken)
    reply = await h.send(branch.secretary, "/members")
    assert "出了点问题" in reply.text
    assert "没有丢失" in reply.text
    await h.deliver()  # the report goes through the outbox
    report = h.admin.last
    assert "/members" in report.text
    assert "RuntimeError" in report.text
    assert "secret detail" not in report.text
    assert "党员1" not in report.text
    assert h.sim.token not in report.text


async def test_name_form_survives_a_restart(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch(members=0)
        token = invite_token((await h.send(branch.secretary, "/invite")).text)
        person = h.person("孙八")
        await h.send(person, f"/start {token}")
    # The bot process is gone; a new one starts on the same database.
    async with start_bot(sim, engine) as h2:
        done = await h2.send(person, "孙八真名")
        assert "登记完成" in done.text
        async with h2.sessions() as s:
            member = (
                await s.exec(select(Member).where(Member.telegram_user_id == person.id))
            ).one()
        assert member.name == "孙八真名"


async def test_a_press_that_fails_after_its_answer_still_gets_an_apology(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    branch = await h.setup_branch(members=0)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    person = h.person("冯十二")
    await h.send(person, f"/start {token}")

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("after the press was answered")

    monkeypatch.setattr(menu, "help_text", broken)
    await h.press(person, "使用“冯十二”")  # answered, then the welcome fails
    assert "出了点问题" in person.last.text
