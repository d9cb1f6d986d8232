"""/export [branch] [period]: the period's records as an XLSX workbook, audit-logged."""

from __future__ import annotations

from bot.services import reports as svc
from bot.services.reports import oversight_glue, records
from handlers.reports import views
from handlers.reports.report import scope_and_period
from handlers.shape import LEADERS, Turn, handler


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def export(turn: Turn[None]) -> None:
    """Secretary: own branch; admin: every branch or a named one."""
    from handlers.reports import workbook  # openpyxl: a tenth of the start-up time, if eager

    scope, period = await scope_and_period(turn)
    t, tz, s, now = turn.t, turn.settings.tz, turn.s, turn.now
    section = await oversight_glue.oversight_section(
        s, branch_ids=scope.branch_ids, period=period, now=now
    )
    sources = workbook.Sources(
        meetings=records.meetings(s, scope=scope, period=period, tz=tz),
        attendance=records.attendance(s, scope=scope, period=period, tz=tz, now=now),
        study=records.study(s, scope=scope, period=period, tz=tz),
        pledges=records.pledges(s, scope=scope, year=period.first.year),
        notices=await records.notices(s, scope=scope, period=period, tz=tz),
        receipts=records.receipts(s, scope=scope, period=period, tz=tz),
        oversight=section,
    )
    content = await workbook.build(t, tz, sources)
    await svc.log_export(s, actor=turn.member, scope=scope, period=period, now=now)
    await turn.commit()
    await turn.reply_document(
        views.file_name(t, scope, period), content, views.export_caption(t, scope, period)
    )
