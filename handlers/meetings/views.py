"""三会一课 in the reader's language: meeting summaries, notices, answers, confirmations.

Also the `compose` functions services and jobs are given to word what other people are
sent (notices, reminders, changes, leave requests and decisions), once per language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.context import BotContext
from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Catalogs, Translator
from bot.models import (
    CheckinBy,
    LeaveStatus,
    Meeting,
    MeetingKind,
    PartyGroup,
)
from bot.services.meetings.announce import Announcement, Compose, Occasion
from bot.services.meetings.answers import LeaveDecision, LeaveRequest
from bot.services.meetings.checkin import CheckIn, opens_at
from bot.services.meetings.drafts import DURATIONS, Draft, Invitees
from bot.services.meetings.manage import Changed
from bot.services.meetings.schedule import Scheduled
from bot.services.periods import local_to_utc
from handlers.labels import labels
from handlers.meetings.buttons import FormPress, LeaveVote, Vote
from handlers.paging import page_of, paged_keyboard

Texts = Callable[[str | None], Translator]
"""A locale (None: the default) → its translator, for people other than the reader."""

KIND_NAMES = labels(
    {
        MeetingKind.assembly: N_("general assembly"),
        MeetingKind.committee: N_("branch committee meeting"),
        MeetingKind.group: N_("party group meeting"),
        MeetingKind.lecture: N_("party lecture"),
        MeetingKind.theme_day: N_("party day"),
        MeetingKind.life_meeting: N_("organisational life meeting"),
        MeetingKind.member_review: N_("democratic review of members"),
        MeetingKind.training: N_("training session"),
    }
)
LEAVE_NAMES = labels(
    {
        LeaveStatus.pending: N_("waiting for the secretary"),
        LeaveStatus.approved: N_("approved by the secretary"),
        LeaveStatus.rejected: N_("not approved"),
    }
)
# The guided form's kind buttons: 三会一课 first, then the other branch activities.
KIND_ROWS = (
    (MeetingKind.assembly, MeetingKind.committee),
    (MeetingKind.group, MeetingKind.lecture),
    (MeetingKind.theme_day, MeetingKind.life_meeting),
    (MeetingKind.member_review, MeetingKind.training),
)
assert {k for row in KIND_ROWS for k in row} == set(MeetingKind), "a kind without a button"


def translators(catalogs: Catalogs, settings: Settings) -> Texts:
    return lambda locale: catalogs.translator(locale or settings.default_locale, settings.tz)


def texts_for(context: BotContext) -> Texts:
    return translators(context.catalogs, context.settings)


def kind_name(t: Translator, kind: MeetingKind) -> str:
    return t.label(KIND_NAMES[kind])


def kind_label(t: Translator, kind: MeetingKind, group: PartyGroup | None = None) -> str:
    """The kind, with the party group a 党小组会 is for."""
    name = kind_name(t, kind)
    if group is not None and kind == MeetingKind.group:
        return t.label("{kind} ({group})", kind=name, group=group.name)
    return name


def meeting_summary(t: Translator, meeting: Meeting, group: PartyGroup | None = None) -> str:
    """Kind, time, place and 第一议题 of a meeting (HTML)."""
    return "\n".join(
        [
            t._("<b>{kind}</b> #{id}", kind=kind_label(t, meeting.kind, group), id=meeting.id),
            t._(
                "Time: {start}–{end}",
                start=t.datetime(meeting.starts_at, "short"),
                end=t.time(meeting.ends_at),
            ),
            t._("Place: {place}", place=meeting.place or t.label("not set")),
            t._("First agenda item: {topic}", topic=meeting.first_topic or t.label("not set")),
        ]
    )


def notice_buttons(t: Translator, meeting: Meeting) -> Keyboard:
    assert meeting.id is not None
    rows: Keyboard = [
        [
            Vote(meeting.id, "yes").button(t.label("Attend")),
            Vote(meeting.id, "leave").button(t.label("Request leave")),
        ]
    ]
    if meeting.checkin_by == CheckinBy.button:
        rows.append([Vote(meeting.id, "in").button(t.label("Check in"))])
    return rows


def checkin_hint(t: Translator, meeting: Meeting) -> str:
    opens = t.time(opens_at(meeting))
    if meeting.checkin_by == CheckinBy.code:
        return t._(
            "Check-in opens at {time}: send /checkin and the code given at the meeting.",
            time=opens,
        )
    return t._("Check-in opens at {time}: press “Check in” below.", time=opens)


def in_how_long(t: Translator, minutes: int) -> str:
    if minutes >= 55:  # the job ticks every minute: 59.5 minutes before is "in 1 hour"
        return t.n_("in {n} hour", "in {n} hours", round(minutes / 60))
    return t.n_("in {n} minute", "in {n} minutes", minutes)


def headline(t: Translator, a: Announcement) -> str:
    if a.occasion == Occasion.cancelled:
        return t._("❌ <b>Meeting cancelled</b>")
    if a.occasion == Occasion.moved:
        assert a.was is not None
        return t._(
            "🕑 <b>Meeting moved</b> (was {old}). Your answer still stands.",
            old=t.datetime(a.was, "short"),
        )
    if a.occasion == Occasion.reminder:
        when = in_how_long(t, a.minutes_left or 1)
        return t._("⏰ <b>Reminder</b>: the meeting starts {when}.", when=when)
    return t._("📣 <b>Meeting notice</b>")


def compose(texts: Texts) -> Compose[Announcement]:
    """What invitees are sent: the headline, the meeting, and (unless off) the answer buttons."""

    def message(a: Announcement, locale: str | None) -> OutgoingMessage:
        t = texts(locale)
        text = headline(t, a) + "\n\n" + meeting_summary(t, a.meeting, a.group)
        if not a.answerable:
            return OutgoingMessage(text=text)
        text += "\n\n" + checkin_hint(t, a.meeting)
        return OutgoingMessage(text=text, buttons=notice_buttons(t, a.meeting))

    return message


def compose_leave_request(texts: Texts) -> Compose[LeaveRequest]:
    """The 请假 the secretary receives, with 批准 / 不批准."""

    def message(r: LeaveRequest, locale: str | None) -> OutgoingMessage:
        t = texts(locale)
        assert r.attendance.id is not None
        text = t._(
            "🙋 <b>Leave request</b> from {name} for {kind} #{id} on {when}:\n{reason}",
            name=r.member.name,
            kind=kind_name(t, r.meeting.kind),
            id=r.meeting.id,
            when=t.datetime(r.meeting.starts_at, "short"),
            reason=r.attendance.leave_reason or "",
        )
        decide = [
            LeaveVote(r.attendance.id, "ok", r.token).button(t.label("Approve leave")),
            LeaveVote(r.attendance.id, "no", r.token).button(t.label("Reject leave")),
        ]
        return OutgoingMessage(text=text, buttons=[decide])

    return message


LEAVE_APPROVED = N_("Your leave from {kind} #{id} on {when} was approved.")
LEAVE_REJECTED = N_(
    "Your leave from {kind} #{id} on {when} was not approved. Please attend if you can."
)


def compose_leave_decision(texts: Texts) -> Compose[LeaveDecision]:
    """The secretary's decision as the member receives it."""

    def message(d: LeaveDecision, locale: str | None) -> OutgoingMessage:
        t = texts(locale)
        text = t._(
            LEAVE_APPROVED if d.approved else LEAVE_REJECTED,
            kind=kind_name(t, d.meeting.kind),
            id=d.meeting.id,
            when=t.datetime(d.meeting.starts_at, "short"),
        )
        return OutgoingMessage(text=text)

    return message


