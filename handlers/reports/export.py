"""/export [branch] [period]: the period's records as an XLSX workbook, audit-logged."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator
from bot.services import reports as svc
from bot.services.oversight.indicators import Thresholds
from bot.services.periods import Period
from bot.services.reports import oversight_glue, records
from bot.services.reports.training_glue import training_rows
from handlers.reports import views, workbook
from handlers.reports.report import scope_and_period
from handlers.shape import LEADERS, Turn, handler


async def produce(
    s: AsyncSession,
    t: Translator,
    *,
    scope: svc.Scope,
    period: Period,
    tz: ZoneInfo,
    now: datetime,
    thresholds: Thresholds,
) -> bytes:
    """The workbook of one scope and period: every sheet streamed from `s`."""
    section = await oversight_glue.oversight_section(
        s, branch_ids=scope.branch_ids, period=period, now=now, tz=tz, thresholds=thresholds
    )
    sources = workbook.Sources(
        meetings=records.meetings(s, scope=scope, period=period, tz=tz),
        attendance=records.attendance(s, scope=scope, period=period, tz=tz, now=now),
        study=records.study(s, scope=scope, period=period, tz=tz),
        pledges=records.pledges(s, scope=scope, year=period.first.year),
        notices=await records.notices(s, scope=scope, period=period, tz=tz),
        receipts=records.receipts(s, scope=scope, period=period, tz=tz),
        training=await training_rows(s, scope=scope, period=period, now=now, tz=tz),
        oversight=section,
    )
    return await workbook.build(t, tz, sources)


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def export(turn: Turn[None]) -> None:
    """Secretary: own branch; admin: every branch or a named one."""
    scope, period = await scope_and_period(turn)
    content = await produce(
        turn.s,
        turn.t,
        scope=scope,
        period=period,
        tz=turn.settings.tz,
        now=turn.now,
        thresholds=Thresholds.from_settings(turn.settings),
    )
    await svc.log_export(turn.s, actor=turn.member, scope=scope, period=period, now=turn.now)
    await turn.commit()
    await turn.reply_document(
        views.file_name(turn.t, scope, period), content, views.export_caption(turn.t, scope, period)
    )
