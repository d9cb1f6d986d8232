"""The receipts report (/receipts) in the reader's language: as messages, and as a
spreadsheet (导出 Excel) with one row per recipient."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from bot.delivery.message import Button, Keyboard
from bot.i18n import N_, Translator, escape
from bot.models import DeliveryStatus
from bot.services import notices as svc
from handlers.home.views import command_button
from handlers.labels import labels
from handlers.notices import buttons as b
from handlers.notices.buttons import Action
from handlers.notices.views import plain, status_name

NAMES_SHOWN = 30
NAMES_PER_LINE = 10
DELIVERY_NAMES = labels(
    {
        DeliveryStatus.pending: N_("pending"),
        DeliveryStatus.sending: N_("pending"),
        DeliveryStatus.sent: N_("delivered"),
        DeliveryStatus.failed: N_("failed"),
        DeliveryStatus.blocked: N_("blocked the bot"),
        DeliveryStatus.cancelled: N_("withdrawn"),
    }
)


def delivery_name(t: Translator, status: DeliveryStatus | None) -> str:
    return t.label(DELIVERY_NAMES[status or DeliveryStatus.pending])


def _name_lines(t: Translator, head: Callable[[str], str], names: list[str]) -> list[str]:
    """At most NAMES_SHOWN names, NAMES_PER_LINE a line, the first line under `head`.

    Short lines stay far below Telegram's limit even for long names full of "&", so
    split_text never has to cut a line (and an escaped entity) in two.
    """
    shown = names[:NAMES_SHOWN]
    more = len(names) - len(shown)
    chunks = [shown[i : i + NAMES_PER_LINE] for i in range(0, len(shown), NAMES_PER_LINE)]
    out = []
    for i, chunk in enumerate(chunks):
        text = "、".join(chunk)
        if i == len(chunks) - 1 and more > 0:
            text += t.label(" and {n} more", n=more)
        out.append(head(text) if i == 0 else "    " + escape(text))
    return out


def _receipts_head(t: Translator, rep: svc.Report) -> list[str]:
    notice = rep.notice
    lines = [
        t._(
            "<b>Receipts of notice #{id}</b> ({status}): {excerpt}",
            id=notice.id,
            status=status_name(t, notice.status),
            excerpt=plain(notice.text),
        ),
        t._(
            "Delivered {delivered} · blocked {blocked} · failed {failed} · pending {pending} "
            "(of {total})",
            delivered=rep.delivered,
            blocked=rep.count(DeliveryStatus.blocked),
            failed=rep.count(DeliveryStatus.failed),
            pending=rep.pending,
            total=len(rep.rows),
        ),
    ]
    withdrawn = rep.count(DeliveryStatus.cancelled)
    if withdrawn:
        lines.append(t._("Withdrawn before sending: {n}", n=withdrawn))
    if notice.requires_ack:
        lines.append(
            t._(
                "Confirmed {confirmed} · not yet confirmed {waiting}",
                confirmed=len(rep.confirmed),
                waiting=len(rep.waiting),
            )
        )
    return lines


def _branch_lines(t: Translator, rep: svc.Report, tally: svc.BranchTally) -> list[str]:
    name = tally.name or t.label("no branch")
    if not rep.notice.requires_ack:
        return [
            t._(
                "<b>{branch}</b>: delivered {delivered}/{total}",
                branch=name,
                delivered=tally.delivered,
                total=tally.total,
            )
        ]
    lines = [
        t._(
            "<b>{branch}</b>: delivered {delivered}/{total}, confirmed {confirmed}",
            branch=name,
            delivered=tally.delivered,
            total=tally.total,
            confirmed=tally.confirmed,
        )
    ]
    if tally.waiting:
        lines += _name_lines(
            t, lambda names: t._("  not yet confirmed: {names}", names=names), tally.waiting
        )
    return lines


def receipts(t: Translator, rep: svc.Report) -> tuple[str, Keyboard]:
    """Delivered, blocked, failed, confirmed and not yet, by branch and by name."""
    lines = [*_receipts_head(t, rep), ""]
    for tally in rep.by_branch():
        lines += _branch_lines(t, rep, tally)
    if rep.unreachable:
        lines.append("")
        lines += _name_lines(
            t,
            lambda names: t._("Not reached: {names}", names=names),
            [f"{r.name}（{delivery_name(t, r.delivery)}）" for r in rep.unreachable],
        )
    nid = rep.notice.id
    assert nid is not None
    row: list[Button] = []
    if rep.can_remind:
        label = t.label("Remind the {n} not yet confirmed", n=len(rep.waiting))
        row.append(b.act(nid, Action.remind).button(label))
    row.append(b.act(nid, Action.export).button(t.label("Export XLSX")))
    others = [command_button(t.label("Other notices"), "notices", back="receipts")]
    return "\n".join(lines), [row, others]


def no_notice_yet(t: Translator) -> str:
    return t._("You have not sent any notice yet.")


def receipts_usage(t: Translator) -> str:
    return t._("Use /receipts or /receipts [number].")


# ---------------------------------------------------------------- the spreadsheet
WIDTHS = (20, 28, 14, 20, 20)


def receipts_file(t: Translator, rep: svc.Report) -> tuple[str, bytes, str]:
    """The receipts as a spreadsheet: file name, content and caption."""
    # Imported here: openpyxl was a tenth of the bot's start-up time.
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
