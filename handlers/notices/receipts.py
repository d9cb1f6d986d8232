"""/receipts: who was reached and who confirmed, re-reminding the rest, the XLSX export."""

from __future__ import annotations

from typing import Any

from bot.delivery.message import split_text
from bot.services import notices as svc
from handlers.notices import report, views
from handlers.notices.buttons import NoticeButton
from handlers.shape import LEADERS, Turn, handler


async def show(turn: Turn[Any], notice_id: int | None) -> None:
    """The receipts of a notice (the newest sent one without a number)."""
    rep = await svc.report(turn.s, actor=turn.member, notice_id=notice_id)
    if rep is None:
        await turn.reply(report.no_notice_yet(turn.t))
        return
    text, buttons = report.receipts(turn.t, rep)
    # A committee of hundreds of branches runs to several messages; the buttons go last.
    parts = split_text(text)
    for part in parts[:-1]:
        await turn.reply(part)
    await turn.reply(parts[-1], buttons)


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def receipts(turn: Turn[None]) -> None:
    """Delivered, blocked, failed, confirmed and not yet, by branch and by name."""
    notice_id = None
    if turn.args:
        raw = turn.args[0].lstrip("#")
        if not (raw.isdigit() and raw.isascii() and len(raw) < 12):
            await turn.reply(report.receipts_usage(turn.t))
            return
        notice_id = int(raw)
    await show(turn, notice_id)


async def from_button(turn: Turn[NoticeButton]) -> None:
    """回执 under the live progress."""
    await turn.answer()
    await show(turn, turn.data.notice_id)


async def remind(turn: Turn[NoticeButton]) -> None:
    """提醒未确认的 N 人: the notice again, to those reached who have not confirmed."""
    count = await svc.remind(
        turn.s,
        actor=turn.member,
        notice_id=turn.data.notice_id,
        compose=views.copies(turn.context.catalogs, turn.settings.tz, reminder=True),
        now=turn.now,
    )
    await turn.commit()
    await turn.answer(views.reminded(turn.t, count), alert=True)


async def export(turn: Turn[NoticeButton]) -> None:
    """导出 Excel: the receipts as a spreadsheet."""
    rep = await svc.report(turn.s, actor=turn.member, notice_id=turn.data.notice_id)
    assert rep is not None
    await turn.answer()
    await turn.reply_document(*report.receipts_file(turn.t, rep))