def leave_status(t: Translator, status: LeaveStatus | None) -> str:
    return t.label(LEAVE_NAMES[status or LeaveStatus.pending])


def decided(t: Translator, d: LeaveDecision) -> str:
    """The secretary's request message once decided."""
    return t._(
        "Leave of {name} for {kind} #{id} ({reason}): {status}.",
        name=d.member.name,
        kind=kind_name(t, d.meeting.kind),
        id=d.meeting.id,
        reason=d.attendance.leave_reason or "",
        status=leave_status(t, d.attendance.leave_status),
    )


def attend_toast(t: Translator, changed: bool) -> str:
    if changed:
        return t.label("Recorded: you will attend.")
    return t.label("Already recorded: you will attend.")


def checkin_toast(t: Translator, c: CheckIn) -> str:
    when = t.time(c.at)
    if not c.recorded:
        return t.label("Already recorded: you checked in at {time}.", time=when)
    if c.late:
        return t.label("Checked in at {time} (late).", time=when)
    return t.label("Checked in at {time}.", time=when)


def checked_in(t: Translator, c: CheckIn) -> str:
    """The answer to `/checkin <code>`, naming the meeting."""
    kind, when = kind_name(t, c.meeting.kind), t.time(c.at)
    if not c.recorded:
        return t._(
            "Already recorded: you checked in to {kind} #{id} at {time}.",
            kind=kind, id=c.meeting.id, time=when,
        )  # fmt: skip
    if c.late:
        return t._(
            "Checked in to {kind} #{id} at {time} (late).", kind=kind, id=c.meeting.id, time=when
        )
    return t._("Checked in to {kind} #{id} at {time}.", kind=kind, id=c.meeting.id, time=when)


