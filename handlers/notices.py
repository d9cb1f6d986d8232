"""Notices: /broadcast with a preview, 确认发送, live progress, 收到, /receipts, /notices."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotApplication, BotContext, CommandSpec, add_commands, add_form, roles
from bot.delivery.message import Button, Keyboard, split_text
from bot.i18n import N_, Translator, escape
from bot.models import (
    DeliveryStatus,
    FormState,
    MediaFile,
    Notice,
    NoticeStatus,
    NoticeTarget,
    Role,
)
from bot.services import forms
from bot.services import notices as svc
from bot.services.errors import Refused
from handlers.common import (
    Actor,
    answer,
    button,
    callback_parts,
    command_args,
    edit_pressed,
    load_actor,
    not_allowed,
    parse_id,
    refuse,
    reply,
    reply_document,
    set_pressed_buttons,
    stale_button,
)

AUTHORS = roles(Role.admin, Role.secretary)
COMMANDS = (
    CommandSpec("broadcast", N_("send a notice: /broadcast [text], or /broadcast list"), AUTHORS),
    CommandSpec("notices", N_("scheduled and recent notices"), AUTHORS),
    CommandSpec("receipts", N_("who received and confirmed a notice: /receipts [number]"), AUTHORS),
)
FORM = "notice"
PREFIX = "ntc"
PICK_PAGE = 40  # branches the picker shows at once (Telegram allows 100 buttons a message)
BRANCH_NAMES_LISTED = 5  # in the preview; the picker shows every chosen one
BRANCH_NAME_CHARS = 40

TARGET_NAMES = {
    NoticeTarget.all: N_("All members"),
    NoticeTarget.branches: N_("Chosen branches"),
    NoticeTarget.secretaries: N_("Secretaries only"),
}


def refusal_text(t: Translator, exc: Refused) -> str:
    """The words for each notice refusal."""
    p = exc.params
    status = p.get("status")
    status_name = t._(svc.STATUS_NAMES[status]) if status in svc.STATUS_NAMES else ""
    texts: dict[str, Callable[[], str]] = {
        "not_allowed": lambda: t._(
            "Sorry, this is not available to you. Send /help to see what you can do."
        ),
        "unknown_notice": lambda: t._("There is no such notice. Send /notices to see yours."),
        "unknown_branch": lambda: t._("That branch no longer exists."),
        "not_draft": lambda: t._(
            "This notice is already {status}; the preview cannot change any more.",
            status=status_name,
        ),
        "state": lambda: t._(
            "This notice is {status}; that is not possible now.", status=status_name
        ),
        "not_sent": lambda: t._(
            "This notice has not been sent yet (it is {status}).", status=status_name
        ),
        "text_empty": lambda: t._(
            "The notice is empty. Please type the text of the notice (formatting is kept)."
        ),
        "text_too_long": lambda: t._(
            "That is {length} characters; a notice can have at most {limit} here. "
            "Please shorten it and send it again.",
            **p,
        ),
        "time_format": lambda: t._(
            "Please type the time as YYYY-MM-DD HH:MM, for example 2026-12-01 09:00."
        ),
        "time_invalid": lambda: t._(
            "There is no such date or time. Please check it and type it again."
        ),
        "time_past": lambda: t._("That time has already passed. Please type a time in the future."),
        "time_far": lambda: t._("Please choose a time within the next year."),
        "no_branch_chosen": lambda: t._("Please choose at least one branch first."),
        "no_recipients": lambda: t._(
            "Nobody would receive this notice. Please choose other recipients."
        ),
        "remind_too_soon": lambda: t._(
            "A reminder was sent less than an hour ago. You can remind again in {minutes} min.",
            **p,
        ),
        "nobody_waiting": lambda: t._("Everyone who received the notice has confirmed it."),
        "no_ack": lambda: t._(
            "This notice did not ask for “Received”, so there is nobody to remind."
        ),
        "form_open": lambda: t._(
            "You are in the middle of another form. Finish it, or send /cancel, "
            "then press “Schedule” again."
        ),
    }
    make = texts.get(exc.code)
    return make() if make is not None else t._("Sorry, that could not be done.")


def _short(name: str) -> str:
    return name if len(name) <= BRANCH_NAME_CHARS else name[: BRANCH_NAME_CHARS - 1] + "…"


def plain(text_html: str, limit: int = 40) -> str:
    """A short plain-text excerpt of a notice for lists."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text_html)).replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- the preview
