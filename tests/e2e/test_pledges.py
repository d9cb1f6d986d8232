"""Pledges e2e: 承诺 → 审诺 → 公示 → 践诺 → 评诺, as members, secretaries and admins see it."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.models import (
    Delivery,
    Pledge,
    PledgeEvent,
    PledgeNote,
    PledgeRating,
    PledgeStatus,
    PledgeVersion,
)
from simulator import BotAPISimulator, SimUser
from tests.harness import Branch, Harness, start_bot

COMMITMENTS = "1. 每月参加一次志愿服务\n2、带头学习第一议题\n(3) 联系服务 5 名会员"


async def write_pledge(
    h: Harness,
    member: SimUser,
    post: str = "秘书长",
    duties: str = "负责协会日常事务",
    commitments: str = COMMITMENTS,
) -> None:
    """The member goes through the form up to the preview card (not submitted)."""
    first = await h.send(member, "/pledge")
    assert "亮身份" in first.text
    await h.send(member, post)
    await h.send(member, duties)
    preview = await h.send(member, commitments)
    assert "提交" in preview.flat_buttons


async def submit_pledge(h: Harness, member: SimUser, **kw: str) -> None:
    await write_pledge(h, member, **kw)
    await h.press(member, "提交")
    assert "已提交" in member.last.text or "审核" in member.last.text


async def pledge_row(h: Harness, member: SimUser) -> Pledge:
    async with h.sessions() as s:
        from bot.services.org import member_by_telegram_id

        m = await member_by_telegram_id(s, member.user_id)
        assert m is not None
        row = (await s.exec(select(Pledge).where(Pledge.member_id == m.id))).one()
        return row


async def press_data(h: Harness, user: SimUser, message_id: int, data: str) -> str:
    """Press a button by its callback data (a repeated or forged press); the alert text."""
    before = len(user.callback_answers)
    await user.press_data(message_id, data)
    await h.settle()
    answers = user.callback_answers[before:]
    return str(answers[-1]) if answers else ""


async def events(h: Harness, pledge_id: int | None) -> list[str]:
    async with h.sessions() as s:
        rows = await s.exec(
            select(PledgeEvent)
            .where(PledgeEvent.pledge_id == pledge_id)
            .order_by(col(PledgeEvent.id))
        )
        return [e.action for e in rows]


async def test_member_writes_and_submits_pledge(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    member = branch.members[0]
    await write_pledge(h, member)
    preview = member.last
    assert "秘书长" in preview.text
    assert "第一党支部" in preview.text
    assert "1. 每月参加一次志愿服务" in preview.text
    assert "2. 带头学习第一议题" in preview.text
    assert "3. 联系服务 5 名会员" in preview.text
    await h.press(member, "提交")
    await h.deliver()
    # The secretary gets a heads-up through the outbox.
    assert "/pledges" in branch.secretary.last.text
    row = await pledge_row(h, member)
    assert row.status == PledgeStatus.submitted
    assert row.version == 1
    assert row.commitments == ["每月参加一次志愿服务", "带头学习第一议题", "联系服务 5 名会员"]
    assert row.year == 2026
    view = await h.send(member, "/pledge")
    assert "待审核" in view.text
    assert "修改" in view.flat_buttons


async def test_return_fix_resubmit_approve(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    member, secretary = branch.members[0], branch.secretary
    await submit_pledge(h, member)
    await h.send(secretary, "/pledges")
    card = secretary.last
    assert "秘书长" in card.text
    assert card.flat_buttons == ["通过", "退回"]
    await h.press(secretary, "退回", card)
    assert "退回" in secretary.last.text or "原因" in secretary.last.text
    await h.send(secretary, "承诺要更具体<b>!</b>")
    await h.deliver()
    assert "承诺要更具体<b>!</b>" in member.last.text  # the member gets the comment, escaped
    row = await pledge_row(h, member)
    assert row.status == PledgeStatus.returned
    assert row.review_comment == "承诺要更具体<b>!</b>"
    view = await h.send(member, "/pledge")
    assert "承诺要更具体" in view.text
    await h.press(member, "修改", view)
    await h.press(member, "亮承诺")
    preview = await h.send(member, "每周走访一家会员单位\n每月讲一次微党课")
    assert "每周走访一家会员单位" in preview.text
    assert "秘书长" in preview.text
    await h.press(member, "提交", preview)
    row = await pledge_row(h, member)
    assert (row.status, row.version) == (PledgeStatus.submitted, 2)
    # The old card (version 1) no longer works.
    alert = await h.press(secretary, "通过", card)
    assert "/pledges" in alert
    assert (await pledge_row(h, member)).status == PledgeStatus.submitted
    await h.send(secretary, "/pledges")
    new_card = secretary.last
    assert "每周走访一家会员单位" in new_card.text
    approve_data = new_card.find_button("通过")
    assert approve_data is not None
    await h.press(secretary, "通过", new_card)
    await h.deliver()
    assert "通过" in member.last.text
    member_messages = len(member.bot_messages)
    # A second press (a double tap, or a redelivered update) changes nothing.
    again = await press_data(h, secretary, new_card.message_id, approve_data["callback_data"])
    assert "已通过" in again
    await h.deliver()
    assert len(member.bot_messages) == member_messages
    row = await pledge_row(h, member)
    assert row.status == PledgeStatus.approved
    assert await events(h, row.id) == ["submitted", "returned", "resubmitted", "approved"]
    async with h.sessions() as s:
        versions = list(
            await s.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == row.id))
        )
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].commitments[0] == "每月参加一次志愿服务"
    view = await h.send(member, "/pledge")
    assert "已通过" in view.text
    assert "修改" not in view.flat_buttons


async def test_bad_input_asks_again_and_changes_nothing(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await h.send(member, "/pledge")
    reply = await h.send(member, "职" * 101)
    assert "101" in reply.text
    assert "100" in reply.text
    reply = await h.send(member, "秘书长\n兼会计")
    assert "一行" in reply.text
    await h.send(member, "*秘书长* <i>& 会计</i>")
    await h.send(member, "负责 <script>alert(1)</script> & **日常**")
    reply = await h.send(member, "\n  \n")
    assert "至少填写一条承诺" in reply.text
    reply = await h.send(member, "\n".join(f"{i}. 承诺{i}" for i in range(1, 12)))
    assert "11" in reply.text
    assert "10" in reply.text
    reply = await h.send(member, "好的承诺\n" + "长" * 201)
    assert "第 2 条" in reply.text
    assert "201" in reply.text
    async with h.sessions() as s:
        assert list(await s.exec(select(Pledge))) == []
    preview = await h.send(member, "1. <b>带头</b> & 服务\n2. _学习_")
    # Stored as typed, shown escaped: the person sees their own characters, not markup.
    assert "*秘书长* <i>& 会计</i>" in preview.text
    assert "<script>alert(1)</script> & **日常**" in preview.text
    assert "1. <b>带头</b> & 服务" in preview.text
    assert "&lt;b&gt;" in preview.html
    await h.press(member, "提交", preview)
    row = await pledge_row(h, member)
    assert row.post == "*秘书长* <i>& 会计</i>"
    assert row.duties == "负责 <script>alert(1)</script> & **日常**"
    assert row.commitments == ["<b>带头</b> & 服务", "_学习_"]
    await h.send(branch.secretary, "/pledges")
    assert "<b>带头</b> & 服务" in branch.secretary.last.text


async def test_half_filled_form_survives_restart(sim: BotAPISimulator, engine: AsyncEngine) -> None:
    async with start_bot(sim, engine) as h1:
        branch = await h1.setup_branch(members=1)
        member = branch.members[0]
        await h1.send(member, "/pledge")
        await h1.send(member, "项目主管")
    # The bot process is gone; a new one starts on the same database.
    async with start_bot(sim, engine) as h2:
        prompt = await h2.send(member, "负责项目执行")
        assert "亮承诺" in prompt.text
        preview = await h2.send(member, "按时完成项目")
        assert "项目主管" in preview.text
        assert "负责项目执行" in preview.text
    async with start_bot(sim, engine) as h3:
        await h3.press(member, "提交", preview)
        row = await pledge_row(h3, member)
        assert (row.status, row.post, row.commitments) == (
            PledgeStatus.submitted,
            "项目主管",
            ["按时完成项目"],
        )


async def test_cancel_keeps_draft_and_edit_one_part(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await write_pledge(h, member)
    await h.press(member, "取消")
    assert "已取消" in member.last.text
    assert (await pledge_row(h, member)).status == PledgeStatus.draft
    stale = await h.press(member, "提交", member.last) if member.last.buttons else ""
    assert stale == ""
    resumed = await h.send(member, "/pledge")
    assert "秘书长" in resumed.text
    assert "提交" in resumed.flat_buttons
    await h.press(member, "修改", resumed)
    await h.press(member, "亮身份")
    preview = await h.send(member, "副秘书长")
    assert "副秘书长" in preview.text
    assert "负责协会日常事务" in preview.text
    await h.press(member, "提交", preview)
    row = await pledge_row(h, member)
    assert (row.status, row.post, row.version) == (PledgeStatus.submitted, "副秘书长", 1)
    # An old preview's 提交 pressed again changes nothing.
    alert = await h.press(member, "提交", resumed)
    assert "已经提交" in alert
    assert (await pledge_row(h, member)).version == 1


async def test_other_branch_cannot_review_and_roles_are_checked(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    await submit_pledge(h, first.members[0])
    row = await pledge_row(h, first.members[0])
    await h.send(second.secretary, "/pledges")
    msg = second.secretary.last
    assert "没有待审核" in msg.text
    alert = await press_data(h, second.secretary, msg.message_id, f"plv:{row.id}:1:ok")
    assert "其他党支部" in alert
    alert = await press_data(h, first.members[0], msg.message_id, f"plv:{row.id}:1:ok")
    assert alert  # a member cannot review, not even their own
    alert = await press_data(h, second.secretary, msg.message_id, "plv:x:1:ok")
    assert "失效" in alert
    assert (await pledge_row(h, first.members[0])).status == PledgeStatus.submitted
    refused = await h.send(first.members[0], "/pledges")
    assert "/menu" in refused.text
    refused = await h.send(h.admin, "/pledge")
    assert "/menu" in refused.text


async def test_coverage_and_reminders_once_a_day(h: Harness) -> None:
    branch = await h.setup_branch(members=3)
    await submit_pledge(h, branch.members[0])
    cov = await h.send(branch.secretary, "/pledges")
    cover = branch.secretary.chat[-2]
    assert "4 人中 1 人已提交" in cover.text
    assert "第一党支部党员2" in cover.text
    assert "第一党支部书记" in cover.text
    assert cov.flat_buttons == ["通过", "退回"]
    alert = await h.press(branch.secretary, "提醒未提交的党员", cover)
    assert "3" in alert
    await h.deliver()
    for person in (branch.members[1], branch.members[2], branch.secretary):
        assert "/pledge" in person.last.text
        assert "提醒" in person.last.text
    before = len(branch.members[1].bot_messages)
    alert = await h.press(branch.secretary, "提醒未提交的党员", cover)
    assert "今天都已提醒过" in alert
    await h.deliver()
    assert len(branch.members[1].bot_messages) == before
    h.clock.advance(days=1)
    await submit_pledge(h, branch.members[1])
    submitted_seen = len(branch.members[1].bot_messages)
    waiting_seen = len(branch.members[2].bot_messages)
    alert = await h.press(branch.secretary, "提醒未提交的党员", cover)
    assert alert == "已提醒 2 人。"
    await h.deliver()
    assert len(branch.members[1].bot_messages) == submitted_seen
    assert len(branch.members[2].bot_messages) == waiting_seen + 1
    assert "提醒" in branch.members[2].last.text


async def approve_all(h: Harness, branch: Branch) -> None:
    await h.send(branch.secretary, "/pledges")
    while "通过" in branch.secretary.last.flat_buttons:
        await h.press(branch.secretary, "通过", branch.secretary.last)


async def test_publish_sends_each_member_the_approved_pledges_split_and_escaped(
    h: Harness,
) -> None:
    branch = await h.setup_branch(members=3)
    long_commitments = "\n".join(f"{i}. " + "<&>" * 66 for i in range(1, 11))
    for member in branch.members[:2]:
        await submit_pledge(h, member, duties="& <职责> " * 100, commitments=long_commitments)
    await submit_pledge(h, branch.members[2])
    nothing = await h.send(branch.secretary, "/pledges publish")
    assert "还没有" in nothing.text
    await approve_all(h, branch)
    preview = await h.send(branch.secretary, "/pledges publish")
    assert "3 份" in preview.text
    await h.press(branch.secretary, "确认发送", preview)
    await h.deliver()
    for person in [*branch.members, branch.secretary]:
        parts = [m for m in person.bot_messages if "公示" in m.text and "党员承诺" in m.text]
        assert len(parts) >= 2, person
        assert all(len(m.text) <= 4096 for m in parts)
        joined = "\n".join(m.text for m in parts)
        assert "& <职责>" in joined
        assert "<&><&>" in joined
        assert "每月参加一次志愿服务" in joined
        # Parts may arrive in any order (the outbox sends concurrently); each says which it is.
        assert sorted(m.text.split("(")[1].split(")")[0] for m in parts) == [
            f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)
        ]
    again = await h.send(branch.secretary, "/pledges publish")
    assert "已经公示" in again.text
    alert = await press_data(h, branch.secretary, preview.message_id, "plp:go")
    assert "已经公示" in alert
    async with h.sessions() as s:
        rows = list(await s.exec(select(Pledge)))
        assert all(p.published and p.published_at is not None for p in rows)
        deliveries = list(await s.exec(select(Delivery)))
    # 4 people, each a message in parts; no one got the publication twice.
    per_chat: dict[int, int] = {}
    for d in deliveries:
        if "党员承诺" in d.payload["text"]:
            per_chat[d.chat_id] = per_chat.get(d.chat_id, 0) + 1
    assert len(per_chat) == 4
    assert len(set(per_chat.values())) == 1


async def test_progress_notes_rating_and_admin_overview(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    member, other = branch.members
    await submit_pledge(h, member)
    await submit_pledge(h, other)
    early = await h.send(member, "/pledge note 走访了三家会员单位")
    assert "审核通过后" in early.text
    await approve_all(h, branch)
    empty = await h.send(member, "/pledge note")
    assert "/pledge note" in empty.text
    done = await h.send(member, "/pledge note 走访了三家<会员>单位")
    assert "已记录" in done.text
    again = await h.send(member, "/pledge note 走访了三家<会员>单位")
    assert "已经记过" in again.text
    h.clock.advance(days=3)
    await h.send(member, "/pledge note 讲了一次微党课")
    view = await h.send(member, "/pledge")
    assert "走访了三家<会员>单位" in view.text
    assert "讲了一次微党课" in view.text
    async with h.sessions() as s:
        notes = list(await s.exec(select(PledgeNote).order_by(col(PledgeNote.id))))
    assert [n.noted_on.isoformat() for n in notes] == ["2026-11-27", "2026-11-30"]

    card = await h.send(branch.secretary, "/pledges rate")
    assert "还剩 2 份" in card.text
    await h.press(branch.secretary, "优秀", card)
    await h.send(branch.secretary, "践诺扎实，<继续>保持")
    card = branch.secretary.last
    await h.deliver()
    assert "优秀" in member.last.text
    assert "践诺扎实，<继续>保持" in member.last.text
    assert "还剩 1 份" in card.text
    await h.press(branch.secretary, "合格", card)
    await h.press(branch.secretary, "不写评语")
    assert "今年审核通过的承诺都已评诺" in branch.secretary.last.text
    await h.deliver()
    assert "合格" in other.last.text
    alert = await h.press(branch.secretary, "不写评语")
    assert "已经记录" in alert
    view = await h.send(member, "/pledge")
    assert "评诺结果：优秀" in view.text
    assert "践诺扎实" in view.text
    row = await pledge_row(h, member)
    assert (row.rating, row.rating_comment) == (PledgeRating.excellent, "践诺扎实，<继续>保持")
    assert await events(h, row.id) == ["submitted", "approved", "note", "note", "rated"]

    overview = await h.send(h.admin, "/pledges")
    assert "第一党支部" in overview.text
    assert "3 人中 2 人已提交" in overview.text
    assert "优秀 1 · 合格 1 · 基本合格 0 · 不合格 0 · 未评 0" in overview.text


async def test_demo_scene_acts_out_the_cycle(h: Harness) -> None:
    from bot.demo import Cast
    from bot.demo.pledges import scene

    branch = await h.setup_branch(members=3)
    await scene(h, Cast(admin=h.admin, branch=branch))
    row = await pledge_row(h, branch.members[0])
    assert (row.status, row.version, row.rating) == (
        PledgeStatus.approved,
        2,
        PledgeRating.excellent,
    )
    assert await events(h, row.id) == [
        "submitted",
        "returned",
        "resubmitted",
        "approved",
        "published",
        "note",
        "rated",
    ]
    assert "优秀 1 · 合格 2" in h.admin.last.text


async def add_people(h: Harness, branch: Branch, count: int, name: str) -> list[int]:
    """`count` more members in the branch, written straight to the database (ids returned)."""
    from bot.models import Member
    from bot.services.org import member_by_telegram_id

    async with h.sessions() as s:
        secretary = await member_by_telegram_id(s, branch.secretary.user_id)
        assert secretary is not None
        people = [
            Member(
                telegram_user_id=900_000 + i,
                branch_id=secretary.branch_id,
                name=name.format(i=i),
                joined_at=h.clock.now(),
            )
            for i in range(count)
        ]
        s.add_all(people)
        await s.commit()
        return [p.id for p in people if p.id is not None]


async def test_coverage_of_300_people_fits_telegram(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    await add_people(h, branch, 300, "社会组织联合党支部党员&<{i:03d}>")
    before = len(branch.secretary.bot_messages)
    await h.send(branch.secretary, "/pledges")
    sent = branch.secretary.bot_messages[before:]
    assert all(len(m.text) <= 4096 for m in sent)
    listed = "\n".join(m.text for m in sent)
    assert "302 人中 0 人已提交" in listed
    assert "社会组织联合党支部党员&<000>" in listed
    assert "社会组织联合党支部党员&<299>" in listed
    remind = [m for m in sent if "提醒未提交的党员" in m.flat_buttons]
    assert len(remind) == 1
    alert = await h.press(branch.secretary, "提醒未提交的党员", remind[0])
    assert "302" in alert


async def test_edit_left_open_is_closed_once_the_pledge_is_approved(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await submit_pledge(h, member)
    view = await h.send(member, "/pledge")
    await h.press(member, "修改", view)
    await h.press(member, "亮身份")
    preview = await h.send(member, "副秘书长")
    # The secretary approves the version they saw while the member is still editing.
    await approve_all(h, branch)
    alert = await h.press(member, "提交", preview)
    assert "已通过" in alert
    view = await h.send(member, "/pledge")
    # The member sees what was approved, not the unsent edit with a 提交 button.
    assert "已通过" in view.text
    assert "秘书长" in view.text
    assert "副秘书长" not in view.text
    assert "提交" not in view.flat_buttons
    row = await pledge_row(h, member)
    assert (row.status, row.post, row.version) == (PledgeStatus.approved, "秘书长", 1)
    async with h.sessions() as s:
        from bot.services import forms

        assert await forms.current(s, telegram_user_id=member.user_id) is None


async def test_edit_of_approved_pledge_typed_later_is_closed(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await submit_pledge(h, member)
    view = await h.send(member, "/pledge")
    await h.press(member, "修改", view)
    await h.press(member, "亮职责")
    await approve_all(h, branch)
    # The member comes back and types the new duties into a form that no longer applies.
    reply = await h.send(member, "负责会员服务")
    assert "已通过" in reply.text
    row = await pledge_row(h, member)
    assert (row.status, row.duties) == (PledgeStatus.approved, "负责协会日常事务")
    view = await h.send(member, "/pledge")
    assert "已通过" in view.text
    assert "提交" not in view.flat_buttons


async def test_publication_is_written_once_per_language_not_per_person(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 people × 300 pledges rendered per person kept the bot busy for seconds."""
    import handlers.pledges.messages as pledge_handlers

    branch = await h.setup_branch(members=2)
    await add_people(h, branch, 40, "党员{i}")
    await h.send(branch.members[1], "/lang")
    await h.press(branch.members[1], "English")
    await submit_pledge(h, branch.members[0])
    await approve_all(h, branch)
    rendered: list[str] = []
    original = pledge_handlers.publication

    def counting(t, *args, **kw):  # type: ignore[no-untyped-def]
        rendered.append(t.locale)
        return original(t, *args, **kw)

    monkeypatch.setattr(pledge_handlers, "publication", counting)
    preview = await h.send(branch.secretary, "/pledges publish")
    await h.press(branch.secretary, "确认发送", preview)
    await h.deliver()
    assert sorted(rendered) == ["en", "zh_CN"]
    assert "党员承诺" in branch.members[0].last.text
    assert "秘书长" in branch.members[1].last.text
    assert "党员承诺" not in branch.members[1].last.text


