"""Lists with a button per item, and command arguments given by buttons (issue 16):
/branches and the admins' branch picker (/attendance, /calendar, /term), /pledges,
/training, /notices, /asks and /invite. Each button runs the same command as typing it,
re-checked on the server: a forged or stale press, and another branch's item, refused."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import Branch as BranchRow
from bot.models import Member, Notice, NoticeStatus, Role
from handlers.home.buttons import RunCommand
from handlers.training.buttons import OpenRecord
from simulator import SimMessage
from tests.e2e.test_requests import ask
from tests.e2e.test_study import press_data
from tests.e2e.test_training import add_record
from tests.harness import Harness


async def branch_id(h: Harness, name: str) -> int:
    async with h.sessions() as s:
        found = (await s.exec(select(BranchRow.id).where(BranchRow.name == name))).one()
        assert found is not None
        return found


def shown(message: SimMessage) -> str:
    return message.text + "\n" + "\n".join(message.flat_buttons)


async def second_page(h: Harness, listing: SimMessage, *, first: str, last: str) -> SimMessage:
    """The admin's list on two pages: `first` on the first, ▶ edits it to show `last`."""
    assert "第 1/2 页" in listing.text
    assert first in shown(listing)
    assert last not in shown(listing)
    await h.press(h.admin, "▶", listing)
    page2 = h.admin.message(listing.message_id)
    assert last in shown(page2)
    assert "◀" in page2.flat_buttons
    return page2


def run(command: str, arg: str | None = None, back: str | None = None) -> str:
    return RunCommand(command=command, arg=arg, back=back).encode()


async def test_branches_open_a_card_with_each_branchs_reports(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=2)
    await h.setup_branch("第二党支部", members=1)
    listing = await h.send(h.admin, "/branches")
    assert "第一党支部" in listing.text
    assert listing.flat_buttons == ["第一党支部", "第二党支部"]
    await h.press(h.admin, "第一党支部", listing)
    card = h.admin.message(listing.message_id)  # in place
    assert "第一党支部" in card.text
    assert card.flat_buttons == ["出勤", "组织生活日历", "任期", "返回"]
    await h.press(h.admin, "出勤", card)
    report = h.admin.message(listing.message_id)
    assert "出勤情况" in report.text
    assert "第一党支部" in report.text
    assert report.flat_buttons[:3] == ["本月", "本季度", "上季度"]
    assert "其他支部" in report.flat_buttons
    await h.press(h.admin, "上季度", report)
    assert "第一党支部" in h.admin.message(listing.message_id).text
    await h.press(h.admin, "其他支部", h.admin.message(listing.message_id))
    assert "请选择支部" in h.admin.message(listing.message_id).text
    # The card's other buttons: the calendar (with its periods) and the term.
    listing = await h.send(h.admin, "/branches")
    await h.press(h.admin, "第一党支部", listing)
    await h.press(h.admin, "组织生活日历", h.admin.message(listing.message_id))
    calendar = h.admin.message(listing.message_id)
    assert "组织生活日历" in calendar.text
    assert "第一党支部" in calendar.text
    assert calendar.flat_buttons[:4] == ["本月", "本季度", "上季度", "本年"]
    await h.press(h.admin, "本年", calendar)
    assert "第一党支部" in h.admin.message(listing.message_id).text
    # Forged: a branch that does not exist; a secretary pressing the admin's button.
    assert await press_data(h, h.admin, listing.message_id, run("branches", "@99999")) == ""
    assert "不存在" in h.admin.message(listing.message_id).text
    mine = await h.send(first.secretary, "/members")
    own = await branch_id(h, "第一党支部")
    refused = await press_data(h, first.secretary, mine.message_id, run("branches", f"@{own}"))
    assert "菜单已过期" in refused


async def test_an_admin_without_a_branch_chooses_one_by_button(h: Harness) -> None:
    first = await h.setup_branch("第一党支部", members=1)
    await h.setup_branch("第二党支部", members=1)
    for command, heading in (
        ("attendance", "出勤情况"),
        ("calendar", "组织生活日历"),
        ("term", "任期"),
    ):
        picker = await h.send(h.admin, f"/{command}")
        assert "请选择支部" in picker.text
        assert picker.flat_buttons == ["第一党支部", "第二党支部"]
        await h.press(h.admin, "第二党支部", picker)
        shown = h.admin.message(picker.message_id)
        assert heading in shown.text
        assert "第二党支部" in shown.text
        assert "返回" in shown.flat_buttons  # back to the picker
    # Typed names still work, and a typed period after the branch.
    assert "第一党支部" in (await h.send(h.admin, "/calendar 第一党支部 2026")).text
    # A secretary's forged press naming another branch is refused, not shown.
    other = await branch_id(h, "第二党支部")
    sec = first.secretary
    mine = await h.send(sec, "/attendance")
    answer = await press_data(h, sec, mine.message_id, run("attendance", f"@{other} this month"))
    assert "第二党支部" not in sec.message(mine.message_id).text
    assert "第二党支部" not in answer
    calendar = await h.send(sec, "/calendar")
    await press_data(h, sec, calendar.message_id, run("calendar", f"@{other}"))
    assert "第二党支部" not in sec.message(calendar.message_id).text


