"""Organisation e2e: branches, invites, joining, roster, /me, /help, /lang, refusals."""

from __future__ import annotations

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
