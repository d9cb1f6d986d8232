"""Writing a notice: /broadcast [text] (or the text, or a file, sent next) → the preview.

The preview is one message, edited in place by every choice on it and, after 确认发送,
by the live progress.
"""

from __future__ import annotations

from typing import Any, NoReturn

from telegram import Message

from bot.models import FormState, MediaFile, Notice
from bot.services import forms
from bot.services import notices as svc
from bot.services.errors import Refused
from handlers.notices import listing, views
from handlers.notices.buttons import NoticeButton
from handlers.shape import EVERYONE, LEADERS, Turn, form_step, handler, refuse_stale

FORM = "notice"
STEP_TEXT = "text"  # the notice itself, typed or sent as a file
STEP_WHEN = "when"  # the send-time question (send_time.py)
# A refusal that leaves nothing for the open form to do: it is closed.
CLOSES_FORM = frozenset({"not_allowed", "unknown_notice", "not_draft"})


async def show_preview(turn: Turn[None], notice_id: int) -> None:
    """Reply with a fresh preview and remember it (progress is edited into it later)."""
    notice = await turn.s.get(Notice, notice_id)
    assert notice is not None
    text, buttons = views.preview(
        turn.t, await svc.preview(turn.s, notice), admin=turn.actor.is_admin
    )
    sent = await turn.reply(text, buttons)
    await svc.set_preview(turn.s, notice=notice, chat_id=sent.chat.id, message_id=sent.message_id)
    await turn.s.commit()


async def redraw(turn: Turn[NoticeButton], notice: Notice) -> None:
    """Commit a change to the draft and show the preview as it now is."""
    await turn.s.commit()
    p = await svc.preview(turn.s, notice)
    await turn.edit(*views.preview(turn.t, p, admin=turn.actor.is_admin))


def command_html(message: Message) -> tuple[str, int]:
    """The typed text after `/broadcast` as HTML (formatting kept), and its plain length."""
    text = message.text or ""
    command = text.split(maxsplit=1)[0] if text.strip() else ""
    body_plain = text[len(command) :].strip()
    text_html = message.text_html
    # The command itself is ASCII and has no markup, so it is the same in the HTML.
    body_html = text_html[len(command) :].strip() if text_html.startswith(command) else ""
    return body_html, len(body_plain)


async def _close_form(turn: Turn[None]) -> None:
    """Only our own question is answered by this; another half-filled form stays."""
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    if state is not None and state.form == FORM:
        await turn.close_form()


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def broadcast(turn: Turn[None]) -> None:
    """Start a notice: `/broadcast [text]`, or `/broadcast` and then the text."""
    message = turn.update.effective_message
    assert message is not None
    # Only the word alone: "/broadcast list of tasks for Friday" is a notice.
    if len(turn.args) == 1 and turn.args[0].lower() in ("list", "列表"):
        await listing.show(turn)
        return
    if not turn.args:
        await turn.open_form(FORM, STEP_TEXT, free=False)
        await turn.s.commit()
        await turn.reply(views.ask_for_text(turn.t))
        return
    body_html, length = command_html(message)
    notice = await svc.create_draft(
        turn.s, actor=turn.member, text_html=body_html, plain_length=length, now=turn.now
    )
    await _close_form(turn)
    await turn.s.commit()
    assert notice.id is not None
    await show_preview(turn, notice.id)


async def closing_on_refusal(turn: Turn[None], exc: Refused) -> NoReturn:
    """A refusal after which the open form has nothing left to ask: close it, then say why."""
    if exc.code in CLOSES_FORM:
        await turn.s.rollback()
        await turn.close_form()
        await turn.s.commit()
    raise exc


async def _draft_from_form(
    turn: Turn[None],
    text_html: str,
    plain_length: int,
    media: MediaFile | None = None,
    media_kind: str | None = None,
) -> None:
    """The draft from what was sent into the form, which closes; then its preview."""
    try:
        notice = await svc.create_draft(
            turn.s,
            actor=turn.actor.member,
            text_html=text_html,
            plain_length=plain_length,
            now=turn.now,
            media=media,
            media_kind=media_kind,
        )
    except Refused as exc:
        await closing_on_refusal(turn, exc)
    await turn.close_form()
    await turn.s.commit()
    assert notice.id is not None
    await show_preview(turn, notice.id)


@form_step(roles=EVERYONE, refusals=views.REFUSALS)
async def text_typed(turn: Turn[None], state: FormState) -> None:
    """The text of the notice, typed after /broadcast."""
    message = turn.update.effective_message
    assert message is not None
    await _draft_from_form(turn, message.text_html, len(message.text or ""))


@form_step(roles=EVERYONE, refusals=views.REFUSALS)
async def file_sent(turn: Turn[None], state: FormState) -> None:
    """A document or photo sent while the form waits for the text: it is attached."""
    message = turn.update.effective_message
    assert message is not None
    if message.document is not None:
        file_id = message.document.file_id
        filename, kind = message.document.file_name or "document", "document"
    elif message.photo:
        file_id, filename, kind = message.photo[-1].file_id, "photo.jpg", "photo"
    else:
        return
    tg_file = await turn.context.bot.get_file(file_id)
    content = bytes(await tg_file.download_as_bytearray())
    media = MediaFile(
        filename=filename[:255], content=content, telegram_file_id=file_id, created_at=turn.now
    )
    caption = message.caption_html or ""
    await _draft_from_form(turn, caption, len(message.caption or ""), media, kind)


async def toggle_ack(turn: Turn[NoticeButton]) -> None:
    """收到 required, or not."""
    required = turn.data.required
    if required is None:
        await refuse_stale(turn)
        return
    notice = await svc.set_requires_ack(
        turn.s, actor=turn.member, notice_id=turn.data.notice_id, required=required
    )
    await redraw(turn, notice)


async def close_time_question(turn: Turn[Any], notice_id: int) -> None:
    """Stop waiting for a send time for this notice: what they type next is not a time."""
    who = turn.actor.telegram_user_id
    state = await forms.current(turn.s, telegram_user_id=who)
    if (
        state is not None
        and state.form == FORM
        and state.step == STEP_WHEN
        and int(state.data.get("notice_id") or 0) == notice_id
    ):
        await turn.close_form()


async def discard(turn: Turn[NoticeButton]) -> None:
    """取消 on the preview: the draft is dropped and nothing is sent."""
    notice_id = turn.data.notice_id
    await svc.discard(turn.s, actor=turn.member, notice_id=notice_id)
    await close_time_question(turn, notice_id)
    await turn.s.commit()
    await turn.edit(views.discarded(turn.t, notice_id))