async def test_many_branches_are_paged_in_the_picker(h: Harness) -> None:
    async with h.sessions() as s:
        s.add_all(BranchRow(name=f"支部{i:02d}", created_at=h.clock.now()) for i in range(25))
        await s.commit()
    picker = await h.send(h.admin, "/term")
    page2 = await second_page(h, picker, first="支部00", last="支部24")
    await h.press(h.admin, "支部24", page2)
    assert "支部24" in h.admin.message(picker.message_id).text


async def test_pledges_publish_rate_and_another_year_by_button(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    sec = branch.secretary
    cov = None
    await h.send(sec, "/pledges")
    for message in sec.chat[-3:]:
        if "公示" in message.flat_buttons:
            cov = message
    assert cov is not None
    assert "评诺" in cov.flat_buttons
    assert "还没有审核通过" in await h.press(sec, "公示", cov)
    await h.press(sec, "评诺", cov)
    # The admin: the year before, as a button; a secretary forging it is refused.
    overview = await h.send(h.admin, "/pledges")
    year = h.clock.now().year
    assert overview.flat_buttons == [f"{year - 1} 年"]
    await h.press(h.admin, f"{year - 1} 年", overview)
    before = h.admin.message(overview.message_id)
    assert f"{year - 1} 年党员承诺" in before.text
    assert f"{year} 年" in before.flat_buttons
    assert f"{year - 2} 年" in before.flat_buttons
    mine = await h.send(sec, "/members")
    await press_data(h, sec, mine.message_id, run("pledges", str(year - 1)))
    assert "请使用 /pledges" in sec.message(mine.message_id).text


async def test_training_records_have_a_button_each_and_an_add_button(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    other = await h.setup_branch("第二党支部", members=1)
    member = branch.members[0]
    await add_record(h, member, title="党史讲座", hours="2", photo=False)
    await h.deliver()
    listing = await h.send(member, "/training")
    assert "党史讲座" in listing.text
    assert listing.flat_buttons[-1] == "记录外部培训"
    opener = next(b for b in listing.flat_buttons if b.startswith("查看 #"))
    await h.press(member, opener, listing)
    assert "党史讲座" in member.last.text
    # The secretary sees it waiting, with a button.
    waiting = await h.send(branch.secretary, "/training")
    assert "党史讲座" in waiting.text
    await h.press(branch.secretary, opener, waiting)
    assert branch.secretary.last.flat_buttons == ["通过", "退回"]
    # 记录外部培训 opens the form, as /training add does.
    await h.press(member, "记录外部培训", listing)
    assert "培训名称" in member.message(listing.message_id).text
    await h.send(member, "/cancel")
    # Another branch's secretary forging the record's button is refused.
    record_id = int(opener.removeprefix("查看 #"))
    foreign = await h.send(other.secretary, "/training")
    refused = await press_data(
        h, other.secretary, foreign.message_id, OpenRecord(record_id=record_id).encode()
    )
    assert "无权查看" in refused
    # An admin has no own records to add: no add button.
    assert "记录外部培训" not in (await h.send(h.admin, "/training")).flat_buttons


async def test_notices_are_paged_and_receipts_lead_back_to_them(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    async with h.sessions() as s:
        admin = (await s.exec(select(Member).where(Member.role == Role.admin))).first()
        assert admin is not None
        assert admin.id is not None
        later = h.clock.now() + timedelta(days=2)
        s.add_all(
            Notice(
                text=f"定时通知{i:02d}",
                status=NoticeStatus.scheduled,
                send_at=later + timedelta(minutes=i),
                created_by=admin.id,
                created_at=h.clock.now(),
            )
            for i in range(12)
        )
        await s.commit()
    listing = await h.send(h.admin, "/notices")
    await second_page(h, listing, first="定时通知00", last="定时通知11")
    # /receipts offers the other notices; a secretary sees only their own (none here).
    receipts = await h.send(branch.secretary, "/receipts")
    assert "定时通知" not in receipts.text
    mine = await h.send(branch.secretary, "/notices")
    await press_data(h, branch.secretary, mine.message_id, run("notices", "page 1"))
    assert "定时通知" not in branch.secretary.message(mine.message_id).text


async def test_requests_lists_and_statistics_by_button(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    sec, member = branch.secretary, branch.members[0]
    await ask(h, member, "楼道灯坏了")
    await h.deliver()
    listing = await h.send(sec, "/asks")
    assert "我提出的诉求" in listing.flat_buttons
    assert "统计" in listing.flat_buttons
    await h.press(sec, "统计", listing)
    stats = sec.message(listing.message_id)
    assert "诉求统计" in stats.text
    assert stats.flat_buttons[:4] == ["本月", "本季度", "上季度", "本年"]
    await h.press(sec, "本年", stats)
    assert "诉求统计" in sec.message(listing.message_id).text
    await h.press(sec, "返回", sec.message(listing.message_id))
    await h.press(sec, "我提出的诉求", sec.message(listing.message_id))
    assert "您还没有提出过诉求" in sec.message(listing.message_id).text
    # A member has no statistics: the forged press is refused.
    own = await h.send(member, "/asks")
    assert "统计" not in own.flat_buttons
    await press_data(h, member, own.message_id, run("asks", "stats"))
    assert "诉求统计" not in member.message(own.message_id).text


async def test_invite_links_can_be_withdrawn_by_button(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    made = await h.send(branch.secretary, "/invite")
    assert made.flat_buttons == ["撤销未用完的链接"]
    await h.press(branch.secretary, "撤销未用完的链接", made)
    assert "已撤销" in branch.secretary.message(made.message_id).text
