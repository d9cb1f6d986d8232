"""教育培训: a course with check-ins adds 学时, an outside record is approved, /hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import col, select

from bot.demo import Cast
from bot.demo.stage import Stage
from bot.models import Meeting
from simulator import SimMessage, SimUser


def _notice(user: SimUser) -> SimMessage:
    return next(m for m in reversed(user.bot_messages) if "签到" in m.flat_buttons)


async def scene(stage: Stage, cast: Cast) -> None:
    """书记示范班 with 签到 → hours; /training add with a certificate → 通过; /hours."""
    settings = stage.app.bot_data.settings
    assert settings is not None
    secretary, member = cast.branch.secretary, cast.branch.members[0]
    day = (stage.clock.now().astimezone(settings.tz) + timedelta(days=2)).date()

    cast.narrate("教育培训：书记安排一次培训，并用 /course 设为课程“书记示范班”（计为书记培训）")
    await stage.send(secretary, f"/newmeeting 培训 {day.isoformat()} 14:30 区委党校")
    await stage.press(secretary, "确认")
    async with stage.sessions() as s:
        meeting = (await s.exec(select(Meeting).order_by(col(Meeting.id).desc()))).first()
    assert meeting is not None
    await stage.send(secretary, f"/course {meeting.id} 书记示范班 书记")
    await stage.deliver()

    cast.narrate("党员和书记在培训开始前签到；签到即计入学时（请假不计）")
    starts = datetime.combine(day, time(14, 30), tzinfo=settings.tz)
    stage.clock.set(starts - timedelta(minutes=10))
    await stage.press(member, "签到", _notice(member))
    await stage.press(secretary, "签到", _notice(secretary))
    stage.clock.set(starts + timedelta(hours=3))

    cast.narrate("党员用 /training add 记录外部培训，附上证书照片，预览后提交给书记审核")
    await stage.send(member, "/training add")
    await stage.send(member, "社会组织党建工作专题培训")
    await stage.send(member, (day - timedelta(days=5)).isoformat())
    await stage.send(member, "3.5")
    await stage.send(member, "区委组织部")
    await member.send_photo(b"\xff\xd8demo-certificate")
    await stage.settle()
    await stage.press(member, "提交")
    await stage.deliver()

    cast.narrate("书记收到记录和证书（经发送队列），点“通过”；党员收到结果")
    card = next(m for m in reversed(secretary.bot_messages) if "通过" in m.flat_buttons)
    await stage.press(secretary, "通过", card)
    await stage.deliver()

    cast.narrate("/hours：党员看本人学时；书记看本支部谁落后；管理员看各支部和新任书记培训")
    await stage.send(member, "/hours")
    await stage.send(secretary, "/hours")
    await stage.send(cast.admin, "/hours")
    await stage.send(cast.admin, "/targets")
