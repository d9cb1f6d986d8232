"""Reports (/report, /export): what was recorded, gathered for a chart or a workbook."""

from bot.services.reports import oversight_glue, records
from bot.services.reports.exports import log_export
from bot.services.reports.scope import Scope, resolve
from bot.services.reports.summary import Report, report

__all__ = ["Report", "Scope", "log_export", "oversight_glue", "records", "report", "resolve"]
