"""三会一课: the secretary schedules a 党员大会; notice, one 请假 approved, 签到, attendance."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import col, select

from bot.demo import Cast
from bot.demo.stage import Stage
from bot.models import Meeting
from schedules.meetings import send_due_reminders


async def scene(stage: Stage, cast: Cast) -> None:
    """Schedule, notice, answers, leave approval, reminder, check-ins, attendance table."""
    secretary = cast.branch.secretary
    first, second, third = cast.branch.members[:3]
    settings = stage.app.bot_data.settings
    assert settings is not None
    day = (stage.clock.now().astimezone(settings.tz) + timedelta(days=3)).date()
    starts = datetime.combine(day, time(14, 30), tzinfo=settings.tz)

    cast.narrate("三会一课：书记用一行命令安排支部党员大会，先预览再确认")
    await stage.send(secretary, f"/newmeeting 党员大会 {day.isoformat()} 14:30 党群服务中心二楼")
    await stage.press(secretary, "修改")
    await stage.press(secretary, "第一议题")
    await stage.send(secretary, "学习习近平总书记关于社会组织党建工作的重要论述")
    await stage.press(secretary, "确认")

    cast.narrate("会议通知经发送队列送达每位参会人，带“出席”“请假”“签到”按钮")
    await stage.deliver()
    await stage.press(first, "出席")
    await stage.press(third, "Attend")  # the member who chose English

    cast.narrate("一名党员请假并填写事由，书记批准，党员收到结果")
    await stage.press(second, "请假")
    await stage.send(second, "当天在外地参加行业协会年会")
    await stage.deliver()
    await stage.press(secretary, "批准")
    await stage.deliver()

    cast.narrate("会前 1 小时提醒（已批准请假的党员不再提醒）")
    stage.clock.set(starts - timedelta(minutes=55))
    await send_due_reminders(stage.app.bot_data, now=stage.clock.now())
    await stage.deliver()

    cast.narrate("签到：会前 30 分钟开放；重复点击只记一次；开始后签到记为迟到")
    stage.clock.set(starts - timedelta(minutes=10))
    await stage.press(first, "签到")
    await stage.press(first, "签到")
    await stage.press(secretary, "签到")
    stage.clock.set(starts + timedelta(minutes=7))
    await stage.press(third, "Check in")

    cast.narrate("会后：书记上传会议记录，查看本次会议出勤表和本季度统计")
    stage.clock.set(starts + timedelta(hours=3))
    async with stage.sessions() as s:
        meeting = (await s.exec(select(Meeting).order_by(col(Meeting.id).desc()))).first()
    assert meeting is not None
    await stage.send(secretary, f"/minutes {meeting.id}")
    await stage.send(secretary, "会议学习了第一议题，讨论了支部年度工作计划，通过了发展党员计划。")
    await stage.press(secretary, "是")
    await stage.send(secretary, f"/attendance {meeting.id}")
    await stage.send(secretary, "/attendance this quarter")
    await stage.send(first, "/me")
