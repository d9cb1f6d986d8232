"""诉求 requests: /ask (the form), /asks (lists, details, rating), handling and stats."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from handlers.requests import ask, handle, member
from handlers.shape import add_buttons, add_command, add_form


def register(app: BotApplication) -> None:
    add_command(app, "ask", N_("raise a request, suggestion or call for help"), ask.ask)
    add_command(app, "asks", N_("requests: yours, your branch's, statistics"), member.asks)
    add_form(app, ask.FORM, handle.REPLY_FORM, handle.FORWARD_FORM, member.REOPEN_FORM)
    add_buttons(
        app,
        ask.choose_kind,
        ask.ask_step,
        member.list_page,
        member.open_request,
        member.show_file,
        member.rate,
        handle.act,
    )
