"""Reports e2e: /report sends a chart, /export a workbook matching the database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from matplotlib import image
from openpyxl import Workbook, load_workbook
from sqlmodel import col, select

from bot.models import (
    Attendance,
    AuditLog,
    Branch,
    HealthLevel,
    LeaveStatus,
    Meeting,
    MeetingKind,
    Member,
    Notice,
    NoticeReceipt,
    NoticeStatus,
    Pledge,
    PledgeRating,
    PledgeStatus,
    Rsvp,
    StudyItem,
    StudyRecord,
    StudyStatus,
    StudyTarget,
)
from bot.services.oversight import calendar as cal
from bot.services.oversight import health
from bot.services.oversight.indicators import Thresholds
from bot.services.training import hours
from bot.services.training.hours import people_of, year_of
from bot.services.training.targets import Targets
from handlers.meetings.views import kind_name
from tests.e2e.oversight_support import add_meeting, add_term, backdate_branch
from tests.harness import Branch as Setup
from tests.harness import Harness

TZ = ZoneInfo("Asia/Shanghai")
SHEETS = ["会议", "出勤", "学习", "承诺", "通知", "回执", "学时", "组织生活日历", "支部等级"]
AT = datetime(2026, 11, 10, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai, inside 2026-Q4


async def record_a_quarter(h: Harness, branch_name: str) -> None:
    """A meeting with every kind of answer, a study item, pledges and a notice."""
    async with h.sessions() as s:
        branch = (await s.exec(select(Branch).where(Branch.name == branch_name))).one()
        people = list(
            await s.exec(
                select(Member).where(Member.branch_id == branch.id).order_by(col(Member.id))
            )
        )
        sec, a, b, c = people
        a.name = "=SUM(A1)"  # a name that looks like a formula stays text
        m = Meeting(
            branch_id=branch.id,
            kind=MeetingKind.assembly,
            starts_at=AT,
            ends_at=AT + timedelta(hours=2),
            place="三楼会议室",
            first_topic="学习全会精神",
            first_topic_studied=True,
            minutes_text="-会议纪要",
            created_at=AT,
        )
        s.add(m)
        await s.flush()
        s.add_all(
            [
                Attendance(meeting_id=m.id, member_id=sec.id, rsvp=Rsvp.attend, checked_in_at=AT),
                Attendance(
                    meeting_id=m.id,
                    member_id=a.id,
                    rsvp=Rsvp.attend,
                    checked_in_at=AT + timedelta(minutes=10),
                    late=True,
                ),
                Attendance(
                    meeting_id=m.id,
                    member_id=b.id,
                    rsvp=Rsvp.leave,
                    leave_reason="@出差",
                    leave_status=LeaveStatus.approved,
                ),
                Attendance(meeting_id=m.id, member_id=c.id),
            ]
        )
        item = StudyItem(
            title="学习贯彻全会精神", status=StudyStatus.published, created_at=AT, published_at=AT
        )
        s.add(item)
        await s.flush()
        s.add(StudyTarget(item_id=item.id, branch_id=branch.id, push_at=AT, pushed_at=AT))
        s.add_all(
            [
                StudyRecord(
                    item_id=item.id,
                    member_id=a.id,
                    completed_at=AT,
                    reflection="+深受教育",
                    reflected_at=AT,
                    updated_at=AT,
                ),
                StudyRecord(item_id=item.id, member_id=b.id, completed_at=AT, updated_at=AT),
            ]
        )
        s.add(
            Pledge(
                member_id=a.id,
                branch_id=branch.id,
                year=2026,
                post="志愿者",
                duties="服务",
                status=PledgeStatus.approved,
                submitted_at=AT,
                rating=PledgeRating.excellent,
                rating_comment="好",
                created_at=AT,
                updated_at=AT,
            )
        )
        notice = Notice(
            text="<b>请</b>按时参会", status=NoticeStatus.done, created_by=sec.id, created_at=AT
        )
        s.add(notice)
        await s.flush()
        s.add_all(
            [
                NoticeReceipt(
                    notice_id=notice.id,
                    member_id=p.id,
                    branch_id=branch.id,
                    acked_at=AT if p is a else None,
                )
                for p in people
            ]
        )
        await s.commit()


def local(dt: datetime) -> datetime:
    return dt.astimezone(TZ).replace(tzinfo=None)


def assert_a_real_picture(png: bytes) -> None:
    pixels = image.imread(BytesIO(png))
    height, width = pixels.shape[:2]
    assert 600 <= width <= 1280
    assert height >= 300
    colours = {tuple(p) for p in pixels.reshape(-1, pixels.shape[2])[::5]}
    assert len(colours) > 50  # not blank: bars, text and anti-aliasing


async def test_secretary_report_is_a_chart_with_a_summary(h: Harness) -> None:
    one = await h.setup_branch("阳光支部", members=3)
    await record_a_quarter(h, "阳光支部")
    msg = await h.send(one.secretary, "/report 2026-Q4")
    assert msg.photo is not None
    assert_a_real_picture(msg.photo.content)
    assert "阳光支部" in msg.text
    assert "50%（2/4）" in msg.text  # attendance: 2 of 4 checked in
    assert "25%（1/4）" in msg.text  # pledges: 1 of 4 submitted


async def test_export_matches_the_database_cell_by_cell(h: Harness) -> None:
    one = await h.setup_branch("阳光支部", members=3)
    await record_a_quarter(h, "阳光支部")
    msg = await h.send(one.secretary, "/export 2026-Q4")
    assert msg.document is not None
    assert msg.document.filename == "党建台账_阳光支部_2026-Q4.xlsx"
    wb = load_workbook(BytesIO(msg.document.content))
    assert wb.sheetnames == SHEETS
    meetings = list(wb["会议"].values)
    assert meetings[1] == (
        "阳光支部",
        1,
        "支部党员大会",
        local(AT),
        "三楼会议室",
        "学习全会精神",
        "是",
        "-会议纪要",
        None,
    )
    rows = list(wb["出勤"].values)
    assert rows[0][:6] == ("党支部", "会议", "类型", "时间", "姓名", "出勤")
    got = {r[4]: r[5:] for r in rows[1:]}
    assert got == {
        "阳光支部书记": ("出席", None, None, local(AT), "否"),
        "=SUM(A1)": ("出席", None, None, local(AT + timedelta(minutes=10)), "是"),
        "阳光支部党员2": ("请假", "@出差", "已批准", None, None),
        "阳光支部党员3": ("缺席", None, None, None, None),
    }
    study = list(wb["学习"].values)[1:]
    assert {(r[3], r[5]) for r in study} == {("=SUM(A1)", "+深受教育"), ("阳光支部党员2", None)}
    pledges = {r[1]: r[3:] for r in list(wb["承诺"].values)[1:]}
    assert pledges["=SUM(A1)"] == ("已通过", "志愿者", local(AT), "优秀", "好")
    assert pledges["阳光支部党员3"][0] == "未开始"
    assert list(wb["通知"].values)[1] == (1, local(AT), "请按时参会", "是", 4, 1)
    assert len(list(wb["回执"].values)) == 5
    ws = wb["出勤"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J5"
    async with h.sessions() as s:
        logged = (await s.exec(select(AuditLog).where(AuditLog.action == "report.exported"))).one()
        sec = (await s.exec(select(Member).where(Member.name == "阳光支部书记"))).one()
    assert logged.actor_id == sec.id
    assert logged.details["period"] == "2026-Q4"
    assert "records exported" not in (await h.send(h.admin, "/audit")).text


async def test_english_reader_gets_english_headers_and_name(h: Harness) -> None:
    one = await h.setup_branch("阳光支部", members=3)
    await record_a_quarter(h, "阳光支部")
    await h.send(one.secretary, "/lang")
    await h.press(one.secretary, "English")
    msg = await h.send(one.secretary, "/export 2026-Q4")
    assert msg.document is not None
    assert msg.document.filename == "records_阳光支部_2026-Q4.xlsx"
    wb = load_workbook(BytesIO(msg.document.content))
    assert next(iter(wb["Attendance"].values))[:2] == ("Branch", "Meeting")


async def test_a_period_with_no_data_says_so(h: Harness) -> None:
    one = await h.setup_branch("阳光支部", members=3)
    await record_a_quarter(h, "阳光支部")
    msg = await h.send(one.secretary, "/report 2025-Q1")
    assert msg.photo is None
    assert "没有记录" in msg.text


async def test_members_and_other_branches_are_refused(h: Harness) -> None:
    one = await h.setup_branch("阳光支部", members=3)
    two = await h.setup_branch("星火支部", members=1)
    await record_a_quarter(h, "阳光支部")
    member = one.members[0]
    for command in ("/report", "/export"):
        reply = await h.send(member, command)
        assert reply.photo is None
        assert reply.document is None
    for command in ("/report 阳光支部 2026-Q4", "/export 阳光支部 2026-Q4"):
        reply = await h.send(one.secretary, command)  # own branch by name: fine
        assert reply.photo is not None or reply.document is not None
    other = two.secretary
    before = len(other.bot_messages)
    for command in ("/report 阳光支部 2026-Q4", "/export 阳光支部"):
        reply = await h.send(other, command)
        assert reply.photo is None
        assert reply.document is None
        assert "只能查看本支部" in reply.text
    assert all(m.photo is None and m.document is None for m in other.bot_messages[before:])


async def test_bad_period_is_explained(h: Harness) -> None:
    one = await h.setup_branch("阳光支部", members=1)
    reply = await h.send(one.secretary, "/report 明年")
    assert "明年" in reply.text
    assert "2026-Q4" in reply.text


async def committee_of_two(h: Harness) -> tuple[Setup, Setup]:
    """阳光支部 (its term recorded, a quarter recorded): 正常; 星火支部 (in the bot since
    January, nothing held, no term): 预警 for the missed 党员大会 of Q3 among others."""
    one = await h.setup_branch("阳光支部", members=3)
    two = await h.setup_branch("星火支部", members=1)
    await record_a_quarter(h, "阳光支部")
    await add_term(h, "阳光支部", "2025-06-01")
    await backdate_branch(h, "星火支部", datetime(2026, 1, 1, tzinfo=UTC))
    return one, two


async def test_committee_report_shows_the_levels_and_who_needs_attention(h: Harness) -> None:
    await committee_of_two(h)
    msg = await h.send(h.admin, "/report 2026-Q4")
    assert msg.photo is not None
    assert_a_real_picture(msg.photo.content)
    assert "全部支部" in msg.text
    async with h.sessions() as s:
        thresholds = Thresholds.from_settings(h.app.bot_data.settings)
        healths = await health.evaluate_all(s, now=h.clock.now(), tz=TZ, thresholds=thresholds)
    level = {b.name: b.level for b in healths}
    assert level == {"阳光支部": HealthLevel.green, "星火支部": HealthLevel.red}
    assert "等级：正常 1 · 关注 0 · 预警 1" in msg.text
    assert "最需关注：星火支部" in msg.text


async def test_secretary_report_has_no_committee_levels(h: Harness) -> None:
    one, _two = await committee_of_two(h)
    msg = await h.send(one.secretary, "/report 2026-Q4")
    assert msg.photo is not None
    assert "等级" not in msg.text


async def test_export_carries_calendar_levels_and_training_hours(h: Harness) -> None:
    await committee_of_two(h)
    await add_meeting(h, "阳光支部", MeetingKind.lecture, AT + timedelta(days=1), checkins=2)
    doc = await h.send(h.admin, "/export 2026-Q4")
    assert doc.document is not None
    assert doc.document.filename == "党建台账_全部支部_2026-Q4.xlsx"
    wb = load_workbook(BytesIO(doc.document.content))
    assert wb.sheetnames == SHEETS
    for name in ("学时", "组织生活日历", "支部等级"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    levels = list(wb["支部等级"].values)
    assert levels[0] == ("党支部", "等级", "原因")
    assert levels[1][:2] == ("星火支部", "预警")  # 预警 first, as /warnings lists them
    assert "党员大会" in levels[1][2]
    assert "换届：任期未登记" in levels[1][2]
    assert levels[2] == ("阳光支部", "正常", None)
    await assert_calendar_matches(h, wb, "阳光支部")
    await assert_calendar_matches(h, wb, "星火支部")
    await assert_hours_match(h, wb, "阳光支部")


async def assert_calendar_matches(h: Harness, wb: Workbook, name: str) -> None:
    """The sheet's rows of a branch are what /calendar 2026-Q4 shows it, cell by cell."""
    async with h.sessions() as s:
        sec = (await s.exec(select(Member).where(Member.name == f"{name}书记"))).one()
        shown = await cal.calendar(s, actor=sec, period_text="2026-Q4", now=h.clock.now(), tz=TZ)
    t = h.app.bot_data.catalogs.translator("zh_CN", TZ)
    expected = [
        (
            name,
            kind_name(t, r.kind),
            r.period.label,
            datetime.combine(r.period.last, time()),
            r.required,
            len(r.held),
            len(r.scheduled),
            r.missing,
            r.exempt_reason,
        )
        for r in shown.rows
        if r.period.first <= h.clock.now().date()
    ]
    rows = [r for r in list(wb["组织生活日历"].values)[1:] if r[0] == name]
    assert rows == expected
    assert rows  # the rules apply to every branch


async def assert_hours_match(h: Harness, wb: Workbook, name: str) -> None:
    """学时 as /hours counts them: the 党课 for the two who checked in, 0.5 per item."""
    async with h.sessions() as s:
        branch = (await s.exec(select(Branch).where(Branch.name == name))).one()
        people = await people_of(s, branch.id)
        year = year_of(h.clock.now(), TZ)
        tallies = await hours.tallies(
            s, people=people, scope=branch.id, year=year, targets=Targets()
        )
    rows = [r for r in list(wb["学时"].values)[1:] if r[0] == name]
    assert rows == [
        (
            name,
            t.name,
            {"secretary": "支部书记", "member": "党员"}[t.role.value],
            2026,
            t.meeting / 10,
            t.study / 10,
            t.external / 10,
            t.total / 10,
            t.target / 10,
            t.expected / 10,
            "是" if t.behind else "否",
        )
        for t in tallies
    ]
    got = {r[1]: r[4:6] for r in rows}
    assert got["阳光支部书记"] == (1.0, 0)  # add_meeting's 党课 lasts an hour
    assert got["=SUM(A1)"] == (1.0, 0.5)
    assert got["阳光支部党员2"] == (0, 0.5)
