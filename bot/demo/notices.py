"""Notices: the admin broadcasts with 收到 required, watches progress, reads the receipts."""

from __future__ import annotations

from bot.demo import Cast
from bot.demo.stage import Stage
from schedules.notices import refresh_progress

TEXT = "关于开展2026年度党员组织关系集中排查的通知：请各支部党员于12月5日前核对个人信息。"


async def scene(stage: Stage, cast: Cast) -> None:
    """Preview → 确认发送 → live progress → 收到 from some members → receipts and a reminder."""
    admin = cast.admin
    secretary = cast.branch.secretary
    members = cast.branch.members

    cast.narrate("通知：管理员起草一条广播，先看到预览和选项（发送对象、是否需要“收到”）")
    await stage.send(admin, "/broadcast")
    await stage.send(admin, TEXT)

    cast.narrate("管理员按“确认发送”；预览消息原地变成发送进度（暂停 / 取消）")
    await stage.press(admin, "确认发送")
    await stage.deliver()
    stage.clock.advance(seconds=5)
    await refresh_progress(stage.app.bot_data, now=stage.clock.now())
    await stage.settle()

    cast.narrate("党员收到通知并点“收到”；重复点击只记录一次")
    await stage.press(members[0], "收到")
    await stage.press(secretary, "收到")
    await stage.press(members[0], members[0].last.flat_buttons[0])

    cast.narrate("管理员查看回执：按支部、按姓名列出已送达和未确认的人")
    await stage.send(admin, "/receipts")

    cast.narrate("管理员提醒未确认的人（每小时至多一次），并导出 Excel")
    await stage.press(admin, admin.last.flat_buttons[0])
    await stage.deliver()
    await stage.press(members[1], "收到")
    await stage.send(admin, "/receipts")
    await stage.press(admin, "导出 Excel")
