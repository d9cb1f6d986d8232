"""Organisation e2e: branches, invites, joining, roster, /me, /help, /lang, refusals."""

from __future__ import annotations

from bot.services import audit
from tests.harness import Harness


async def test_admin_creates_branch_and_people_join(h: Harness) -> None:
    branch = await h.setup_branch("第一党支部", members=3)
    me = await h.send(branch.members[0], "/me")
    assert "第一党支部党员1" in me.text
    assert "第一党支部" in me.text
    assert "党员" in me.text
    overview = await h.send(h.admin, "/branches")
    assert "第一党支部" in overview.text
    assert "第一党支部书记" in overview.text
    roster = await h.send(branch.secretary, "/members")
    for i in range(1, 4):
        assert f"第一党支部党员{i}" in roster.text
    assert "/committee" in roster.text
    # Marking a member as 支委 (through /committee) shows in the roster.
    await h.send(branch.secretary, "/committee")
    await h.press(branch.secretary, "· 第一党支部党员1")
    roster = await h.send(branch.secretary, "/members")
    assert "第一党支部党员1 — 党员、支委" in roster.text


async def test_help_lists_exactly_what_each_role_may_do(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    admin_help = (await h.send(h.admin, "/help")).text
    assert "/newbranch <名称>" in admin_help  # shown literally, not taken for an HTML tag
    assert "/branches" in admin_help
    assert "/invite" not in admin_help
    secretary_help = (await h.send(branch.secretary, "/help")).text
    assert "/invite" in secretary_help
    assert "/members" in secretary_help
    assert "/newbranch" not in secretary_help
    member_help = (await h.send(branch.members[0], "/help")).text
    assert "/me" in member_help
    assert "/invite" not in member_help
    assert "/members" not in member_help


async def test_admin_reads_the_audit_log(h: Harness) -> None:
    branch = await h.setup_branch("审计党支部", members=0)
    await h.send(branch.secretary, "/invite revoke")
    log = (await h.send(h.admin, "/audit")).text
    assert "创建党支部" in log
    assert "生成邀请链接" in log
    assert "撤销邀请链接" in log
    assert "审计党支部书记" in log  # who revoked
    assert "创建党支部 审计党支部" in log  # the subject by name, not "branch:1"
    assert "branch:" not in log
    assert "没有这项权限" in (await h.send(branch.secretary, "/audit")).text


async def test_the_audit_log_names_every_action_in_words(h: Harness) -> None:
    """Actions once shown as raw codes (notice.pause, pledge.approved …) read as words."""
    words = {
        "notice.pause": "暂停通知",
        "notice.resume": "继续发送通知",
        "notice.cancel": "取消通知",
        "pledge.approved": "通过承诺",
        "pledge.returned": "退回承诺",
        "leave.rejected": "不批准请假",
        "committee.unset": "移出支委",
    }
    await h.send(h.admin, "/help")  # the admin's row exists from here on
    async with h.sessions() as s:
        for action in words:
            await audit.record(s, actor_id=None, action=action, now=h.clock.now())
        await s.commit()
    log = (await h.send(h.admin, "/audit")).text
    for action, text in words.items():
        assert text in log
        assert action not in log
