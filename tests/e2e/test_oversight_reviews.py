"""述职评议 e2e: open, draft and submit (text or document), reminders 7 and 1 day before,
members' anonymous 满意度 once, the admins' rating told to the secretary."""

from __future__ import annotations

from sqlmodel import select

from bot.models import AuditLog, SatisfactionVote, SecretaryReport
from schedules.oversight import run_oversight_jobs
from tests.e2e.oversight_support import local
from tests.harness import Harness


def due(user: object) -> list[str]:
    return [m.text for m in user.bot_messages if "尚未提交：/annualreport" in m.text]  # type: ignore[attr-defined]


async def test_review_from_opening_to_rating(h: Harness) -> None:
    a = await h.setup_branch("第一党支部", members=2)
    b = await h.setup_branch("第二党支部", members=1)
    assert "还没有开始述职评议" in (await h.send(h.admin, "/review")).text
    for person in (a.members[0], a.secretary):
        assert "没有这项权限" in (await h.send(person, "/review")).text
    assert "没有这项权限" in (await h.send(a.members[0], "/annualreport")).text
    assert "截止日期" in (await h.send(h.admin, "/review open 2026 2026-11-01")).text
    opened = (await h.send(h.admin, "/review open 2026 2026-12-20")).text
    assert "2026 年述职评议已开始" in opened
    assert "已请 2 位书记提交述职报告" in opened
    await h.deliver()
    assert "请在 2026/12/20 前提交述职报告" in a.secretary.last.text
    assert "已经开始" in (await h.send(h.admin, "/review open 2026 2026-12-31")).text

    # Draft, edit, submit.
    assert "请输入述职报告" in (await h.send(a.secretary, "/annualreport")).text
    draft = await h.send(a.secretary, "一年来，支部按期召开三会一课。")
    assert "述职报告草稿" in draft.text
    assert "一年来，支部按期召开三会一课。" in draft.text
    await h.press(a.secretary, "修改", draft)
    draft = await h.send(a.secretary, "一年来，支部按期召开三会一课，党员参学率 95%。")
    assert "党员参学率 95%" in (await h.send(a.secretary, "/annualreport")).text
    submit = draft.find_button("提交")
    assert submit is not None
    await h.press(a.secretary, "提交", draft)
    assert "已请 2 名党员进行匿名评价" in a.secretary.message(draft.message_id).text
    await a.secretary.press_data(draft.message_id, submit["callback_data"])  # a double tap
    await h.settle()
    assert "已提交，不能再修改" in str(a.secretary.callback_answers[-1])
    assert "年述职报告已于" in (await h.send(a.secretary, "/annualreport")).text
    await h.deliver()

    # Members answer once, anonymously; another branch's member cannot.
    ask = a.members[0].last
    assert "书记的述职报告" in ask.text
    button = ask.find_button("满意")
    assert button is not None
    data = button["callback_data"]
    assert "谢谢" in await h.press(a.members[0], "满意", ask)
    await a.members[0].press_data(ask.message_id, data)
    await h.settle()
    assert "已经评价过了" in str(a.members[0].callback_answers[-1])
    await h.press(a.members[1], "不满意", a.members[1].last)
    other = b.members[0]
    await h.send(other, "/me")
    await other.press_data(other.last.message_id, data)
    await h.settle()
    assert "没有这项权限" in str(other.callback_answers[-1])
    async with h.sessions() as s:
        report = (await s.exec(select(SecretaryReport))).one()
        assert (report.satisfied, report.fairly, report.dissatisfied) == (1, 0, 1)
        assert len((await s.exec(select(SatisfactionVote))).all()) == 2

    # The other secretary sends a document; reminders go only to those not submitted.
    await h.send(b.secretary, "/annualreport")
    await b.secretary.send_document("述职报告.docx", b"docx-bytes", caption="详见附件")
    await h.settle()
    assert "文件：述职报告.docx" in b.secretary.last.text
    h.clock.set(local(2026, 12, 13, 23, 59))
    await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    assert due(b.secretary) == []
    h.clock.set(local(2026, 12, 14, 0, 0))  # 7 days before the end of 20 December
    await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
    await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    assert len(due(b.secretary)) == 1
    assert "还有 7 天截止" in due(b.secretary)[0]
    assert due(a.secretary) == []
    h.clock.set(local(2026, 12, 20, 9, 0))
    await run_oversight_jobs(h.app.bot_data, now=h.clock.now())
    await h.deliver()
    assert len(due(b.secretary)) == 2
    assert "还有 1 天截止" in due(b.secretary)[1]

    # The admins read, see counts and indicators, and rate with a comment.
    overview = await h.send(h.admin, "/review")
    assert "已提交 1/2" in overview.text
    assert "📄 第一党支部" in overview.text
    assert "满意 1 · 基本满意 0 · 不满意 1" in overview.text
    assert "⏳ 第二党支部" in overview.text
    await h.press(h.admin, "第一党支部", overview)
    shown = h.admin.message(overview.message_id).text
    assert "党员参学率 95%" in shown
    assert "支部运行情况：" in shown
    await h.press(h.admin, "较好", overview)
    assert "请输入给书记的评语" in h.admin.last.text
    done = await h.send(h.admin, "认真负责，继续保持")
    assert "已评议 第一党支部：较好，评语：认真负责，继续保持" in done.text
    await h.deliver()
    assert "评议为<b>较好</b>" in a.secretary.last.html or "较好" in a.secretary.last.text
    assert "认真负责，继续保持" in a.secretary.last.text
    async with h.sessions() as s:
        rated = (
            await s.exec(select(AuditLog).where(AuditLog.action == "oversight.review_rated"))
        ).one()
        assert rated.details["rating"] == "fairly_good"