def _what(t: Translator, m: Meeting, group: PartyGroup | None, when: datetime) -> dict[str, object]:
    """What a confirmation restates: the kind and number, when, where."""
    place = m.place or t.label("place not set")
    kind = kind_label(t, m.kind, group)
    return {"kind": kind, "id": m.id, "when": t.datetime(when, "short"), "place": place}


def scheduled(t: Translator, s: Scheduled) -> str:
    """The confirmed preview: what was scheduled, when, where, and to how many."""
    m = s.meeting
    text = t.n_(
        "✅ Scheduled {kind} #{id}: {when}, {place}; the notice is going out to {n} person.",
        "✅ Scheduled {kind} #{id}: {when}, {place}; notices are going out to {n} people.",
        s.told,
        **_what(t, m, s.group, m.starts_at),
    )
    if m.checkin_code:
        code = m.checkin_code
        text += "\n" + t._("Check-in code (tell it at the meeting): <b>{code}</b>", code=code)
    return text


def moved(t: Translator, c: Changed) -> str:
    return t.n_(
        "✅ Moved {kind} #{id} to {when} (was {old}), {place}; {n} invitee is being told. "
        "Their answer carries over.",
        "✅ Moved {kind} #{id} to {when} (was {old}), {place}; {n} invitees are being told. "
        "Their answers carry over.",
        c.told,
        old=t.datetime(c.was, "short"),
        **_what(t, c.meeting, c.group, c.meeting.starts_at),
    )


def cancel_question(t: Translator, meeting: Meeting, group: PartyGroup | None) -> str:
    question = t._("Call off this meeting? Every invitee will be told.")
    return question + "\n\n" + meeting_summary(t, meeting, group)


def cancelled(t: Translator, c: Changed) -> str:
    return t.n_(
        "✅ Cancelled {kind} #{id} ({when}, {place}); {n} invitee is being told.",
        "✅ Cancelled {kind} #{id} ({when}, {place}); {n} invitees are being told.",
        c.told,
        **_what(t, c.meeting, c.group, c.was),
    )


# --------------------------------------------------------------------------- the guided form
Prompt = tuple[str, Keyboard]
PICK_PAGE = 60  # names a picker shows at once (Telegram allows 100 buttons a message)
NAMES_SHOWN = 30
EDITABLE = (
    ("kind", N_("Kind")),
    ("day", N_("Date")),
    ("at", N_("Time")),
    ("duration", N_("Length")),
    ("place", N_("Place")),
    ("topic", N_("First agenda item")),
    ("checkin", N_("Check-in")),
    ("invitees", N_("Invitees")),
)


def cancel_row(t: Translator) -> list[Button]:
    return [FormPress("cancel").button(t.label("Cancel"))]


