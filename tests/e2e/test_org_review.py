"""Organisation e2e found in review: big rosters, admins and invites, menus, repeated presses."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.delivery.message import TEXT_MAX_CHARS
from bot.models import Branch, Invite, Member, Role
from simulator import BotAPISimulator
from tests.harness import START, Harness, invite_token, start_bot


async def test_a_roster_of_300_people_arrives_in_several_messages(h: Harness) -> None:
    branch = await h.setup_branch("大党支部", members=0)
    async with h.sessions() as s:
        row = (await s.exec(select(Branch).where(Branch.name == "大党支部"))).one()
        for i in range(300):
            s.add(
                Member(
                    telegram_user_id=50_000_000 + i,
                    branch_id=row.id,
                    name=f"某某社会组织党员<{i:03d}>",
                    role=Role.member,
                    joined_at=START,
                )
            )
        await s.commit()
    before = len(branch.secretary.bot_messages)
    await h.send(branch.secretary, "/members")
    parts = branch.secretary.bot_messages[before:]
    assert len(parts) > 1
    assert all(len(p.text) <= TEXT_MAX_CHARS for p in parts)
    everything = "\n".join(p.text for p in parts)
    assert "301" in parts[0].text  # the header counts everyone, secretary included
    for i in (0, 150, 299):
        assert f"某某社会组织党员<{i:03d}>" in everything  # escaped, shown as typed


async def test_two_hundred_branches_are_listed_a_page_at_a_time(h: Harness) -> None:
    async with h.sessions() as s:
        for i in range(200):
            s.add(Branch(name=f"某某社会组织联合党支部&第{i:03d}号", created_at=START))
        await s.commit()
    listing = await h.send(h.admin, "/branches")
    assert "第 1/10 页" in listing.text
    assert "联合党支部&第000号" in listing.text  # escaped, shown as typed
    assert "联合党支部&第199号" not in listing.text
    assert len(listing.flat_buttons) == 21  # a button per branch on the page, and ▶
    for _ in range(9):
        await h.press(h.admin, "▶", h.admin.message(listing.message_id))
    last = h.admin.message(listing.message_id)
    assert "第 10/10 页" in last.text
    assert "联合党支部&第199号" in last.text
    assert "某某社会组织联合党支部&第199号" in last.flat_buttons


async def test_an_admin_opening_an_invite_link_is_told_why_not(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    reply = await h.send(h.admin, f"/start {token}")
    assert "管理员" in reply.text
    assert "已加入。" not in reply.text  # not "you already joined <nothing>"
    async with h.sessions() as s:
        invite = (await s.exec(select(Invite).where(Invite.token == token))).one()
        admin = (await s.exec(select(Member).where(Member.telegram_user_id == h.admin.id))).one()
    assert invite.uses == 0
    assert admin.role == Role.admin
    assert admin.branch_id is None


async def test_admins_get_their_menu(h: Harness, sim: BotAPISimulator) -> None:
    await h.send(h.admin, "/start")
    menu = {c["command"] for c in sim.commands({"type": "chat", "chat_id": h.admin.id})}
    assert {"newbranch", "branches", "audit", "help", "me"} <= menu
    assert "invite" not in menu


async def test_guests_are_not_offered_a_language_switch_that_cannot_work(h: Harness) -> None:
    guest = h.person("路人")
    assert "/lang" not in (await h.send(guest, "/help")).text
    reply = await h.send(guest, "/lang")
    assert "邀请链接" in reply.text
    assert reply.buttons == []


async def test_pressing_the_name_button_twice_says_it_was_saved(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    person = h.person("吴十")
    await h.send(person, f"/start {token}")
    welcome = person.last
    await h.press(person, "使用“吴十”")
    await person.press_data(welcome.message_id, "name:ok")  # a second tap or a redelivery
    await h.settle()
    assert "已保存" in person.callback_answers[-1]
    assert "吴十" in person.callback_answers[-1]
    assert sum("登记完成" in m.text for m in person.bot_messages) == 1


async def test_member_invites_run_out_after_their_uses(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    async with start_bot(sim, engine, invite_max_uses=2) as h:
        branch = await h.setup_branch(members=0)
        link = (await h.send(branch.secretary, "/invite")).text
        assert "2" in link
        token = invite_token(link)
        await h.join(h.person("甲"), token, name="甲")
        await h.join(h.person("乙"), token, name="乙")
        third = h.person("丙")
        assert "已被使用" in (await h.send(third, f"/start {token}")).text
        async with h.sessions() as s:
            assert (
                await s.exec(select(Member).where(Member.telegram_user_id == third.id))
            ).first() is None


async def test_revoking_touches_only_the_own_branch(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=0)
    second = await h.setup_branch("第二党支部", members=0)
    token = invite_token((await h.send(second.secretary, "/invite")).text)
    await h.send(first.secretary, "/invite revoke")
    person = h.person("郑十一")
    await h.join(person, token, name="郑十一")
    assert "第二党支部" in (await h.send(person, "/me")).text
