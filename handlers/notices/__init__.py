"""Notices (通知): /broadcast with a preview, 确认发送, live progress, 收到, /receipts, /notices.

compose.py    /broadcast, the text (or a file) → the preview; 收到 required or not
targets.py    everyone / chosen branches (the paged picker) / secretaries only
send_time.py  定时发送: the send-time question
sending.py    确认发送 → the confirmation with live progress; 暂停 / 继续 / 取消
received.py   收到 pressed by a recipient
receipts.py   /receipts, re-remind, XLSX export
listing.py    /notices, 取消 a scheduled one
views.py      the flows' texts and keyboards; report.py the receipts' (messages and
              the spreadsheet); buttons.py the button families
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import BotApplication
from bot.i18n import N_
from handlers.notices import (
    compose,
    listing,
    receipts,
    received,
    send_time,
    sending,
    targets,
    views,
)
from handlers.notices.buttons import Action, NoticeButton
from handlers.shape import LEADERS, Form, Turn, add_buttons, add_command, add_form, handler

FORM = Form(
    compose.FORM,
    steps={compose.STEP_TEXT: compose.text_typed, compose.STEP_WHEN: send_time.time_typed},
    media={compose.STEP_TEXT: compose.file_sent},
)

# Every button an author has (preview, picker, live progress, receipts, list), by action.
ROUTES: dict[Action, Callable[[Turn[NoticeButton]], Awaitable[None]]] = {
    Action.target: targets.choose_target,
    Action.branch: targets.toggle_branch,
    Action.page: targets.turn_page,
    Action.ack: compose.toggle_ack,
    Action.when: send_time.when,
    Action.drop: compose.discard,
    Action.send: sending.confirm,
    Action.pause: sending.control,
    Action.resume: sending.control,
    Action.cancel: sending.control,
    Action.receipts: receipts.from_button,
    Action.remind: receipts.remind,
    Action.export: receipts.export,
}


@handler(roles=LEADERS, button=NoticeButton, refusals=views.REFUSALS)
async def notice_button(turn: Turn[NoticeButton]) -> None:
    """An author's button; each flow re-checks the notice, the person and its state."""
    await ROUTES[turn.data.action](turn)


def register(app: BotApplication) -> None:
    add_command(
        app,
        "broadcast",
        N_("send a notice: /broadcast [text], or /broadcast list"),
        compose.broadcast,
    )
    add_command(app, "notices", N_("scheduled and recent notices"), listing.notices)
    add_command(
        app,
        "receipts",
        N_("who received and confirmed a notice: /receipts [number]"),
        receipts.receipts,
    )
    add_form(app, FORM)
    add_buttons(app, notice_button, received.received)
