"""What notices look like, in the reader's language: previews, progress, copies, receipts."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Catalogs, Translator
from bot.models import Branch, Member, Notice, NoticeStatus, NoticeTarget
from bot.services import notices as svc
from bot.services.errors import Refused
from handlers.home.buttons import RunCommand
from handlers.home.views import command_button
from handlers.labels import labels
from handlers.notices import buttons as b
from handlers.notices.buttons import Action, Received
from handlers.paging import page_holding, page_of, paged_keyboard
from handlers.shape import Refusals

PICK_PAGE = 40  # branches the picker shows at once (Telegram allows 100 buttons a message)
BRANCH_NAMES_LISTED = 5  # in the preview; the picker shows every chosen one
BRANCH_NAME_CHARS = 40

STATUS_NAMES = labels(
    {
        NoticeStatus.draft: N_("draft"),
        NoticeStatus.scheduled: N_("scheduled"),
        NoticeStatus.sending: N_("sending"),
        NoticeStatus.paused: N_("paused"),
        NoticeStatus.cancelled: N_("cancelled"),
        NoticeStatus.done: N_("sent"),
    }
)
TARGET_NAMES = labels(
    {
        NoticeTarget.all: N_("All members"),
        NoticeTarget.branches: N_("Chosen branches"),
        NoticeTarget.secretaries: N_("Secretaries only"),
    }
)


@dataclass(frozen=True)
class NoticeRefusals(Refusals):
    """The notices' refusals; a notice's status is named in the reader's words."""

    def text(self, t: Translator, exc: Refused) -> str:
        status = exc.params.get("status")
        if status in STATUS_NAMES:
            exc = Refused(exc.code, **{**exc.params, "status": t.label(STATUS_NAMES[status])})
        return super().text(t, exc)


REFUSALS = NoticeRefusals(
    {
        "unknown_notice": N_("There is no such notice. Send /notices to see yours."),
        "unknown_branch": N_("That branch no longer exists."),
        "not_draft": N_("This notice is already {status}; the preview cannot change any more."),
        "state": N_("This notice is {status}; that is not possible now."),
        "not_sent": N_("This notice has not been sent yet (it is {status})."),
        "text_empty": N_(
            "The notice is empty. Please type the text of the notice (formatting is kept)."
        ),
        "text_too_long": N_(
            "That is {length} characters; a notice can have at most {limit} here. "
            "Please shorten it and send it again."
        ),
        "time_format": N_(
            "Please type the time as YYYY-MM-DD HH:MM, for example 2026-12-01 09:00."
        ),
        "time_invalid": N_("There is no such date or time. Please check it and type it again."),
        "time_past": N_("That time has already passed. Please type a time in the future."),
        "time_far": N_("Please choose a time within the next year."),
        "no_branch_chosen": N_("Please choose at least one branch first."),
        "no_recipients": N_("Nobody would receive this notice. Please choose other recipients."),
        "remind_too_soon": N_(
            "A reminder was sent less than an hour ago. You can remind again in {minutes} min."
        ),
        "nobody_waiting": N_("Everyone who received the notice has confirmed it."),
        "no_ack": N_("This notice did not ask for “Received”, so there is nobody to remind."),
        "form_open": N_(
            "You are in the middle of another form. Finish it, or send /cancel, "
            "then press “Schedule” again."
        ),
    }
)