async def test_rating_after_new_year_still_reaches_last_years_pledges(h: Harness) -> None:
    """评诺 often happens in January (民主评议): the year just ended must still be rateable."""
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await submit_pledge(h, member)
    await approve_all(h, branch)
    # 00:30 on 2 January in Shanghai is still 1 January in UTC.
    h.clock.set(h.clock.now().replace(year=2027, month=1, day=1, hour=16, minute=30))
    card = await h.send(branch.secretary, "/pledges rate")
    assert "2026" in card.text
    assert "优秀" in card.flat_buttons
    await h.press(branch.secretary, "基本合格", card)
    await h.press(branch.secretary, "不写评语")
    await h.deliver()
    assert "2026" in member.last.text
    assert "基本合格" in member.last.text
    row = await pledge_row(h, member)
    assert (row.year, row.rating) == (2026, PledgeRating.basic)
    # The admin still sees how the year just ended was rated.
    now = await h.send(h.admin, "/pledges")
    assert "2027" in now.text
    assert "查看其他年份：/pledges 2026" in now.text
    last = await h.send(h.admin, "/pledges 2026")
    assert "2026" in last.text
    assert "优秀 0 · 合格 0 · 基本合格 1 · 不合格 0 · 未评 0" in last.text


async def test_admin_overview_does_not_query_per_branch(h: Harness) -> None:
    from sqlalchemy import event

    from bot.models import Branch as BranchRow

    first = await h.setup_branch(members=2)
    await submit_pledge(h, first.members[0])
    async with h.sessions() as s:
        s.add_all(BranchRow(name=f"第{i}联合党支部", created_at=h.clock.now()) for i in range(30))
        await s.commit()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(h.engine.sync_engine, "before_cursor_execute", count)
    try:
        overview = await h.send(h.admin, "/pledges")
    finally:
        event.remove(h.engine.sync_engine, "before_cursor_execute", count)
    assert "第一党支部" in "\n".join(m.text for m in h.admin.bot_messages[-3:])
    assert "第29联合党支部" in overview.text
    pledge_selects = [q for q in statements if "FROM pledge" in q]
    assert len(pledge_selects) <= 2, len(pledge_selects)


