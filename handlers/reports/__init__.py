"""Reports: /report (a chart and a summary) and /export (an XLSX workbook)."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from handlers.reports.export import export
from handlers.reports.report import report
from handlers.shape import add_command


def register(app: BotApplication) -> None:
    add_command(app, "report", N_("a chart of attendance, study and pledges"), report)
    add_command(app, "export", N_("the records as an Excel workbook"), export)