def plain(text_html: str, limit: int = 40) -> str:
    """A short plain-text excerpt of a notice for lists."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text_html)).replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(name: str) -> str:
    return name if len(name) <= BRANCH_NAME_CHARS else name[: BRANCH_NAME_CHARS - 1] + "…"


def status_name(t: Translator, status: NoticeStatus) -> str:
    return t.label(STATUS_NAMES[status])


# ---------------------------------------------------------------- the essentials
def audience(t: Translator, e: svc.Essentials) -> str:
    """Who gets it, in words: everyone, secretaries, or the first few branches by name."""
    if e.target != NoticeTarget.branches:
        return t.label(TARGET_NAMES[e.target])
    # The notice text may be near Telegram's limit: the rest of the preview stays short.
    shown = "、".join(_short(n) for n in e.branch_names[:BRANCH_NAMES_LISTED])
    more = len(e.branch_names) - BRANCH_NAMES_LISTED
    if more > 0:
        shown += t.n_(" and {n} more branch", " and {n} more branches", more)
    return t.label("Branches: {names}", names=shown or t.label("none chosen"))


def essentials(t: Translator, e: svc.Essentials, *, send_time: bool = True) -> list[str]:
    """To whom (how many), whether 收到 is asked for, and (optionally) when."""
    lines = [
        t._("To: {to} ({n} people)", to=audience(t, e), n=e.recipients),
        t._("Confirmation (收到): required")
        if e.requires_ack
        else t._("Confirmation (收到): not required"),
    ]
    if send_time:
        lines.append(
            t._("Send: at {time}", time=t.datetime(e.send_at, "short"))
            if e.send_at
            else t._("Send: right away")
        )
    return lines


# ---------------------------------------------------------------- the preview
def _preview_buttons(t: Translator, e: svc.Essentials, *, admin: bool) -> Keyboard:
    nid = e.notice_id
    rows: Keyboard = []
    if admin:

        def mark(to: NoticeTarget) -> str:
            label = t.label(TARGET_NAMES[to])
            return f"✅ {label}" if e.target == to else label

        rows.append([b.target(nid, to).button(mark(to)) for to in TARGET_NAMES])
    ack = t.label("Require “Received”")
    rows.append(
        [
            b.ack(nid, not e.requires_ack).button(f"✅ {ack}" if e.requires_ack else f"⬜ {ack}"),
            b.when(nid, b.NOW).button(t.label("Send right away"))
            if e.send_at
            else b.when(nid, b.ASK).button(t.label("Schedule")),
        ]
    )
    rows.append(
        [
            b.act(nid, Action.send).button(t.label("Send now")),
            b.act(nid, Action.drop).button(t.label("Cancel")),
        ]
    )
    return rows


def preview(t: Translator, p: svc.Preview, *, admin: bool) -> tuple[str, Keyboard]:
    """The draft as it will look, who gets it, and the choices before 确认发送."""
    e = p.essentials
    lines = [t._("<b>Preview of notice #{id}</b>", id=e.notice_id), "", p.text, ""]
    if p.attachment is not None:
        lines.append(t._("📎 Attachment: {name}", name=p.attachment))
    lines += [*essentials(t, e), "", t._("Nothing is sent before you press “Send now”.")]
    return "\n".join(lines), _preview_buttons(t, e, admin=admin)


def picker(t: Translator, pk: svc.Picker, number: int) -> tuple[str, Keyboard]:
    """A page of branches with a tick for the chosen ones, ◀ ▶ and 完成."""
    nid = pk.notice_id
    page = page_of(pk.branches, number, PICK_PAGE)

    def item(branch: Branch) -> Button:
        tick = "✅" if branch.id in pk.chosen else "⬜"
        return b.branch(nid, branch.id or 0).button(f"{tick} {branch.name}")

    rows = paged_keyboard(
        page,
        item,
        lambda n: b.page(nid, n),
        footer=[[b.picked(nid).button(t.label("Done"))]],
    )
    text = t._("Choose the branches that get notice #{id}:", id=nid)
    caption = page.caption(t, chosen=len(pk.chosen))
    return (f"{text}\n{caption}" if caption else text), rows


def picker_page_of(pk: svc.Picker, branch_id: int) -> int:
    """The picker's page holding the branch just pressed (it stays on that page)."""
    return page_holding(pk.branches, lambda branch: branch.id == branch_id, PICK_PAGE)


def ask_for_text(t: Translator) -> str:
    return t._(
        "Please send the text of the notice. Bold, italics and links are kept.\n"
        "You can also send one document or photo, with the text as its caption.\n"
        "Send /cancel to stop."
    )


