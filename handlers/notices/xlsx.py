"""The receipts of a notice as a spreadsheet (导出 Excel): one row per recipient."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.i18n import Translator
from bot.services import notices as svc
from handlers.notices.views import delivery_name

WIDTHS = (20, 28, 14, 20, 20)


def receipts_file(t: Translator, rep: svc.Report) -> tuple[str, bytes, str]:
    """The receipts as a spreadsheet: file name, content and caption."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t.label("Receipts")[:31]
    ws.append(
        [
            t.label("Name"),
            t.label("Branch"),
            t.label("Delivery"),
            t.label("Confirmed at"),
            t.label("Reminded at"),
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rep.rows:
        ws.append(
            [
                r.name,
                r.branch,
                delivery_name(t, r.delivery),
                t.datetime(r.acked_at, "short") if r.acked_at else "",
                t.datetime(r.reminded_at, "short") if r.reminded_at else "",
            ]
        )
        for cell in ws[ws.max_row]:
            # openpyxl stores a string starting with "=" as a formula: a name stays a name.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for column, width in zip("ABCDE", WIDTHS, strict=True):
        ws.column_dimensions[column].width = width
    buf = BytesIO()
    wb.save(buf)
    nid = rep.notice.id
    caption = t._("Receipts of notice #{id}", id=nid)
    return f"notice-{nid}-receipts.xlsx", buf.getvalue(), caption
