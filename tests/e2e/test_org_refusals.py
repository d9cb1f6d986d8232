"""Organisation e2e: everything a person may get wrong gets a kind answer and changes nothing."""

from __future__ import annotations

from sqlmodel import func, select

from bot.models import AuditLog, Branch, Invite, Member, MemberStatus
from simulator import BotAPISimulator
from tests.harness import Harness, invite_token


async def count(h: Harness, model: type) -> int:
    async with h.sessions() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def test_member_cannot_create_branches_or_invite(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    branches_before = await count(h, Branch)
    assert "没有这项权限" in (await h.send(member, "/newbranch 冒牌支部")).text
    assert "没有这项权限" in (await h.send(member, "/invite")).text
    assert "没有这项权限" in (await h.send(member, "/members")).text
    assert "没有这项权限" in (await h.send(branch.secretary, "/newbranch 另一个")).text
    assert "没有这项权限" in (await h.send(branch.secretary, "/branches")).text
    assert await count(h, Branch) == branches_before


async def test_stranger_is_told_how_to_join(h: Harness) -> None:
    stranger = h.person("路人")
    reply = await h.send(stranger, "/start")
    assert "邀请链接" in reply.text
    assert "没有加入" in (await h.send(stranger, "/me")).text
    help_text = (await h.send(stranger, "/help")).text
    assert "/start" in help_text
    assert "/newbranch" not in help_text
    assert await count(h, Member) == 0


async def test_secretary_sees_only_own_branch(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    roster = (await h.send(first.secretary, "/members")).text
    assert "第一党支部党员1" in roster
    assert "第二党支部党员1" not in roster
    link = (await h.send(first.secretary, "/invite")).text
    newcomer = h.person("新人")
    await h.join(newcomer, invite_token(link), name="新人甲")
    assert "第一党支部" in (await h.send(newcomer, "/me")).text
    assert "新人甲" not in (await h.send(second.secretary, "/members")).text


async def test_bad_invite_tokens_are_refused(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    stranger = h.person("路人")
    assert "无效" in (await h.send(stranger, "/start made-up-token")).text

    # A one-time secretary link cannot be used twice.
    reply = await h.send(h.admin, "/newbranch 第三党支部")
    token = invite_token(reply.text)
    await h.join(h.person("书记"), token, name="书记甲")
    assert "已被使用" in (await h.send(stranger, f"/start {token}")).text

    # Expired.
    old = invite_token((await h.send(branch.secretary, "/invite")).text)
    h.clock.advance(days=8)
    assert "已过期" in (await h.send(stranger, f"/start {old}")).text

    # Revoked.
    fresh = invite_token((await h.send(branch.secretary, "/invite")).text)
    assert "1" in (await h.send(branch.secretary, "/invite revoke")).text
    assert "已被撤销" in (await h.send(stranger, f"/start {fresh}")).text

    async with h.sessions() as s:
        assert (
            await s.exec(select(Member).where(Member.telegram_user_id == stranger.id))
        ).first() is None
        actions = [a.action for a in await s.exec(select(AuditLog))]
    assert "invite.revoked" in actions
    assert "branch.created" in actions


async def test_start_twice_keeps_one_membership(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    member = branch.members[0]
    reply = await h.send(member, f"/start {token}")
    assert "已加入" in reply.text
    async with h.sessions() as s:
        invite = (await s.exec(select(Invite).where(Invite.token == token))).one()
        assert invite.uses == 0
    plain = await h.send(member, "/start")
    assert "首页" in plain.text  # a known person gets their home screen, not the join speech
    assert "我的记录" in plain.flat_buttons


async def test_names_are_validated_and_stored_as_typed(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    person = h.person("小王")
    await h.send(person, f"/start {token}")
    assert "不能为空" in (await h.send(person, "   ")).text
    assert "最多 64" in (await h.send(person, "长" * 200)).text
    # Still in the form: a proper name now completes it, HTML kept as typed and shown escaped.
    done = await h.send(person, "<b>HTML</b>")
    assert "<b>HTML</b>" in done.text  # shown literally, not bold
    async with h.sessions() as s:
        member = (await s.exec(select(Member).where(Member.telegram_user_id == person.id))).one()
    assert member.name == "<b>HTML</b>"
    me = await h.send(person, "/me")
    assert "<b>HTML</b>" in me.text
    assert not any(
        e.get("type") == "bold" and me.text[e["offset"] : e["offset"] + e["length"]] == "HTML"
        for e in me.entities
    )


async def test_accepting_the_telegram_name(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    person = h.person("赵六")
    await h.join(person, token)  # presses “使用“赵六””
    assert "赵六" in (await h.send(person, "/me")).text
    # The pressed message lost its button; a stale client pressing it again changes nothing
    # and is told the name is already saved.
    welcome = next(m for m in person.bot_messages if "姓名：赵六" in m.text)
    assert welcome.buttons == []
    await person.press_data(welcome.message_id, "name:ok")
    await h.settle()
    assert "已保存" in person.callback_answers[-1]
    assert "赵六" in (await h.send(person, "/me")).text


async def test_cancel_leaves_the_name_form(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    person = h.person("钱七")
    await h.send(person, f"/start {token}")
    assert "已取消" in (await h.send(person, "/cancel")).text
    assert "没有需要取消" in (await h.send(person, "/cancel")).text
    assert "没有理解" in (await h.send(person, "随便说点什么")).text


async def test_language_switch_and_menus(h: Harness, sim: BotAPISimulator) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await h.send(member, "/lang")
    await h.press(member, "English")
    me = await h.send(member, "/me")
    assert "Branch:" in me.text
    menu = sim.commands({"type": "chat", "chat_id": member.id})
    names = {c["command"] for c in menu}
    assert {"help", "me", "lang"} <= names
    assert "newbranch" not in names
    assert any(c["description"] == "what you can do" for c in menu)
    secretary_menu = {
        c["command"] for c in sim.commands({"type": "chat", "chat_id": branch.secretary.id})
    }
    assert {"invite", "members"} <= secretary_menu


async def test_blocking_the_bot_updates_status(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await member.block()
    await h.settle()
    async with h.sessions() as s:
        row = (await s.exec(select(Member).where(Member.telegram_user_id == member.id))).one()
        assert row.status == MemberStatus.blocked
    assert "已屏蔽" in (await h.send(branch.secretary, "/members")).text
    await member.unblock()
    await h.settle()
    async with h.sessions() as s:
        row = (await s.exec(select(Member).where(Member.telegram_user_id == member.id))).one()
        assert row.status == MemberStatus.active


async def test_forged_button_is_refused(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await member.press_data(member.last.message_id, "lang:xx")
    await h.settle()
    assert "失效" in member.callback_answers[-1]
    await member.press_data(member.last.message_id, "nonsense:1:2")
    await h.settle()
    assert "失效" in member.callback_answers[-1]


async def test_invite_expiry_is_shown_in_local_time(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    link = (await h.send(branch.secretary, "/invite")).text
    assert "2026-12-04 10:00" in link  # 10:00 Asia/Shanghai, seven days on


async def test_every_press_is_answered_once(h: Harness, sim: BotAPISimulator) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await h.send(member, "/lang")
    before = len(sim.calls_to("answerCallbackQuery"))
    await h.press(member, "English")
    assert len(sim.calls_to("answerCallbackQuery")) == before + 1


async def test_a_file_nobody_expects_gets_an_answer(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await member.send_document("notes.txt", b"hello")
    await h.settle()
    assert "用不到这个文件" in member.last.text
    token = invite_token((await h.send(branch.secretary, "/invite")).text)
    newcomer = h.person("周九")
    await h.send(newcomer, f"/start {token}")
    await newcomer.send_document("photo.txt", b"x")  # the name form wants text
    await h.settle()
    assert "需要输入文字" in newcomer.last.text
    assert "登记完成" in (await h.send(newcomer, "周九")).text
