"""Privacy: leaving, removal, export and erasure; logs carry ids, never names or typed texts."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from bot import redact
from bot.demo.stage import WEBHOOK_TEST_SECRET, running_bot
from bot.models import (
    Attendance,
    AuditLog,
    Delivery,
    Member,
    MemberStatus,
    Pledge,
    Request,
    StudyRecord,
)
from simulator import BotAPISimulator, SimUser
from tests.e2e.demo_world import play_demo
from tests.e2e.test_webhook import free_port
from tests.harness import Harness, register_everything


async def member_of(h: Harness, user: SimUser) -> Member:
    async with h.sessions() as s:
        return (await s.exec(select(Member).where(Member.telegram_user_id == user.id))).one()


async def test_member_leaves_and_receives_nothing_more(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    leaver, stayer = branch.members
    question = await h.send(leaver, "/leave")
    assert "第一党支部" in question.text
    assert "原党员" in question.text
    await h.press(leaver, "取消")
    assert (await member_of(h, leaver)).status == MemberStatus.active
    await h.send(leaver, "/leave")
    await h.press(leaver, "确认")
    assert "已退出" in leaver.last.text
    member = await member_of(h, leaver)
    assert member.status == MemberStatus.left
    assert member.name == "第一党支部党员1"
    assert "没有加入" in (await h.send(leaver, "/me")).text
    assert "/pledge" not in (await h.send(leaver, "/help")).text

    seen = len(leaver.bot_messages)
    await h.send(branch.secretary, "/newmeeting 党员大会 2026-12-05 14:30 会议室")
    await h.press(branch.secretary, branch.secretary.last.flat_buttons[0])
    await h.deliver()
    assert len(leaver.bot_messages) == seen
    assert "党员大会" in stayer.last.text
    async with h.sessions() as s:
        assert not list(await s.exec(select(Delivery).where(Delivery.member_id == member.id)))
        assert not list(await s.exec(select(Attendance).where(Attendance.member_id == member.id)))
        actions = [a.action for a in await s.exec(select(AuditLog))]
    assert "member.left" in actions


async def test_secretary_removes_a_member_with_a_reason(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    other = await h.setup_branch("第二党支部", members=1)
    removed = branch.members[0]
    assert "用法" in (await h.send(branch.secretary, "/remove 第一党支部党员1")).text
    not_here = await h.send(other.secretary, "/remove 第一党支部党员1 不在本支部")
    assert "没有党员" in not_here.text
    assert (await member_of(h, removed)).status == MemberStatus.active
    reply = await h.send(branch.secretary, "/remove 第一党支部党员1 长期不参加组织生活")
    assert "已被移出" in reply.text
    assert "长期不参加组织生活" in reply.text
    assert "没有加入" in (await h.send(removed, "/me")).text
    assert "第一党支部党员1" not in (await h.send(branch.secretary, "/members")).text
    async with h.sessions() as s:
        entry = (await s.exec(select(AuditLog).where(AuditLog.action == "member.removed"))).one()
    assert entry.details["reason"] == "长期不参加组织生活"
    assert "移出党员" in (await h.send(h.admin, "/audit")).text


async def counts(h: Harness) -> dict[str, int]:
    out = {}
    async with h.sessions() as s:
        for model in (Attendance, Pledge, Request, StudyRecord, Member, Delivery):
            out[model.__name__] = (await s.exec(select(func.count()).select_from(model))).one()
    return out


async def test_admin_exports_and_erases_a_person(h: Harness) -> None:
    cast = await play_demo(h)
    person = await member_of(h, cast.branch.members[0])
    async with h.sessions() as s:
        request_text = (await s.exec(select(Request).where(Request.member_id == person.id))).one()
    assert request_text.text

    await h.send(h.admin, f"/person export {person.id}")
    document = h.admin.last.document
    assert document is not None
    exported: dict[str, Any] = json.loads(document.content)
    assert exported["tables"]["member"][0]["name"] == person.name
    assert request_text.text in json.dumps(exported, ensure_ascii=False)
    assert {"request", "pledge", "attendance", "study_record"} <= set(exported["tables"])

    before = await counts(h)
    question = await h.send(h.admin, f"/person erase {person.id}")
    assert person.name in question.text
    await h.press(h.admin, "确认")
    assert "已删除" in h.admin.last.text
    assert await counts(h) == before
    erased = await member_of(h, cast.branch.members[0])
    assert erased.name == f"#{person.id}"
    assert erased.status == MemberStatus.left
    async with h.sessions() as s:
        again = await s.exec(select(Request).where(Request.member_id == person.id))
        assert all(not r.text and not r.reply for r in again)
        for record in await s.exec(select(StudyRecord).where(StudyRecord.member_id == person.id)):
            assert not record.reflection
        for pledge in await s.exec(select(Pledge).where(Pledge.member_id == person.id)):
            assert not pledge.post
            assert not pledge.duties
            assert not pledge.commitments
        actions = [a.action for a in await s.exec(select(AuditLog))]
    assert {"person.exported", "person.erased"} <= set(actions)
    await h.send(h.admin, f"/person export {person.id}")
    assert person.name not in h.admin.last.document.content.decode()  # type: ignore[union-attr]
    assert (
        "无法撤销" not in (await h.send(cast.branch.members[1], f"/person erase {person.id}")).text
    )


def typed_by_people(sim: BotAPISimulator) -> set[str]:
    """Every name and text people typed (commands' arguments included), long enough to grep."""
    found: set[str] = set()
    for user in sim.users:
        found.add(user.first_name)
        for m in user.chat:
            if m.from_bot or not m.text:
                continue
            command, _, rest = m.text.partition(" ")
            found.add(rest.strip() if command.startswith("/") else m.text)
    return {t for t in found if re.search(r"[\u4e00-\u9fffA-Za-z]{2}", t)}


async def test_logs_carry_no_names_typed_texts_or_secrets(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    port = free_port()
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    async with running_bot(
        sim,
        engine,
        register_everything,
        webhook_port=port,
        webhook_url="https://bot.example.org/hook",
        webhook_secret=WEBHOOK_TEST_SECRET,
        log_level="DEBUG",
    ) as h:
        settings = h.app.bot_data.settings
        assert settings is not None
        redact.configure(settings, handler)
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            cast = await play_demo(h)
            person = await member_of(h, cast.branch.members[1])
            await h.send(h.admin, f"/person export {person.id}")
            await h.send(cast.branch.members[2], "/leave")
            await h.press(cast.branch.members[2], "Confirm")
            await h.send(cast.branch.secretary, "/remove 张丽 不再参加组织生活")
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            for name in redact.CHATTY:
                logging.getLogger(name).setLevel(logging.NOTSET)
        token = sim.token
    log_text = "\n".join(
        line for line in lines if not line.startswith(("simulator", "aiohttp.access"))
    )
    assert any("exported by member" in line for line in lines)
    assert token not in log_text
    assert token.split(":")[-1] not in log_text
    assert WEBHOOK_TEST_SECRET not in log_text
    leaked = sorted(t for t in typed_by_people(sim) if t in log_text)
    assert not leaked, leaked