async def preview_view(s: AsyncSession, actor: Actor, notice: Notice) -> tuple[str, Keyboard]:
    """The draft as it will look, who gets it, and the choices before 确认发送."""
    t = actor.t
    assert notice.id is not None
    nid = notice.id
    count = await svc.recipient_count(s, notice)
    if notice.target == NoticeTarget.branches:
        names = await svc.branch_names(s, notice.branch_ids)
        # The notice text may be near Telegram's limit: the rest of the preview stays short.
        shown = "、".join(_short(n) for n in names[:BRANCH_NAMES_LISTED])
        more = len(names) - BRANCH_NAMES_LISTED
        if more > 0:
            shown += t.n_(" and {n} more branch", " and {n} more branches", more)
        to = t._("Branches: {names}", names=shown or t.label("none chosen"))
    else:
        to = t._(TARGET_NAMES[notice.target])
    media = await svc.media_of(s, notice)
    lines = [t._("<b>Preview of notice #{id}</b>", id=nid), "", notice.text or "", ""]
    if media is not None:
        lines.append(t._("📎 Attachment: {name}", name=media.filename))
    lines += [
        t._("To: {to} ({n} people)", to=to, n=count),
        t._("Confirmation (收到): required")
        if notice.requires_ack
        else t._("Confirmation (收到): not required"),
        t._("Send: at {time}", time=t.datetime(notice.send_at, "short"))
        if notice.send_at
        else t._("Send: right away"),
        "",
        t._("Nothing is sent before you press “Send now”."),
    ]
    buttons: Keyboard = []
    if actor.is_admin:

        def mark(target: NoticeTarget) -> str:
            label = t.label(TARGET_NAMES[target])
            return f"✅ {label}" if notice.target == target else label

        buttons.append(
            [
                button(mark(NoticeTarget.all), PREFIX, nid, "tgt", NoticeTarget.all),
                button(mark(NoticeTarget.branches), PREFIX, nid, "tgt", NoticeTarget.branches),
                button(
                    mark(NoticeTarget.secretaries), PREFIX, nid, "tgt", NoticeTarget.secretaries
                ),
            ]
        )
    ack = t.label("Require “Received”")
    buttons.append(
        [
            button(
                f"✅ {ack}" if notice.requires_ack else f"⬜ {ack}",
                PREFIX,
                nid,
                "ack",
                "0" if notice.requires_ack else "1",
            ),
            button(t.label("Send right away"), PREFIX, nid, "when", "now")
            if notice.send_at
            else button(t.label("Schedule"), PREFIX, nid, "when", "ask"),
        ]
    )
    buttons.append(
        [
            button(t.label("Send now"), PREFIX, nid, "send", "-"),
            button(t.label("Cancel"), PREFIX, nid, "drop", "-"),
        ]
    )
    return "\n".join(lines), buttons


