"""/export [branch] [period]: the period's records as an XLSX workbook, audit-logged."""

from __future__ import annotations

import tempfile

from bot.services import reports as svc
from bot.services.oversight.indicators import Thresholds
from handlers.reports import views, worker
from handlers.reports.report import scope_and_period
from handlers.shape import LEADERS, Turn, handler


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def export(turn: Turn[None]) -> None:
    """Secretary: own branch; admin: every branch or a named one."""
    scope, period = await scope_and_period(turn)
    settings, thresholds = turn.settings, Thresholds.from_settings(turn.settings)
    if scope.committee:  # every branch: made in a process of its own (see worker)
        await turn.s.commit()  # no transaction held open while the child reads
        content = await worker.produce_elsewhere(
            worker.Job(
                database_url=settings.database_url,
                default_locale=settings.default_locale,
                locale=turn.t.locale,
                tz=settings.tz,
                scope=scope,
                period=period,
                now=turn.now,
                thresholds=thresholds,
            )
        )
    else:  # one branch: in the bot's session, through a temporary file
        with tempfile.TemporaryFile() as f:
            await worker.produce(
                turn.s, turn.t, scope=scope, period=period, tz=settings.tz, now=turn.now,
                thresholds=thresholds, file=f,
            )  # fmt: skip
            f.seek(0)
            content = f.read()
    await svc.log_export(turn.s, actor=turn.member, scope=scope, period=period, now=turn.now)
    await turn.commit()
    await turn.reply_document(
        views.file_name(turn.t, scope, period), content, views.export_caption(turn.t, scope, period)
    )
