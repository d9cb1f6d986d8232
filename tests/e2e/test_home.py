"""The home screen (首页): sections per role, commands run in place, stale menus, /help."""

from __future__ import annotations

from sqlmodel import select

from bot.models import Member, Role
from handlers.home.buttons import RunCommand, RunItem
from handlers.home.sections import SECTIONS
from tests.harness import Harness

MEMBER_SECTIONS = ["我的会议", "我的承诺", "我的记录", "我的诉求"]
SECRETARY_SECTIONS = ["会议管理", "党员管理", "通知", "统计"]
ADMIN_SECTIONS = ["全部支部", "广播"]


async def test_each_role_sees_its_sections(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = (await h.send(branch.members[0], "/menu")).flat_buttons
    assert set(MEMBER_SECTIONS) <= set(member)
    assert not set(SECRETARY_SECTIONS + ADMIN_SECTIONS) & set(member)
    secretary = (await h.send(branch.secretary, "/menu")).flat_buttons
    assert set(MEMBER_SECTIONS + SECRETARY_SECTIONS) <= set(secretary)
    assert not set(ADMIN_SECTIONS) & set(secretary)
    admin = (await h.send(h.admin, "/menu")).flat_buttons
    assert set(ADMIN_SECTIONS) <= set(admin)
    assert "我的记录" in admin
    assert not {"我的会议", "会议管理", "党员管理"} & set(admin)
    # 预警 is there because oversight's /warnings is registered (a section shows only
    # when one of its commands is).
    assert "预警" in admin
    assert "预警" not in secretary


async def test_start_shows_the_home_screen_with_what_waits(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    await h.send(branch.secretary, "/newmeeting 支部党员大会 2026-12-02 14:30 会议室")
    await h.press(branch.secretary, "确认")
    await h.deliver()
    home = await h.send(branch.members[0], "/start")
    assert "首页" in home.text
    assert "1 个会议待回复" in home.text
    assert "目前没有待办事项" in (await h.send(h.admin, "/start")).text


async def test_a_section_runs_its_command_in_place_and_back_returns(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    secretary = branch.secretary
    home = await h.send(secretary, "/menu")
    count = len(secretary.bot_messages)
    await h.press(secretary, "党员管理", home)
    section = secretary.message(home.message_id)
    assert "党员管理" in section.text
    assert "党员名册" in section.flat_buttons
    await h.press(secretary, "党员名册", section)
    roster = secretary.message(home.message_id)
    assert "第一党支部党员2" in roster.text  # the same text /members gives
    assert roster.flat_buttons[-1] == "返回"
    assert len(secretary.bot_messages) == count  # edited in place, no new message
    await h.press(secretary, "返回", roster)
    assert "党员名册" in secretary.message(home.message_id).flat_buttons
    await h.press(secretary, "返回", secretary.message(home.message_id))
    assert "首页" in secretary.message(home.message_id).text
    assert len(secretary.bot_messages) == count


async def test_a_stale_menu_after_a_role_change_is_refused_politely(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    secretary = branch.secretary
    home = await h.send(secretary, "/menu")
    await h.press(secretary, "党员管理", home)
    section = secretary.message(home.message_id)
    async with h.sessions() as s:
        row = (await s.exec(select(Member).where(Member.telegram_user_id == secretary.id))).one()
        row.role = Role.member
        await s.commit()
    toast = await h.press(secretary, "党员名册", section)
    assert "菜单已过期" in toast
    now = secretary.message(home.message_id)
    assert "首页" in now.text
    assert "党员管理" not in now.flat_buttons
    assert "第一党支部党员1" not in now.text


async def test_every_menu_button_is_rechecked_on_the_server(h: Harness) -> None:
    """Forged presses of every item for a role that may not run it: refused, nothing run."""
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    home = await h.send(member, "/menu")
    count = len(member.bot_messages)
    for section, spec in SECTIONS.items():
        if "member" in spec.roles:
            continue
        for index in range(len(spec.items)):
            data = RunItem(section=section, item=index).encode()
            before = len(member.callback_answers)
            await member.press_data(home.message_id, data)
            await h.settle()
            assert "菜单已过期" in member.callback_answers[before]
    assert len(member.bot_messages) == count  # nothing ran


async def test_help_is_grouped_and_unknown_commands_are_answered(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    text = (await h.send(branch.secretary, "/help")).text
    assert "/menu" in text
    assert text.index("会议管理") < text.index("/newmeeting")
    assert text.count("/invite —") == 1
    for word in ("/calender", "/foo"):
        reply = await h.send(branch.members[0], word)
        assert word in reply.text
        assert "/menu" in reply.text
    refused = await h.send(branch.members[0], "/invite")
    assert "没有这项权限" in refused.text
    assert "/menu" in refused.text
    english = h.person("Guest", language_code="en")
    assert "/menu" in (await h.send(english, "/calender")).text
    # A command that exists but not for this role points to /menu too.
    calendar = await h.send(branch.members[0], "/calendar")
    assert "没有这项权限" in calendar.text
    assert "/menu" in calendar.text


async def test_lists_offer_a_button_per_item_and_arguments_by_buttons(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    secretary = branch.secretary
    await h.send(secretary, "/newmeeting 支部党员大会 2026-12-02 14:30 会议室")
    await h.press(secretary, "确认")
    await h.deliver()
    listing = await h.send(secretary, "/meetings")
    label = next(b for b in listing.flat_buttons if b.startswith("#1 "))
    await h.press(secretary, label, listing)
    details = secretary.message(listing.message_id)
    assert "会议室" in details.text  # the same report /attendance 1 gives
    assert {"上传会议记录", "取消会议", "返回"} <= set(details.flat_buttons)
    await h.press(secretary, "取消会议", details)
    assert "取消" in secretary.message(listing.message_id).text
    await h.press(secretary, "取消", secretary.message(listing.message_id))  # keep it
    # /attendance offers the periods and the meetings as buttons.
    report = await h.send(secretary, "/attendance")
    assert report.buttons[0] == ["本月", "本季度", "上季度"]
    await h.press(secretary, "上季度", report)
    assert "出勤情况 2026-Q3" in secretary.message(report.message_id).text
    await h.press(secretary, "选择会议", secretary.message(report.message_id))
    assert any(b.startswith("#1 ") for b in secretary.message(report.message_id).flat_buttons)
    # A member pressing a secretary's list button (forged) is refused on the server.
    member = branch.members[0]
    home = await h.send(member, "/menu")
    await member.press_data(home.message_id, RunCommand(command="attendance", arg="1").encode())
    await h.settle()
    assert "菜单已过期" in member.callback_answers[-1]


async def test_the_notice_list_opens_each_notices_receipts(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    await h.send(h.admin, "/broadcast 周五前提交材料")
    await h.press(h.admin, "确认发送")
    await h.deliver()
    listing = await h.send(h.admin, "/notices")
    await h.press(h.admin, "#1 确认情况", listing)
    receipts = h.admin.message(listing.message_id)
    assert "第一党支部党员1" in receipts.text  # not yet confirmed, by name: /receipts 1
    assert receipts.flat_buttons[-1] == "返回"
    await h.press(h.admin, "返回", receipts)
    assert "#1 确认情况" in h.admin.message(listing.message_id).flat_buttons
    assert "周五前提交材料" in branch.members[0].last.text