async def branch_picker(
    s: AsyncSession, actor: Actor, notice: Notice, page: int = 0
) -> tuple[str, Keyboard]:
    """A page of branches with a tick for the chosen ones, ◀ ▶ and 完成."""
    t = actor.t
    nid = notice.id
    branches = await svc.all_branches(s)
    pages = max(1, -(-len(branches) // PICK_PAGE))
    page = min(max(page, 0), pages - 1)
    rows: Keyboard = []
    for b in branches[page * PICK_PAGE : (page + 1) * PICK_PAGE]:
        tick = "✅" if b.id in notice.branch_ids else "⬜"
        rows.append([button(f"{tick} {b.name}", PREFIX, nid, "br", b.id)])
    nav = []
    if page > 0:
        nav.append(button("◀", PREFIX, nid, "brp", page - 1))
    if page + 1 < pages:
        nav.append(button("▶", PREFIX, nid, "brp", page + 1))
    if nav:
        rows.append(nav)
    rows.append([button(t.label("Done"), PREFIX, nid, "br", "done")])
    text = t._("Choose the branches that get notice #{id}:", id=nid)
    if pages > 1:
        text += "\n" + t._(
            "Page {page} of {pages}; {n} chosen.",
            page=page + 1,
            pages=pages,
            n=len(notice.branch_ids),
        )
    return text, rows


async def _page_of_branch(s: AsyncSession, branch_id: int) -> int:
    ids = [b.id for b in await svc.all_branches(s)]
    return ids.index(branch_id) // PICK_PAGE if branch_id in ids else 0


async def _send_preview(update: Update, context: BotContext, actor: Actor, notice_id: int) -> None:
    """Reply with a fresh preview and remember it (progress is edited into it later)."""
    async with context.sessions() as s:
        notice = await s.get(Notice, notice_id)
        assert notice is not None
        text, buttons = await preview_view(s, actor, notice)
    sent: Message = await reply(update, context, text, buttons)
    async with context.sessions() as s:
        notice = await s.get(Notice, notice_id)
        assert notice is not None
        await svc.set_preview(s, notice=notice, chat_id=sent.chat.id, message_id=sent.message_id)
        await s.commit()


# ---------------------------------------------------------------- /broadcast
def _command_html(message: Message) -> tuple[str, int]:
    """The typed text after `/broadcast` as HTML (formatting kept), and its plain length."""
    text = message.text or ""
    command = text.split(maxsplit=1)[0] if text.strip() else ""
    body_plain = text[len(command) :].strip()
    text_html = message.text_html
    # The command itself is ASCII and has no markup, so it is the same in the HTML.
    body_html = text_html[len(command) :].strip() if text_html.startswith(command) else ""
    return body_html, len(body_plain)


async def broadcast(update: Update, context: BotContext) -> None:
    """Start a notice: `/broadcast [text]`, or `/broadcast` and then the text."""
    message = update.effective_message
    assert message is not None
    args = command_args(context)
    # Only the word alone: "/broadcast list of tasks for Friday" is a notice.
    if len(args) == 1 and args[0].lower() in ("list", "列表"):
        await notices_list(update, context)
        return
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if actor.member is None or not (actor.is_admin or actor.is_secretary):
            await not_allowed(update, context, actor)
            return
        t = actor.t
        body_html, length = _command_html(message)
        if not args:
            await forms.start(
                s, telegram_user_id=actor.telegram_user_id, form=FORM, step="text", now=now
            )
            await s.commit()
            await reply(
                update,
                context,
                t._(
                    "Please send the text of the notice. Bold, italics and links are kept.\n"
                    "You can also send one document or photo, with the text as its caption.\n"
                    "Send /cancel to stop."
                ),
            )
            return
        try:
            notice = await svc.create_draft(
                s, actor=actor.member, text_html=body_html, plain_length=length, now=now
            )
        except Refused as exc:
            await reply(update, context, refusal_text(t, exc))
            return
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
        if state is not None and state.form == FORM:
            # Only our own question is answered by this; another half-filled form stays.
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
        assert notice.id is not None
        notice_id = notice.id
    await _send_preview(update, context, actor, notice_id)


async def notice_text(update: Update, context: BotContext, state: FormState) -> None:
    """Text typed while the notice form is open: the notice itself, or its send time."""
    message = update.effective_message
    assert message is not None
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        try:
            if state.step == "when":
                notice_id = int(state.data.get("notice_id", 0))
                when = svc.parse_when(message.text or "", context.settings.tz)
                await svc.set_send_at(
                    s, actor=actor.member, notice_id=notice_id, send_at=when, now=now
                )
            else:
                notice = await svc.create_draft(
                    s,
                    actor=actor.member,
                    text_html=message.text_html,
                    plain_length=len(message.text or ""),
                    now=now,
                )
                assert notice.id is not None
                notice_id = notice.id
        except Refused as exc:
            if exc.code in ("not_allowed", "unknown_notice", "not_draft"):
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            await reply(update, context, refusal_text(t, exc))
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    await _send_preview(update, context, actor, notice_id)


async def notice_media(update: Update, context: BotContext, state: FormState) -> None:
    """A document or photo sent while the notice form waits for the text: it is attached."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if state.step != "text":  # a file only goes with the notice's text
            await reply(
                update,
                context,
                actor.t._(
                    "This step needs a typed answer, not a file. Please type it, or send /cancel."
                ),
            )
            return
        if message.document is not None:
            file_id = message.document.file_id
            filename, kind = message.document.file_name or "document", "document"
        elif message.photo:
            file_id, filename, kind = message.photo[-1].file_id, "photo.jpg", "photo"
        else:
            return
        tg_file = await context.bot.get_file(file_id)
        content = bytes(await tg_file.download_as_bytearray())
        now = context.clock.now()
        media = MediaFile(
            filename=filename[:255], content=content, telegram_file_id=file_id, created_at=now
        )
        try:
            notice = await svc.create_draft(
                s,
                actor=actor.member,
                text_html=message.caption_html or "",
                plain_length=len(message.caption or ""),
                now=now,
                media=media,
                media_kind=kind,
            )
        except Refused as exc:
            await reply(update, context, refusal_text(actor.t, exc))
            return
        await forms.clear(s, telegram_user_id=user.id)
        await s.commit()
        assert notice.id is not None
        notice_id = notice.id
    await _send_preview(update, context, actor, notice_id)


# ---------------------------------------------------------------- the buttons
async def notice_button(update: Update, context: BotContext) -> None:
    """Every button of the preview, the live progress and the receipts (re-checked here)."""
    parts = callback_parts(update, PREFIX, 3)
    query = update.callback_query
    assert query is not None
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        notice_id = parse_id(parts[0]) if parts else None
        if parts is None or notice_id is None:
            await stale_button(update, actor)
            return
        action, arg = parts[1], parts[2]
        if actor.member is None or not (actor.is_admin or actor.is_secretary):
            await not_allowed(update, context, actor)
            return
        try:
            if action == "tgt":
                if arg not in NoticeTarget.__members__:
                    await stale_button(update, actor)
                    return
                target = NoticeTarget(arg)
                if target == NoticeTarget.branches:
                    notice = await svc.draft_of(s, actor.member, notice_id)
                    if actor.member.role != Role.admin:
                        raise Refused("not_allowed")
                    text, buttons = await branch_picker(s, actor, notice)
                    await answer(update)
                    await edit_pressed(update, context, text, buttons)
                    return
                notice = await svc.set_target(
                    s, actor=actor.member, notice_id=notice_id, target=target
                )
            elif action == "br":
                if arg == "done":
                    notice = await svc.draft_of(s, actor.member, notice_id)
                else:
                    branch_id = parse_id(arg)
                    if branch_id is None:
                        await stale_button(update, actor)
                        return
                    notice = await svc.toggle_branch(
                        s, actor=actor.member, notice_id=notice_id, branch_id=branch_id
                    )
                    await s.commit()
                    page = await _page_of_branch(s, branch_id)
                    text, buttons = await branch_picker(s, actor, notice, page)
                    await answer(update)
                    await edit_pressed(update, context, text, buttons)
                    return
            elif action == "brp":
                to_page = parse_id(arg)
                if to_page is None:
                    await stale_button(update, actor)
                    return
                notice = await svc.draft_of(s, actor.member, notice_id)
                if actor.member.role != Role.admin:
                    raise Refused("not_allowed")
                text, buttons = await branch_picker(s, actor, notice, to_page)
                await answer(update)
                await edit_pressed(update, context, text, buttons)
                return
            elif action == "ack" and arg in ("0", "1"):
                notice = await svc.set_requires_ack(
                    s, actor=actor.member, notice_id=notice_id, required=arg == "1"
                )
            elif action == "when" and arg == "now":
                notice = await svc.set_send_at(
                    s, actor=actor.member, notice_id=notice_id, send_at=None, now=now
                )
                await _close_time_question(s, actor, notice_id)
            elif action == "when" and arg == "ask":
                await svc.draft_of(s, actor.member, notice_id)
                await forms.ensure_free(s, telegram_user_id=actor.telegram_user_id, form=FORM)
                await forms.start(
                    s,
                    telegram_user_id=actor.telegram_user_id,
                    form=FORM,
                    step="when",
                    now=now,
                    data={"notice_id": notice_id},
                )
                await s.commit()
                await answer(update)
                await reply(
                    update,
                    context,
                    t._(
                        "When should notice #{id} be sent? Type the time as YYYY-MM-DD HH:MM "
                        "({zone}), for example {example}.",
                        id=notice_id,
                        zone=context.settings.timezone,
                        example=t.datetime(now + timedelta(days=1), "yyyy-MM-dd HH:00"),
                    ),
                )
                return
            elif action == "send":
                await _confirm(update, context, actor, notice_id)
                return
            elif action == "drop":
                await svc.discard(s, actor=actor.member, notice_id=notice_id)
                await _close_time_question(s, actor, notice_id)
                await s.commit()
                await answer(update)
                await edit_pressed(
                    update, context, t._("Notice #{id} cancelled. Nothing was sent.", id=notice_id)
                )
                return
            elif action in ("pause", "resume", "cancel"):
                notice = await svc.control(
                    s, actor=actor.member, notice_id=notice_id, action=action, now=now
                )
                await s.commit()
                await _after_control(update, context, actor, notice)
                return
            elif action == "rcpt":
                await answer(update)
                await _show_receipts(update, context, actor, notice_id)
                return
            elif action == "remind":
                count = await svc.remind(
                    s,
                    actor=actor.member,
                    notice_id=notice_id,
                    catalogs=context.catalogs,
                    tz=context.settings.tz,
                    now=now,
                )
                await s.commit()
                context.outbox.wake()
                await answer(
                    update,
                    t.n_("Reminder sent to {n} person.", "Reminder sent to {n} people.", count),
                    alert=True,
                )
                return
            elif action == "xlsx":
                rep = await svc.report(s, actor=actor.member, notice_id=notice_id)
                data = svc.receipts_xlsx(t, rep)
                await answer(update)
                await reply_document(
                    update,
                    context,
                    f"notice-{notice_id}-receipts.xlsx",
                    data,
                    t._("Receipts of notice #{id}", id=notice_id),
                )
                return
            else:
                await stale_button(update, actor)
                return
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
        await s.commit()
        text, buttons = await preview_view(s, actor, notice)
    await answer(update)
    await edit_pressed(update, context, text, buttons)


async def _close_time_question(s: AsyncSession, actor: Actor, notice_id: int) -> None:
    """Stop waiting for a send time for this notice: what they type next is not a time."""
    state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
    if (
        state is not None
        and state.form == FORM
        and state.step == "when"
        and int(state.data.get("notice_id") or 0) == notice_id
    ):
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)


async def _confirm(update: Update, context: BotContext, actor: Actor, notice_id: int) -> None:
    """确认发送: enqueue (or schedule) and turn the preview into the live progress view."""
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    t = actor.t
    now = context.clock.now()
    async with context.sessions() as s:
        try:
            notice = await svc.confirm(
                s,
                actor=actor.member,
                notice_id=notice_id,
                catalogs=context.catalogs,
                tz=context.settings.tz,
                now=now,
            )
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
        await svc.set_preview(
            s, notice=notice, chat_id=query.message.chat.id, message_id=query.message.message_id
        )
        await _close_time_question(s, actor, notice_id)
        await s.commit()
        if notice.status == NoticeStatus.scheduled:
            assert notice.send_at is not None
            await answer(update)
            await edit_pressed(
                update,
                context,
                t._(
                    "Notice #{id} will be sent at {time}. "
                    "Until then you can cancel it here or in /notices.",
                    id=notice_id,
                    time=t.datetime(notice.send_at, "short"),
                ),
                [[button(t.label("Cancel"), PREFIX, notice_id, "cancel", "-")]],
            )
            return
        context.outbox.wake()
        view = svc.progress_message(t, await svc.progress(s, notice, now=now))
    await answer(update, t.label("Sending started."))
    await edit_pressed(update, context, view.text, view.buttons)


async def _after_control(update: Update, context: BotContext, actor: Actor, notice: Notice) -> None:
    t = actor.t
    toast = {
        NoticeStatus.paused: t.label("Paused. Nothing more is sent until you resume."),
        NoticeStatus.sending: t.label("Resumed."),
        NoticeStatus.cancelled: t.label("Cancelled. What was not sent yet is withdrawn."),
    }.get(notice.status)
    if notice.status == NoticeStatus.sending:
        context.outbox.wake()
    await answer(update, toast)
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    if notice.batch_id is None and query.message.message_id != notice.preview_message_id:
        # Cancelled from /notices: the list stays, so the other scheduled ones can be too.
        async with context.sessions() as s:
            text, buttons = await _list_view(s, actor)
        await edit_pressed(update, context, text, buttons)
        return
    if notice.batch_id is None:
        await edit_pressed(
            update, context, t._("Notice #{id} cancelled. Nothing was sent.", id=notice.id)
        )
        return
    async with context.sessions() as s:
        fresh = await s.get(Notice, notice.id)
        assert fresh is not None
        view = svc.progress_message(t, await svc.progress(s, fresh, now=context.clock.now()))
    await edit_pressed(update, context, view.text, view.buttons)


# ---------------------------------------------------------------- 收到
async def ack_button(update: Update, context: BotContext) -> None:
    """A member presses 收到: recorded once; the button then shows it was confirmed."""
    parts = callback_parts(update, "nack", 1)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        notice_id = parse_id(parts[0]) if parts else None
        if notice_id is None:
            await stale_button(update, actor)
            return
        try:
            receipt, recorded = await svc.acknowledge(
                s, member=actor.member, notice_id=notice_id, now=now
            )
        except Refused:
            await stale_button(update, actor)
            return
        await s.commit()
    t = actor.t
    assert receipt.acked_at is not None
    await answer(
        update,
        t.label("Thank you, your confirmation is recorded.")
        if recorded
        else t.label(
            "Already recorded: you confirmed at {time}.", time=t.datetime(receipt.acked_at, "short")
        ),
    )
    await set_pressed_buttons(update, context, [[svc.acked_button(t, notice_id, receipt.acked_at)]])


# ---------------------------------------------------------------- /receipts and /notices
NAMES_SHOWN = 30
NAMES_PER_LINE = 10


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


async def _show_receipts(
    update: Update, context: BotContext, actor: Actor, notice_id: int | None
) -> None:
    t = actor.t
    async with context.sessions() as s:
        try:
            if notice_id is None:
                latest = await svc.latest(s, actor=actor.member)
                if latest is None:
                    await reply(update, context, t._("You have not sent any notice yet."))
                    return
                assert latest.id is not None
                notice_id = latest.id
            rep = await svc.report(s, actor=actor.member, notice_id=notice_id)
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
    notice = rep.notice
    lines = [
        t._(
            "<b>Receipts of notice #{id}</b> ({status}): {excerpt}",
            id=notice_id,
            status=t._(svc.STATUS_NAMES[notice.status]),
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
    lines.append("")
    for tally in rep.by_branch():
        name = tally.name or t.label("no branch")
        if notice.requires_ack:
            lines.append(
                t._(
                    "<b>{branch}</b>: delivered {delivered}/{total}, confirmed {confirmed}",
                    branch=name,
                    delivered=tally.delivered,
                    total=tally.total,
                    confirmed=tally.confirmed,
                )
            )
            if tally.waiting:
                lines += _name_lines(
                    t,
                    lambda names: t._("  not yet confirmed: {names}", names=names),
                    tally.waiting,
                )
        else:
            lines.append(
                t._(
                    "<b>{branch}</b>: delivered {delivered}/{total}",
                    branch=name,
                    delivered=tally.delivered,
                    total=tally.total,
                )
            )
    unreachable = [
        r for r in rep.rows if r.delivery in (DeliveryStatus.blocked, DeliveryStatus.failed)
    ]
    if unreachable:
        lines.append("")
        lines += _name_lines(
            t,
            lambda names: t._("Not reached: {names}", names=names),
            [f"{r.name}（{svc.delivery_name(t, r.delivery)}）" for r in unreachable],
        )
    buttons: Keyboard = []
    row: list[Button] = []
    if notice.requires_ack and rep.waiting and notice.status != NoticeStatus.cancelled:
        row.append(
            button(
                t.label("Remind the {n} not yet confirmed", n=len(rep.waiting)),
                PREFIX,
                notice_id,
                "remind",
                "-",
            )
        )
    row.append(button(t.label("Export XLSX"), PREFIX, notice_id, "xlsx", "-"))
    buttons.append(row)
    # A committee of hundreds of branches runs to several messages; the buttons go last.
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], buttons)


async def receipts(update: Update, context: BotContext) -> None:
    """Delivered, blocked, failed, confirmed and not yet, by branch and by name."""
    args = command_args(context)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
    if actor.member is None or not (actor.is_admin or actor.is_secretary):
        await not_allowed(update, context, actor)
        return
    notice_id = None
    if args:
        notice_id = parse_id(args[0].lstrip("#"))
        if notice_id is None:
            await reply(update, context, actor.t._("Use /receipts or /receipts [number]."))
            return
    await _show_receipts(update, context, actor, notice_id)


async def _list_view(s: AsyncSession, actor: Actor) -> tuple[str, Keyboard]:
    """Scheduled notices with a 取消 each, then the recent ones."""
    t = actor.t
    rows = await svc.listing(s, actor=actor.member)
    if not rows:
        return t._("No notices yet. Send one with /broadcast [text]."), []
    lines = [t._("<b>Notices</b>")]
    buttons: Keyboard = []
    for n in rows:
        when = n.send_at if n.status == NoticeStatus.scheduled else (n.started_at or n.created_at)
        assert when is not None
        assert n.id is not None
        lines.append(
            t._(
                "#{id} · {status} · {time} · {excerpt}",
                id=n.id,
                status=t._(svc.STATUS_NAMES[n.status]),
                time=t.datetime(when, "short"),
                excerpt=plain(n.text),
            )
        )
        if n.status == NoticeStatus.scheduled:
            buttons.append([button(t.label("Cancel #{id}", id=n.id), PREFIX, n.id, "cancel", "-")])
    lines += ["", t._("See who confirmed with /receipts [number].")]
    return "\n".join(lines), buttons


async def notices_list(update: Update, context: BotContext) -> None:
    """Scheduled notices (each cancellable) and the recent ones."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if actor.member is None or not (actor.is_admin or actor.is_secretary):
            await not_allowed(update, context, actor)
            return
        text, buttons = await _list_view(s, actor)
    await reply(update, context, text, buttons)


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    add_form(app, FORM, notice_text, media=notice_media)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("broadcast", broadcast, filters=private))
    app.add_handler(CommandHandler("notices", notices_list, filters=private))
    app.add_handler(CommandHandler("receipts", receipts, filters=private))
    app.add_handler(CallbackQueryHandler(notice_button, pattern=rf"^{PREFIX}:"))
    app.add_handler(CallbackQueryHandler(ack_button, pattern=r"^nack:"))
