"""Reports: the secretary's chart and workbook, written to files in the current folder."""

from __future__ import annotations

from pathlib import Path

from bot.demo import Cast
from bot.demo.stage import Stage


async def scene(stage: Stage, cast: Cast) -> None:
    """/report and /export of what the earlier scenes recorded; both saved to files."""
    secretary = cast.branch.secretary

    cast.narrate("报表：书记用 /report 本年 查看本支部的出勤、第一议题学习和承诺图表")
    chart = await stage.send(secretary, "/report 本年")
    if chart.photo is not None:
        path = Path.cwd() / "demo-report.png"
        path.write_bytes(chart.photo.content)
        cast.narrate(f"图表已保存到 {path}")

    cast.narrate("书记用 /export 本年 导出党建台账（Excel），每次导出都记入审计日志")
    doc = await stage.send(secretary, "/export 本年")
    if doc.document is not None:
        path = Path.cwd() / f"demo-{doc.document.filename}"
        path.write_bytes(doc.document.content)
        cast.narrate(f"台账已保存到 {path}")

    cast.narrate("管理员用 /report 查看全部支部；党员发送 /report 会被礼貌拒绝")
    await stage.send(cast.admin, "/report 本年")
    await stage.send(cast.branch.members[0], "/report")
