"""Organisation service: branches, invites, the roster and the counts use one member rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import make_sessions
from bot.models import AuditLog, Member, MemberStatus, Role
from bot.services import org
from bot.services.errors import Refused
from handlers.org.buttons import Language, NameOk
from tests.harness import START

WEEK = timedelta(days=7)


def test_button_layouts_are_those_already_sent() -> None:
    assert NameOk().encode() == "name:ok"
    assert Language(locale="en").encode() == "lang:en"
    assert Language.decode("lang:zh_CN") == Language(locale="zh_CN")
    assert Language.decode("lang:xx") is None


async def test_branch_counts_and_roster_follow_active_members(engine: AsyncEngine) -> None:
    sessions = make_sessions(engine)
    async with sessions() as s:
        admin = Member(telegram_user_id=1, name="管理员", role=Role.admin, joined_at=START)
        s.add(admin)
        await s.flush()
        branch, secretary_invite = await org.create_branch(
            s, actor=admin, name="第一党支部", now=START, invite_ttl=WEEK
        )
        secretary = await org.accept_invite(
            s, token=secretary_invite.token, telegram_user_id=2, profile_name="书记", now=START
        )
        invite = await org.create_invite(s, actor=secretary, now=START, ttl=WEEK, max_uses=5)
        people = [
            await org.accept_invite(
                s, token=invite.token, telegram_user_id=10 + i, profile_name=name, now=START
            )
            for i, name in enumerate(["乙", "甲", "丙"])
        ]
        people[0].status = MemberStatus.blocked  # still a member: counted and listed
        people[2].status = MemberStatus.left  # not any more
        await s.commit()
        rows = await org.branch_overview(s, actor=admin)
        assert [(r.name, r.secretaries, r.members) for r in rows] == [("第一党支部", ["书记"], 3)]
        shown, roster = await org.roster(s, actor=secretary)
        assert shown.id == branch.id
        # Secretaries first; names then sort by the database's collation.
        assert roster[0].name == "书记"
        assert {m.name for m in roster[1:]} == {"乙", "甲"}
        actions = list(await s.exec(select(AuditLog.action)))
    assert actions.count("invite.created") == 2
    assert "branch.created" in actions


async def test_a_secretary_without_a_branch_gets_no_invite(engine: AsyncEngine) -> None:
    sessions = make_sessions(engine)
    async with sessions() as s:
        lost = Member(telegram_user_id=3, name="书记", role=Role.secretary, joined_at=START)
        s.add(lost)
        await s.flush()
        with pytest.raises(Refused) as caught:
            await org.create_invite(s, actor=lost, now=START, ttl=WEEK, max_uses=1)
    assert caught.value.code == "no_branch"
