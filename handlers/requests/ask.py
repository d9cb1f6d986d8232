"""/ask: choose 诉求 / 建议 / 困难求助, type it, attach a file if you like, preview, 提交."""

from __future__ import annotations

from bot.models import FormState, RequestKind
from bot.models.requests import TEXT_MAX
from bot.services import forms
from bot.services import requests as svc
from bot.services.errors import Refused
from bot.services.fanout import SentFile
from handlers.common import attached_file
from handlers.requests import news, views
from handlers.requests.buttons import AskStep, ChooseKind
from handlers.shape import MEMBERS, Form, Turn, form_step, handler

ASK = "requests.ask"


@handler(roles=MEMBERS, refusals=views.REFUSALS)
async def ask(turn: Turn[None]) -> None:
    """Start a request: the three kinds as buttons."""
    _ = turn.branch_id  # a member without a branch is refused here
    text, keyboard = views.kind_picker(turn.t)
    await turn.reply(text, keyboard)


@handler(roles=MEMBERS, button=ChooseKind, refusals=views.REFUSALS)
async def choose_kind(turn: Turn[ChooseKind]) -> None:
    """诉求 / 建议 / 困难求助 chosen: the form asks for the text."""
    _ = turn.branch_id
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    data = dict(state.data) if state is not None else {}
    data["kind"] = str(turn.data.kind)
    step = "preview" if data.get("text") else "text"
    await turn.open_form(ASK, step, data)  # refused while another form is half-filled
    await turn.commit()
    if step == "preview":
        text, keyboard = views.preview(turn.t, data)
        await turn.edit(text, keyboard)
    else:
        await turn.edit(views.ask_prompt(turn.t, turn.data.kind, TEXT_MAX))


async def _show_preview(turn: Turn[None], state: FormState, **data: object) -> None:
    state = await turn.advance_form(state, "preview", **data)
    await turn.commit()
    text, keyboard = views.preview(turn.t, state.data)
    await turn.reply(text, keyboard)


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def ask_text(turn: Turn[None], state: FormState) -> None:
    """The text, typed (again, to change it at the preview)."""
    text = svc.validate_text(turn.text)
    await _show_preview(turn, state, text=text)


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def ask_file(turn: Turn[None], state: FormState) -> None:
    """A photo or document, kept by file_id; its caption (if any) is the text."""
    message, found = turn.update.effective_message, attached_file(turn.update)
    if message is None or found is None:
        return
    data: dict[str, object] = {"file_id": found.file_id, "media_kind": found.kind}
    if message.caption:
        data["text"] = svc.validate_text(message.caption)
    if data.get("text") or state.data.get("text"):
        await _show_preview(turn, state, **data)
        return
    await turn.advance_form(state, "text", **data)
    await turn.commit()
    await turn.reply(turn.t._("📎 Attached. Now please type the text."))


@handler(roles=MEMBERS, button=AskStep, refusals=views.REFUSALS)
async def ask_step(turn: Turn[AskStep]) -> None:
    """提交 (record and tell the branch) or 取消 under the preview."""
    user = turn.actor.telegram_user_id
    state = await forms.current(turn.s, telegram_user_id=user)
    if state is None or state.form != ASK:
        raise Refused("form_gone")
    if turn.data.action == "cancel":
        await turn.finish_form(turn.t._("Cancelled. Nothing was sent."))
        return
    data = state.data
    outcome = await svc.submit(
        turn.s,
        actor=turn.member,
        kind=RequestKind(str(data.get("kind"))),
        text=str(data.get("text") or ""),
        file=SentFile.of(data.get("file_id"), data.get("media_kind")),
        limits=svc.Limits.from_settings(turn.settings),
        compose=news.composer_of(turn.context),
        now=turn.now,
    )
    await turn.finish_form(views.submitted(turn.t, outcome))


FORM = Form(
    ASK,
    steps={"text": ask_text, "preview": ask_text},
    media={"text": ask_file, "preview": ask_file},
)