async def test_forged_return_and_rating_from_another_branch_change_nothing(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    second = await h.setup_branch("第二党支部", members=1)
    owner = first.members[0]
    await submit_pledge(h, owner)
    row = await pledge_row(h, owner)
    msg = await h.send(second.secretary, "/pledges")
    alert = await press_data(h, second.secretary, msg.message_id, f"plv:{row.id}:1:ret")
    assert "其他党支部" in alert
    # No comment form was opened: what the stranger types next is not a return comment.
    await h.send(second.secretary, "随便写点")
    assert (await pledge_row(h, owner)).status == PledgeStatus.submitted
    await approve_all(h, first)
    for data in (f"plr:{row.id}:u", f"plr:{row.id}:skip"):
        alert = await press_data(h, second.secretary, msg.message_id, data)
        assert "其他党支部" in alert
    for person, data in (
        (second.members[0], f"plr:{row.id}:u"),
        (second.members[0], "plc:remind"),
        (second.members[0], "plp:go"),
        (owner, f"plr:{row.id}:e"),
    ):
        own = await h.send(person, "/pledge")
        alert = await press_data(h, person, own.message_id, data)
        assert "/menu" in alert
    row = await pledge_row(h, owner)
    assert (row.status, row.rating, row.published) == (PledgeStatus.approved, None, False)
    async with h.sessions() as s:
        deliveries = list(await s.exec(select(Delivery)))
    assert [d.payload["text"] for d in deliveries if "提醒" in d.payload["text"]] == []
    assert not [d for d in deliveries if "党员承诺" in d.payload["text"]]


async def test_pledge_submitted_on_new_years_eve_can_be_reviewed_in_january(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    # 23:50 on 31 December in Shanghai.
    h.clock.set(h.clock.now().replace(month=12, day=31, hour=15, minute=50))
    await submit_pledge(h, member)
    h.clock.advance(days=2)
    card = await h.send(branch.secretary, "/pledges")
    assert "2026" in card.text
    assert card.flat_buttons == ["通过", "退回"]
    await h.press(branch.secretary, "通过", card)
    row = await pledge_row(h, member)
    assert (row.year, row.status) == (2026, PledgeStatus.approved)
    await h.deliver()
    assert "2026" in member.last.text


async def test_old_rating_card_pressed_again_changes_nothing(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await submit_pledge(h, member)
    await approve_all(h, branch)
    card = await h.send(branch.secretary, "/pledges rate")
    await h.press(branch.secretary, "优秀", card)
    await h.send(branch.secretary, "很好")
    await h.deliver()
    seen = len(member.bot_messages)
    # A tap on the same card later (or the update delivered again) is not a new rating.
    alert = await h.press(branch.secretary, "不合格", card)
    assert "已评诺" in alert
    assert "优秀" in alert
    typed = await h.send(branch.secretary, "补充一句")
    assert "不合格" not in typed.text
    row = await pledge_row(h, member)
    assert (row.rating, row.rating_comment) == (PledgeRating.excellent, "很好")
    await h.deliver()
    assert len(member.bot_messages) == seen
    assert await events(h, row.id) == ["submitted", "approved", "rated"]


async def test_secretary_pledge_is_reviewed_by_the_committee_not_by_themselves(
    h: Harness,
) -> None:
    branch = await h.setup_branch(members=1)
    secretary, member = branch.secretary, branch.members[0]
    await submit_pledge(h, secretary, post="党支部书记")
    assert "党委" in secretary.last.text
    await h.deliver()
    # The committee gets the heads-up, not the secretary themselves.
    assert "/pledges" in h.admin.last.text
    await submit_pledge(h, member)
    own = await pledge_row(h, secretary)
    # The secretary's queue holds the member's pledge only.
    card = await h.send(secretary, "/pledges")
    assert "秘书长" in card.text
    assert "党支部书记" not in card.text
    assert "共 1 份待审核" in card.text
    forged = await press_data(h, secretary, card.message_id, f"plv:{own.id}:1:ok")
    assert "不能审核自己的承诺" in forged
    forged = await press_data(h, secretary, card.message_id, f"plv:{own.id}:1:ret")
    assert "不能审核自己的承诺" in forged
    typed = await h.send(secretary, "写个退回意见")  # no comment form was opened
    assert "退回" not in typed.text
    assert (await pledge_row(h, secretary)).status == PledgeStatus.submitted
    await h.press(secretary, "通过", card)
    assert "没有待审核" in secretary.last.text
    # The admin's /pledges: the overview, then the secretary's pledge with the same buttons.
    await h.send(h.admin, "/pledges")
    admin_card = h.admin.last
    assert "党支部书记" in admin_card.text
    assert admin_card.flat_buttons == ["通过", "退回"]
    await h.press(h.admin, "退回", admin_card)
    await h.send(h.admin, "职责写得再<i>具体</i>些")
    await h.deliver()
    assert "党委退回" in secretary.last.text
    assert "职责写得再<i>具体</i>些" in secretary.last.text  # stored as typed, shown escaped
    assert "没有待审核" in h.admin.last.text
    view = await h.send(secretary, "/pledge")
    await h.press(secretary, "修改", view)
    await h.press(secretary, "亮承诺")
    preview = await h.send(secretary, "每月给党员讲一次党课")
    await h.press(secretary, "提交", preview)
    await h.send(h.admin, "/pledges")
    admin_card = h.admin.last
    assert "每月给党员讲一次党课" in admin_card.text
    await h.press(h.admin, "通过", admin_card)
    await h.deliver()
    assert "党委审核通过" in secretary.last.text
    row = await pledge_row(h, secretary)
    assert (row.status, row.version) == (PledgeStatus.approved, 2)
    async with h.sessions() as s:
        from bot.services.org import member_by_telegram_id

        admin = await member_by_telegram_id(s, h.admin.user_id)
        assert admin is not None
    assert row.reviewed_by == admin.id
    assert await events(h, row.id) == ["submitted", "returned", "resubmitted", "approved"]


async def test_admin_cannot_review_a_members_pledge(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member = branch.members[0]
    await submit_pledge(h, member)
    row = await pledge_row(h, member)
    overview = await h.send(h.admin, "/pledges")
    assert "通过" not in overview.flat_buttons  # members' pledges are not in the admin's queue
    for action in ("ok", "ret"):
        alert = await press_data(h, h.admin, overview.message_id, f"plv:{row.id}:1:{action}")
        assert "由所在党支部书记审核" in alert
    typed = await h.send(h.admin, "退回意见")
    assert "已退回" not in typed.text
    row = await pledge_row(h, member)
    assert (row.status, row.reviewed_by) == (PledgeStatus.submitted, None)
    # The branch secretary still reviews it as before.
    await approve_all(h, branch)
    assert (await pledge_row(h, member)).status == PledgeStatus.approved


async def test_pledge_returned_in_december_is_fixed_in_january(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member, secretary = branch.members[0], branch.secretary
    h.clock.set(h.clock.now().replace(month=12, day=20))
    await submit_pledge(h, member)
    card = await h.send(secretary, "/pledges")
    await h.press(secretary, "退回", card)
    await h.send(secretary, "请写具体的服务次数")
    # 00:30 on 2 January in Shanghai (still 1 January in UTC).
    h.clock.set(h.clock.now().replace(year=2027, month=1, day=1, hour=16, minute=30))
    view = await h.send(member, "/pledge")
    assert "2026" in view.text
    assert "请写具体的服务次数" in view.text
    assert "1 月底前仍可修改" in view.text
    assert view.flat_buttons == ["修改"]
    await h.press(member, "修改", view)
    await h.press(member, "亮承诺")
    preview = await h.send(member, "每月参加两次志愿服务")
    assert "2026" in preview.text
    await h.press(member, "提交", preview)
    row = await pledge_row(h, member)  # still the one 2026 pledge: no 2027 draft was made
    assert (row.year, row.status, row.version) == (2026, PledgeStatus.submitted, 2)
    assert row.commitments == ["每月参加两次志愿服务"]
    me = await h.send(member, "/me")
    assert "2026" in me.text
    card = await h.send(secretary, "/pledges")
    assert "每月参加两次志愿服务" in card.text
    await h.press(secretary, "通过", card)
    await h.deliver()
    assert "2026" in member.last.text
    row = await pledge_row(h, member)
    assert (row.year, row.status) == (2026, PledgeStatus.approved)
    # Once last year's is approved, /pledge starts the pledge of the new year.
    start = await h.send(member, "/pledge")
    assert "亮身份" in start.text
    assert "2027" in start.text