def duration_label(t: Translator, minutes: int) -> str:
    if minutes % 60 == 0:
        return t.n_("{n} hour", "{n} hours", minutes // 60)
    return t.n_("{n} minute", "{n} minutes", minutes)


def _ask_kind(t: Translator, today: date) -> Prompt:
    rows = [[FormPress("kind", k.value).button(kind_name(t, k)) for k in row] for row in KIND_ROWS]
    return t._("What kind of meeting?"), rows


def _ask_day(t: Translator, today: date) -> Prompt:
    example = (today + timedelta(days=7)).isoformat()
    return t._("Which day? Type the date as YYYY-MM-DD, e.g. {example}.", example=example), []


def _ask_at(t: Translator, today: date) -> Prompt:
    return t._("What time does it start? Type HH:MM, e.g. 14:30."), []


def _ask_duration(t: Translator, today: date) -> Prompt:
    row = [FormPress("dur", str(d)).button(duration_label(t, d)) for d in DURATIONS]
    return t._("How long will it take? Press a button, or type the minutes."), [row]


def _ask_place(t: Translator, today: date) -> Prompt:
    return t._("Where? Type the place, or an online meeting link."), []


def _ask_topic(t: Translator, today: date) -> Prompt:
    return t._("First agenda item (第一议题): what will be studied first? Type the topic."), []


def _ask_checkin(t: Translator, today: date) -> Prompt:
    row = [
        FormPress("ci", CheckinBy.button.value).button(t.label("By button")),
        FormPress("ci", CheckinBy.code.value).button(t.label("By code")),
    ]
    return t._("How do people check in?"), [row]


def _ask_edit(t: Translator, today: date) -> Prompt:
    pairs = [FormPress("field", name).button(t.label(label)) for name, label in EDITABLE]
    return t._("What would you like to change?"), [pairs[i : i + 2] for i in range(0, 8, 2)]


PROMPTS: dict[str, Callable[[Translator, date], Prompt]] = {
    "kind": _ask_kind,
    "day": _ask_day,
    "at": _ask_at,
    "duration": _ask_duration,
    "place": _ask_place,
    "topic": _ask_topic,
    "checkin": _ask_checkin,
    "edit": _ask_edit,
}


def ask_group(t: Translator, groups: list[PartyGroup]) -> Prompt:
    rows = [[FormPress("group", str(g.id)).button(g.name)] for g in groups]
    return t._("Which party group meets?"), rows


def invitee_picker(t: Translator, invitees: Invitees, number: int) -> Prompt:
    """Who is invited, a page of names to press, ◀ ▶ and Done."""
    chosen = invitees.chosen_ids
    page = page_of(invitees.people, number, PICK_PAGE)
    text = t._(
        "Invitees: {n} of {total}. Press a name to invite or uninvite them, then “Done”.",
        n=len(chosen),
        total=len(invitees.people),
    )
    if caption := page.caption(t):
        text += "\n" + caption
    rows = paged_keyboard(
        page,
        lambda p: FormPress("inv", str(p.id)).button(("✓ " if p.id in chosen else "· ") + p.name),
        lambda n: FormPress("invpg", str(n)),
        columns=3,
        footer=[[FormPress("invdone").button(t.label("Done"))]],
    )
    return text, rows


def preview(t: Translator, draft: Draft, invitees: Invitees, group: PartyGroup | None) -> Prompt:
    """The draft to check, with Confirm / Edit / Cancel."""
    assert draft.kind is not None
    assert draft.day is not None
    assert draft.at is not None
    starts = local_to_utc(draft.day, draft.at, t.tz)
    by_code = draft.checkin_by == CheckinBy.code
    names = "、".join(p.name for p in invitees.chosen[:NAMES_SHOWN])
    lines = [
        t._("<b>Please check the meeting</b>"),
        t._("Kind: {kind}", kind=kind_label(t, draft.kind, group)),
        t._(
            "Time: {start}–{end}",
            start=t.datetime(starts, "short"),
            end=t.time(starts + timedelta(minutes=draft.duration)),
        ),
        t._("Place: {place}", place=draft.place or t.label("not set")),
        t._("First agenda item: {topic}", topic=draft.topic or t.label("not set")),
        t._("Check-in: {how}", how=t.label("by code") if by_code else t.label("by button")),
        t._(
            "Invitees ({n}): {names}",
            n=len(invitees.chosen),
            names=names + ("…" if len(invitees.chosen) > NAMES_SHOWN else ""),
        ),
    ]
    buttons = [
        FormPress("ok").button(t.label("Confirm")),
        FormPress("edit").button(t.label("Edit")),
        FormPress("cancel").button(t.label("Cancel")),
    ]
    return "\n".join(lines), [buttons]