def ask_for_time(t: Translator, notice_id: int, zone: str, now: datetime) -> str:
    return t._(
        "When should notice #{id} be sent? Type the time as YYYY-MM-DD HH:MM "
        "({zone}), for example {example}.",
        id=notice_id,
        zone=zone,
        example=t.datetime(now + timedelta(days=1), "yyyy-MM-dd HH:00"),
    )


def discarded(t: Translator, notice_id: int | None) -> str:
    return t._("Notice #{id} cancelled. Nothing was sent.", id=notice_id)


def scheduled(t: Translator, e: svc.Essentials) -> tuple[str, Keyboard]:
    """确认发送 of a scheduled notice: what will go out when, and 取消 until then."""
    assert e.send_at is not None
    lines = [
        t._(
            "✅ Notice #{id} will be sent at {time}.",
            id=e.notice_id,
            time=t.datetime(e.send_at, "short"),
        ),
        *essentials(t, e, send_time=False),
        t._("Until then you can cancel it here or in /notices."),
    ]
    return "\n".join(lines), [[b.act(e.notice_id, Action.cancel).button(t.label("Cancel"))]]


# ---------------------------------------------------------------- the live progress
def progress_bar(done: int, total: int, width: int = 10) -> str:
    """A text bar like ▓▓▓░░░░░░░ for done out of total."""
    filled = width if total <= 0 else min(width, (done * width) // total)
    return "▓" * filled + "░" * (width - filled)


def duration(t: Translator, span: timedelta) -> str:
    seconds = max(1, int(span.total_seconds()))
    if seconds < 60:
        return t.n_("{n} second", "{n} seconds", seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return t.n_("{n} minute", "{n} minutes", minutes)
    return t.n_("{n} hour", "{n} hours", math.ceil(minutes / 60))


def _progress_buttons(t: Translator, notice: Notice) -> Keyboard:
    assert notice.id is not None
    nid = notice.id
    rows: Keyboard = []
    if notice.status in (NoticeStatus.sending, NoticeStatus.paused):
        first = (
            b.act(nid, Action.pause).button(t.label("Pause"))
            if notice.status == NoticeStatus.sending
            else b.act(nid, Action.resume).button(t.label("Resume"))
        )
        rows.append([first, b.act(nid, Action.cancel).button(t.label("Cancel"))])
    if notice.batch_id is not None:
        rows.append([b.act(nid, Action.receipts).button(t.label("Receipts"))])
    return rows


def progress(t: Translator, p: svc.Progress) -> OutgoingMessage:
    """The author's live view: counts, a bar, the ETA, what was sent to whom, and
    暂停 / 继续 / 取消. It is also 确认发送's confirmation, so it restates the essentials."""
    notice, batch = p.notice, p.batch
    lines = [
        t._(
            "<b>Notice #{id}</b> — {status}",
            id=notice.id,
            status=status_name(t, notice.status),
        )
    ]
    if batch is not None:
        total = batch.total
        lines += [
            f"{progress_bar(batch.done, total)} {t.percent(batch.done / total if total else 1)}",
            t._(
                "Sent {sent} · blocked {blocked} · failed {failed} · pending {pending} (of {total})",
                sent=batch.sent,
                blocked=batch.blocked,
                failed=batch.failed,
                pending=batch.pending + batch.sending,
                total=total,
            ),
        ]
        if batch.cancelled:
            lines.append(t._("Withdrawn before sending: {n}", n=batch.cancelled))
        if notice.status == NoticeStatus.sending and not p.finished:
            lines.append(
                t._("About {eta} left", eta=duration(t, p.eta))
                if p.eta is not None
                else t._("Estimating the time left…")
            )
    lines += ["", *essentials(t, p.essentials, send_time=False)]
    return OutgoingMessage(text="\n".join(lines), buttons=_progress_buttons(t, notice))


def control_toast(t: Translator, status: NoticeStatus) -> str | None:
    return {
        NoticeStatus.paused: t.label("Paused. Nothing more is sent until you resume."),
        NoticeStatus.sending: t.label("Resumed."),
        NoticeStatus.cancelled: t.label("Cancelled. What was not sent yet is withdrawn."),
    }.get(status)


def progress_compose(
    catalogs: Catalogs, tz: ZoneInfo
) -> Callable[[Member, svc.Progress], OutgoingMessage]:
    """The live view in its author's language, for the job that edits it."""
    return lambda author, p: progress(catalogs.translator(author.locale, tz), p)


# ---------------------------------------------------------------- what recipients get
def received_button(t: Translator, notice_id: int) -> Button:
    return Received(notice_id).button(t.label("Received"))


def acked_button(t: Translator, notice_id: int, at: datetime) -> Button:
    return Received(notice_id).button(t.label("✅ Received {time}", time=t.datetime(at, "short")))


def copy(t: Translator, notice: Notice, *, reminder: bool = False) -> OutgoingMessage:
    """The notice as one member sees it, with 收到 when confirmation is required."""
    assert notice.id is not None
    head = (
        t._("⏰ <b>Reminder</b>: please confirm that you have read this notice.")
        if reminder
        else t._("📢 <b>Notice</b>")
    )
    buttons: Keyboard = [[received_button(t, notice.id)]] if notice.requires_ack else []
    text = f"{head}\n\n{notice.text}" if notice.text else head
    return OutgoingMessage(
        text=text, buttons=buttons, media_id=notice.media_id, media_kind=notice.media_kind
    )


def copies(catalogs: Catalogs, tz: ZoneInfo, *, reminder: bool = False) -> svc.Compose:
    """The fan-out's compose: each recipient's copy, written once per notice and language."""
    translators: dict[str | None, Translator] = {}
    written: dict[tuple[int | None, str], OutgoingMessage] = {}

    def compose(member: Member, notice: Notice) -> OutgoingMessage:
        if member.locale not in translators:
            translators[member.locale] = catalogs.translator(member.locale, tz)
        t = translators[member.locale]
        key = (notice.id, t.locale)
        if key not in written:
            written[key] = copy(t, notice, reminder=reminder)
        return written[key]

    return compose


def ack_toast(t: Translator, ack: svc.Ack) -> str:
    if ack.recorded:
        return t.label("Thank you, your confirmation is recorded.")
    return t.label(
        "Already recorded: you confirmed at {time}.", time=t.datetime(ack.acked_at, "short")
    )


def reminded(t: Translator, count: int) -> str:
    return t.n_("Reminder sent to {n} person.", "Reminder sent to {n} people.", count)


# ---------------------------------------------------------------- /notices
LIST_PAGE = 10  # notices a page of /notices shows


def listing(t: Translator, rows: list[Notice], number: int = 0) -> tuple[str, Keyboard]:
    """Scheduled notices with a 取消 each, then the recent ones with 回执, a page at a time."""
    if not rows:
        return t._("No notices yet. Send one with /broadcast [text]."), []
    page = page_of(rows, number, LIST_PAGE)
    lines = [t._("<b>Notices</b>")]
    for n in page.items:
        when = n.send_at if n.status == NoticeStatus.scheduled else (n.started_at or n.created_at)
        assert when is not None
        lines.append(
            t._(
                "#{id} · {status} · {time} · {excerpt}",
                id=n.id,
                status=status_name(t, n.status),
                time=t.datetime(when, "short"),
                excerpt=plain(n.text),
            )
        )
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    lines += ["", t._("See who confirmed with /receipts [number].")]
    buttons: Keyboard = []
    for n in page.items:
        assert n.id is not None
        if n.status == NoticeStatus.scheduled:
            buttons.append([b.act(n.id, Action.cancel).button(t.label("Cancel #{id}", id=n.id))])
        elif n.started_at is not None:  # sent (or being sent): who received it
            label = t.label("Receipts #{id}", id=n.id)
            buttons.append([command_button(label, "receipts", str(n.id), back="notices")])
    nav = page.nav(lambda k: RunCommand(command="notices", arg=f"page {k}"))
    if nav:
        buttons.append(nav)
    return "\n".join(lines), buttons
