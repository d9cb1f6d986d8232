"""诉求 e2e: /ask → 受理 → 办结 → rating, 退回 once, 转交党委, escalation, refusals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.models import Delivery, DeliveryStatus, Request, RequestEvent, RequestRating, RequestState
from schedules.requests import escalate_due
from simulator import BotAPISimulator, SimUser
from simulator.people import Alert
from tests.harness import Harness, start_bot


async def ask(h: Harness, member: SimUser, text: str, kind: str = "诉求") -> str:
    """The member raises a request through the form; returns the confirmation text."""
    await h.send(member, "/ask")
    await h.press(member, kind)
    preview = await h.send(member, text)
    assert "提交" in preview.flat_buttons
    await h.press(member, "提交")
    return member.last.text


async def only_request(h: Harness) -> Request:
    async with h.sessions() as s:
        return (await s.exec(select(Request))).one()


async def actions(h: Harness, request_id: int | None) -> list[str]:
    async with h.sessions() as s:
        rows = await s.exec(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(col(RequestEvent.id))
        )
        return [e.action for e in rows]


async def snapshot(h: Harness) -> tuple[object, ...]:
    """Everything a refused press could have changed."""
    async with h.sessions() as s:
        requests = [r.model_dump() for r in await s.exec(select(Request).order_by(col(Request.id)))]
        events = (await s.exec(select(func.count()).select_from(RequestEvent))).one()
        deliveries = (await s.exec(select(func.count()).select_from(Delivery))).one()
    return (requests, events, deliveries)


async def test_whole_path_ask_accept_resolve_rate(h: Harness) -> None:
    branch = await h.setup_branch(members=2)
    member, secretary = branch.members[0], branch.secretary
    confirmation = await ask(h, member, "小区楼道灯坏了三个月，希望协调物业维修。", kind="困难求助")
    assert "困难求助 #1" in confirmation
    assert "1 人" in confirmation  # the confirmation says to how many it went
    # 提交 pressed again (a double tap) records nothing more and says why.
    alert = await press_forged(h, member, "rqs:submit", member.last.message_id)
    assert "已经提交" in alert
    await h.deliver()
    card = secretary.last
    assert "困难求助 #1" in card.text
    assert "楼道灯" in card.text
    assert card.flat_buttons[:2] == ["受理", "转交党委"]

    await h.press(secretary, "受理", card)
    assert "已受理" in secretary.last.text
    await h.deliver()
    assert "已受理" in member.last.text
    assert branch.name + "书记" in member.last.text

    await h.press(secretary, "办结")
    await h.send(secretary, "已联系物业，本周五前更换灯具。")
    assert "办结" in secretary.last.text
    await h.deliver()
    told = member.last
    assert "已办结" in told.text
    assert "本周五前更换灯具" in told.text
    assert {"满意", "基本满意", "不满意"} <= set(told.flat_buttons)

    fair = told.find_button("基本满意")
    assert fair is not None
    await h.press(member, "满意", told)
    assert "满意" in member.last.text
    request = await only_request(h)
    assert request.state == RequestState.closed
    assert request.rating == RequestRating.satisfied
    assert request.text == "小区楼道灯坏了三个月，希望协调物业维修。"
    assert await actions(h, request.id) == ["submitted", "accepted", "resolved", "rated"]
    # A second press of a rating records nothing and says so.
    alert = await press_forged(h, member, fair["callback_data"], told.message_id)
    assert "已经评价" in alert
    assert (await only_request(h)).rating == RequestRating.satisfied
    await h.deliver()
    assert "满意" in secretary.last.text  # the handler hears of the rating

    listing = await h.send(member, "/asks")
    assert "#1" in listing.text


async def test_dissatisfied_reopens_once(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member, secretary = branch.members[0], branch.secretary
    await ask(h, member, "建议增加周末活动。", kind="建议")
    await h.deliver()
    await h.press(secretary, "受理")
    for round_ in range(2):
        await h.press(secretary, "办结")
        await h.send(secretary, f"第 {round_ + 1} 次答复")
        await h.deliver()
        await h.press(member, "不满意", member.last)
        if round_ == 0:
            assert "原因" in member.last.text
            await h.send(member, "没有说明具体时间")
            assert "退回" in member.last.text
            request = await only_request(h)
            assert request.state == RequestState.reopened
            assert request.reopen_reason == "没有说明具体时间"
            await h.deliver()
            assert "没有说明具体时间" in secretary.last.text
    request = await only_request(h)
    assert request.state == RequestState.closed
    assert request.rating == RequestRating.dissatisfied
    assert (await actions(h, request.id)).count("reopened") == 1


async def test_forward_to_committee_and_admin_resolves(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member, secretary = branch.members[0], branch.secretary
    await ask(h, member, "跨支部的场地问题")
    await h.deliver()
    await h.press(secretary, "转交党委")
    await h.send(secretary, "涉及多个支部，需要党委协调")
    assert "转交党委" in secretary.last.text
    await h.deliver()
    admin_card = h.admin.last
    assert "涉及多个支部" in admin_card.text
    assert "跨支部的场地问题" in admin_card.text
    assert "已转交" in member.last.text
    # The secretary can no longer accept it; the admin can.
    async with h.sessions() as s:
        request = (await s.exec(select(Request))).one()
    assert request.state == RequestState.forwarded
    await h.press(h.admin, "受理", admin_card)
    await h.press(h.admin, "办结")
    await h.send(h.admin, "党委已协调场地")
    await h.deliver()
    assert "党委已协调场地" in member.last.text
    listing = await h.send(h.admin, "/asks")
    assert "没有等待党委办理" in listing.text


async def test_refusals_for_every_wrong_role(h: Harness) -> None:
    one = await h.setup_branch("第一党支部", members=1)
    two = await h.setup_branch("第二党支部", members=1)
    await ask(h, one.members[0], "第一支部的诉求")
    await h.deliver()
    card = one.secretary.last
    request = await only_request(h)
    stranger = h.person("路人")
    before = await snapshot(h)
    for data in (f"rqa:{request.id}:accept", f"rqa:{request.id}:forward", f"rqo:{request.id}"):
        for intruder in (stranger, two.members[0], two.secretary):
            await intruder.send("/help")
            await h.settle()
            alert = await press_forged(h, intruder, data)
            assert alert.show_alert, alert
            assert any(w in alert for w in ("无权查看", "权限", "加入")), alert
            assert "第一支部的诉求" not in intruder.last.text
            if intruder is not stranger and data.startswith("rqo"):
                assert "无权查看" in alert
    # The member who raised it cannot accept it either.
    alert = await press_forged(h, one.members[0], f"rqa:{request.id}:accept")
    assert "权限" in alert
    assert await snapshot(h) == before
    # A member cannot open stats; the other branch's secretary sees only their branch.
    reply = await h.send(one.members[0], "/asks stats")
    assert "权限" in reply.text
    reply = await h.send(two.secretary, "/asks stats")
    assert "第二党支部" in reply.text
    assert "第一党支部" not in reply.text
    assert card.find_button("受理") is not None


async def press_forged(
    h: Harness, user: SimUser, data: str, message_id: int | None = None
) -> Alert:
    """Press a button by its callback data (a repeated or forged press); the alert text."""
    before = len(user.callback_answers)
    await user.press_data(message_id or user.last.message_id, data)
    await h.settle()
    answers = user.callback_answers[before:]
    assert answers, "the press was not answered"
    return answers[-1]


async def test_html_escaped_and_photo_forwarded_by_file_id(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member, secretary = branch.members[0], branch.secretary
    await h.send(member, "/ask")
    await h.press(member, "诉求")
    await member.send_photo(b"\xff\xd8jpeg", caption="<b>不是粗体</b> & 照片")
    await h.settle()
    preview = member.last
    assert "<b>不是粗体</b> & 照片" in preview.text
    await h.press(member, "提交")
    await h.deliver()
    request = await only_request(h)
    assert request.text == "<b>不是粗体</b> & 照片"
    assert request.media_kind == "photo"
    assert request.file_id
    texts = [m for m in secretary.bot_messages if "不是粗体" in m.text]
    assert texts
    assert "&lt;b&gt;" in texts[-1].html
    photo = secretary.last
    assert photo.raw["photo"][-1]["file_id"] == request.file_id


async def test_blocked_secretary_recorded_and_escalates_once_across_restart(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    async with start_bot(sim, engine) as h:
        branch = await h.setup_branch(members=1)
        member, secretary = branch.members[0], branch.secretary
        await secretary.block()
        await h.settle()
        confirmation = await ask(h, member, "需要帮助")
        assert "#1" in confirmation
        assert "抱歉" not in confirmation
        await h.deliver()
        async with h.sessions() as s:
            statuses = list(
                await s.exec(select(Delivery.status).where(Delivery.chat_id == secretary.user_id))
            )
        assert DeliveryStatus.blocked in statuses
        request = await only_request(h)
        assert request.state == RequestState.submitted
        # 2026-11-27 is a Friday: the limit is Tuesday 10:00, not Sunday.
        assert request.accept_due_at == request.created_at + timedelta(days=4)
        early = await escalate_due(h.app.bot_data, now=request.accept_due_at - timedelta(minutes=1))
        assert early == []
        h.clock.set(request.accept_due_at)
        done = await escalate_due(h.app.bot_data, now=h.clock.now())
        assert len(done) == 1
        await h.deliver()
        assert "未按时受理" in h.admin.last.text or "没有按时受理" in h.admin.last.text
        admin_messages = len(h.admin.bot_messages)
        when = request.accept_due_at
    async with start_bot(sim, engine) as h2:
        h2.clock.set(when + timedelta(hours=1))
        assert await escalate_due(h2.app.bot_data, now=h2.clock.now()) == []
        await h2.deliver()
        assert len(h2.admin.bot_messages) == admin_messages
        # The admin takes it over; the member is told.
        await h2.press(h2.admin, "受理")
        await h2.deliver()
        taken = await only_request(h2)
        assert taken.state == RequestState.accepted
        assert taken.handler_id is not None
        assert "已受理" in member.last.text
        # 15 days later it escalates again, once, because it is still not resolved.
        late = request.resolve_due_at
        h2.clock.set(late)
        assert len(await escalate_due(h2.app.bot_data, now=late)) == 1
        assert await escalate_due(h2.app.bot_data, now=late) == []


async def test_admin_takes_over_an_overdue_request(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member, secretary = branch.members[0], branch.secretary
    await ask(h, member, "一直没有回音的诉求")
    await h.deliver()
    await h.press(secretary, "受理")
    await h.deliver()
    request = await only_request(h)
    h.clock.set(request.resolve_due_at)
    assert len(await escalate_due(h.app.bot_data, now=h.clock.now())) == 1
    await h.deliver()
    warning = h.admin.last
    assert "未按时办结" in warning.text
    await h.press(h.admin, "接手办理", warning)
    await h.deliver()
    assert "接手办理" in member.last.text
    assert "接手办理" in secretary.last.text
    taken = await only_request(h)
    async with h.sessions() as s:
        from bot.services.org import member_by_telegram_id

        admin = await member_by_telegram_id(s, h.admin.user_id)
    assert admin is not None
    assert taken.handler_id == admin.id
    listing = await h.send(h.admin, "/asks")
    assert "#1" in listing.text
    # The secretary who no longer handles it can still see it, and stats count it.
    stats = await h.send(h.admin, "/asks stats 2026-Q4")
    assert "收到 1 条" in stats.text
    assert "响应率 100%" in stats.text


async def test_resolved_with_a_document_keeps_its_file_and_caption(h: Harness) -> None:
    branch = await h.setup_branch(members=1)
    member, secretary = branch.members[0], branch.secretary
    await ask(h, member, "活动室的投影仪坏了。")
    await h.deliver()
    await h.press(secretary, "受理", secretary.last)
    await h.press(secretary, "办结")
    await secretary.send_document("维修单.pdf", b"%PDF-1.4", caption="已报修，见维修单。")
    await h.settle()
    assert "办结" in secretary.last.text
    request = await only_request(h)
    assert request.state == RequestState.resolved
    assert request.reply_media_kind == "document"
    assert request.reply_file_id
    assert request.reply == "已报修，见维修单。"
