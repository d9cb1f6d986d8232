"""首页 and 支部群: the home screen for each role, and the branch's linked group."""

from __future__ import annotations

from datetime import timedelta

from bot.demo import Cast
from bot.demo.stage import Stage
from schedules.groups import refresh_counts


async def scene(stage: Stage, cast: Cast) -> None:
    """/menu for a member, the secretary and the admin; /linkgroup; a notice in the group."""
    secretary, member = cast.branch.secretary, cast.branch.members[0]
    await _home_screens(stage, cast)

    cast.narrate("支部群：书记把机器人拉进群，在群里发送 /linkgroup，并在私聊中确认关联")
    group = stage.sim.group(-1001, "阳光社工党支部群")
    await group.send(secretary, "/linkgroup")
    await stage.settle()
    await stage.deliver()
    await stage.press(secretary, "确认关联")
    await stage.deliver()

    cast.narrate("书记安排会议：通知私发给每位党员，也在群里发一次；党员直接在群里按“出席”")
    day = (stage.clock.now() + timedelta(days=12)).date().isoformat()
    await stage.send(secretary, f"/newmeeting 支部党员大会 {day} 19:00 党员活动室")
    await stage.press(secretary, "确认")
    await stage.deliver()
    post = group.last
    for person in cast.branch.members:
        await stage.press(person, "出席", post)
    stranger = stage.person("群里的访客")
    await stage.press(stranger, "出席", post)

    cast.narrate("群消息上的人数每分钟最多更新一次（出席 3/4）")
    stage.clock.advance(minutes=1)
    await refresh_counts(stage.app.bot_data, stage.app.bot, now=stage.clock.now())
    await stage.settle()

    cast.narrate("书记改期：群里的会议通知就地改为新时间，并注明时间已变更")
    meeting_id = str(post.button_data[0][0]).split(":")[1]
    later = (stage.clock.now() + timedelta(days=13)).date().isoformat()
    await stage.send(secretary, f"/reschedule {meeting_id} {later} 19:30")
    stage.clock.advance(minutes=1)
    await refresh_counts(stage.app.bot_data, stage.app.bot, now=stage.clock.now())
    await stage.settle()

    cast.narrate("学习内容也在群里发一次：“已学习”在群里按，“写心得”打开与机器人的私聊")
    await stage.send(secretary, "/newstudy 学习新修订的《中国共产党支部工作条例》")
    await stage.press(secretary, "跳过")
    await stage.press(secretary, "跳过", secretary.last)
    await stage.press(secretary, "发布", secretary.last)
    await stage.deliver()
    study_post = group.last
    await stage.press(member, "已学习", study_post)
    reflect = study_post.button_urls[0][1] or ""
    await stage.send(member, "/start " + reflect.rsplit("start=", 1)[1])
    await stage.send(member, "条例把支部工作讲得很具体，我会对照检查自己。")
    # The transcript prints private chats; the group is shown here, as its members see it.
    print(f"\n--- 群：{group.title} ---")  # noqa: T201
    for message in group.chat:
        print(message.render())  # noqa: T201


async def _home_screens(stage: Stage, cast: Cast) -> None:
    """/menu for a member, the secretary and the admin: the same work as typed commands."""
    secretary, member = cast.branch.secretary, cast.branch.members[0]
    cast.narrate("首页：党员发送 /menu，看到待办和自己的栏目；按“我的会议”→“近期会议”，再按“返回”")
    home = await stage.send(member, "/menu")
    await stage.press(member, "我的会议", home)
    await stage.press(member, "近期会议", member.message(home.message_id))
    await stage.press(member, "返回", member.message(home.message_id))

    cast.narrate("书记和管理员的首页多出各自的管理栏目；按钮和输入命令做的是同一件事")
    home = await stage.send(secretary, "/menu")
    await stage.press(secretary, "党员管理", home)
    await stage.press(secretary, "党员名册", secretary.message(home.message_id))
    await stage.send(cast.admin, "/menu")
