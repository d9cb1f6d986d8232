"""Oversight: a branch misses its 支委会, is reminded, turns 关注, and the admin sees it."""

from __future__ import annotations

from datetime import datetime

from bot.demo import Cast
from bot.demo.stage import Stage
from schedules.oversight import run_oversight_jobs


async def scene(stage: Stage, cast: Cast) -> None:
    """Rules, /term, the 10-day reminder, /calendar, the Monday digest, /warnings, /health."""
    secretary = cast.branch.secretary
    admin = cast.admin
    settings = stage.app.bot_data.settings
    assert settings is not None
    tz = settings.tz

    cast.narrate("组织生活规则：管理员查看各类会议应召开的频次（默认值，可修改并记入审计日志）")
    await stage.send(admin, "/rules")

    cast.narrate("换届：书记登记本届任期（默认 3 年），届满前 6、3、1 个月自动提醒")
    await stage.send(secretary, "/term 2025-03-01")

    cast.narrate("12 月 22 日：本月支委会既未召开也未安排，书记收到提醒，按钮直接打开“安排支委会”")
    stage.clock.set(datetime(2026, 12, 22, 10, tzinfo=tz))
    await run_oversight_jobs(stage.app.bot_data, now=stage.clock.now())
    await stage.deliver()
    await stage.send(secretary, "/calendar")

    cast.narrate("1 月 4 日（周一）9:30：每周运行情况评估。支部 12 月未召开支委会 → 关注")
    stage.clock.set(datetime(2027, 1, 4, 9, 30, tzinfo=tz))
    await run_oversight_jobs(stage.app.bot_data, now=stage.clock.now())
    await stage.deliver()

    cast.narrate("管理员用 /warnings 查看各支部的等级和原因，点支部名称看每项指标及阈值")
    view = await stage.send(admin, "/warnings")
    await stage.press(admin, view.flat_buttons[0], view)

    cast.narrate("书记用 /health 查看本支部情况和每项问题的改进建议")
    await stage.send(secretary, "/health")
