"""三会一课: /newmeeting (quick and guided), answers, 请假, 签到, /meetings, /attendance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import (
    BotApplication,
    BotContext,
    CommandSpec,
    add_commands,
    add_form,
    add_me_section,
    roles,
)
from bot.delivery import sender
from bot.delivery.message import Keyboard, OutgoingMessage, split_text
from bot.i18n import N_, Translator, escape
from bot.models import (
    Attendance,
    Branch,
    CheckinBy,
    FormState,
    LeaveStatus,
    MediaFile,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    PartyGroup,
    Role,
    Rsvp,
)
from bot.services import attendance as att
from bot.services import forms
from bot.services import meetings as svc
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
    send_to,
    stale_button,
    translator_for,
)

FORM = "meeting"
LEAVE_FORM = "meeting_leave"
MINUTES_FORM = "meeting_minutes"
PAGE = 20
PICK_PAGE = 60  # names a picker shows at once (Telegram allows 100 buttons a message)
NAMES_SHOWN = 30
MINUTES_FILE_MAX = 20 * 1024 * 1024

COMMANDS = (
    CommandSpec(
        "newmeeting",
        N_("schedule a meeting: /newmeeting [kind date time place]"),
        roles(Role.secretary),
    ),
    CommandSpec("meetings", N_("upcoming and recent meetings"), roles(Role.member, Role.secretary)),
    CommandSpec(
        "attendance",
        N_("attendance: /attendance [meeting id | this month | this quarter | YYYY-MM | YYYY-Qn]"),
        roles(Role.secretary, Role.admin),
    ),
    CommandSpec(
        "checkin", N_("check in with a code: /checkin <code>"), roles(Role.member, Role.secretary)
    ),
    CommandSpec(
        "reschedule", N_("move a meeting: /reschedule <id> <date> <time>"), roles(Role.secretary)
    ),
    CommandSpec(
        "cancelmeeting", N_("call off a meeting: /cancelmeeting <id>"), roles(Role.secretary)
    ),
    CommandSpec("minutes", N_("record minutes: /minutes <id>"), roles(Role.secretary)),
    CommandSpec("committee", N_("mark branch committee members"), roles(Role.secretary)),
    CommandSpec("groups", N_("party groups: /groups [new <name>]"), roles(Role.secretary)),
)

REFUSALS = {
    "not_allowed": N_("Sorry, this is not available to you. Send /help to see what you can do."),
    "bad_kind": N_(
        "“{text}” is not a meeting kind. Use 党员大会, 支委会, 党小组会 or 党课 "
        "(or assembly, committee, group, lecture)."
    ),
    "bad_date_format": N_("“{text}” is not a date. Please type it as YYYY-MM-DD, e.g. 2026-12-01."),
    "bad_date": N_("{text} does not exist in the calendar. Please type a real date."),
    "bad_time_format": N_("“{text}” is not a time. Please type it as HH:MM, e.g. 14:30."),
    "bad_time": N_("{text} is not a time of day. Hours go from 00 to 23, minutes from 00 to 59."),
    "bad_duration": N_(
        "Please press a button, or type the length in minutes (15 to 600), e.g. 90."
    ),
    "in_past": N_("That time has already passed. Please choose a time in the future."),
    "bad_period": N_(
        "“{text}” is not a period. Use a meeting number, “this month”, “this quarter”, "
        "YYYY-MM or YYYY-Qn (e.g. 2026-Q4)."
    ),
    "place_too_long": N_("The place can have at most {limit} characters (this has {length})."),
    "topic_too_long": N_(
        "The first agenda item can have at most {limit} characters (this has {length})."
    ),
    "quick_usage": N_(
        "Use /newmeeting <kind> <YYYY-MM-DD> <HH:MM> [place], e.g. "
        "/newmeeting 党员大会 2026-12-01 14:30 会议室 — or just /newmeeting for a guided form."
    ),
    "no_groups": N_("The branch has no party groups yet. Create one with /groups new <name>."),
    "which_group": N_(
        "Which party group? Put its name after the time: /newmeeting 党小组会 <date> <time> "
        "<group> [place]. Groups: {groups}"
    ),
    "no_such_group": N_("That party group does not exist (any more)."),
    "no_such_person": N_("That person is not in your branch."),
    "group_name_empty": N_("Please give the group a name: /groups new <name>"),
    "group_name_too_long": N_("A group name can have at most {limit} characters, on one line."),
    "group_exists": N_("A group named “{name}” already exists."),
    "draft_incomplete": N_("The form is not complete yet."),
    "no_invitees": N_(
        "Nobody would be invited. Mark committee members with /committee or "
        "assign a party group with /groups, or add people by hand."
    ),
    "not_invited": N_("You are not invited to this meeting."),
    "cancelled": N_("This meeting was cancelled."),
    "answers_closed": N_("The meeting has started; answers can no longer be changed."),
    "leave_already": N_("You have already asked for leave from this meeting."),
    "reason_empty": N_("Please type a reason for your leave."),
    "reason_too_long": N_("A reason can have at most {limit} characters (this has {length})."),
    "no_such_request": N_("This request does not exist or is not of your branch."),
    "leave_withdrawn": N_("The member has withdrawn this leave request (they will attend)."),
    "leave_superseded": N_(
        "This leave request was withdrawn or replaced; please decide the newest request."
    ),
    "checkin_not_open": N_("Check-in opens at {opens}."),
    "checkin_closed": N_("Check-in has closed: the meeting is over."),
    "use_code": N_("This meeting uses a check-in code: send /checkin and the code."),
    "code_format": N_("The check-in code has 4 to 6 digits: /checkin 123456"),
    "no_open_meeting": N_("None of your meetings is open for check-in now."),
    "code_wrong": N_("That code is not right. {left} tries left."),
    "code_locked": N_("Too many wrong codes. Please ask the secretary to mark you present."),
    "no_such_meeting": N_("There is no meeting #{id} in your branch."),
    "already_started": N_("The meeting has already started; it can no longer be changed."),
    "not_held_yet": N_("The meeting has not started yet."),
    "minutes_empty": N_("Please send the minutes as text or as a document."),
    "minutes_too_long": N_(
        "Minutes as text can have at most {limit} characters (this has {length}); "
        "send a document instead."
    ),
    "admin_needs_branch": N_(
        "Admins name the branch first: /attendance <branch> [meeting id | period]"
    ),
    "choose_button": N_("Please choose with the buttons above."),
    "form_open": N_(
        "You are in the middle of another form. Finish it, or send /cancel, "
        "then press “Request leave” again."
    ),
}


LEAVE_APPROVED = N_("Your leave from {kind} #{id} on {when} was approved.")
LEAVE_REJECTED = N_(
    "Your leave from {kind} #{id} on {when} was not approved. Please attend if you can."
)


def refusal_text(t: Translator, exc: Refused) -> str:
    """The words for a meetings refusal as plain text (button alerts); times in the person's zone."""
    params: dict[str, Any] = {
        k: t.datetime(v, "short") if isinstance(v, datetime) else v for k, v in exc.params.items()
    }
    return t.label(REFUSALS.get(exc.code, N_("Sorry, that could not be done.")), **params)


def refusal_html(t: Translator, exc: Refused) -> str:
    """A refusal for a message: plain sentences that show syntax like <id>, all escaped."""
    return escape(refusal_text(t, exc))


def texts_for(context: BotContext) -> svc.TextsFor:
    settings = context.settings
    return lambda locale: context.catalogs.translator(
        locale or settings.default_locale, settings.tz
    )


def today(context: BotContext) -> Any:
    return context.clock.now().astimezone(context.settings.tz).date()


async def _text_of(update: Update) -> str:
    assert update.effective_message is not None
    return update.effective_message.text or ""


# --------------------------------------------------------------------------- /newmeeting
STEPS = ("kind", "group", "day", "at", "duration", "place", "topic", "checkin", "invitees")
BUTTON_STEPS = frozenset({"group", "checkin", "invitees", "preview", "edit"})
DURATIONS = (60, 90, 120, 180)
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


def _next_step(step: str, draft: svc.Draft, editing: bool) -> str:
    if step == "kind" and draft.kind == MeetingKind.group:
        return "group"
    if editing:
        # After a change of kind the invitees follow the new kind.
        return "preview"
    order = list(STEPS)
    nxt = order[order.index(step) + 1] if step in order and step != order[-1] else "preview"
    return "day" if nxt == "group" else nxt


def _duration_label(t: Translator, minutes: int) -> str:
    if minutes % 60 == 0:
        return t.n_("{n} hour", "{n} hours", minutes // 60)
    return t.n_("{n} minute", "{n} minutes", minutes)


async def _ask(
    s: AsyncSession, update: Update, context: BotContext, actor: Actor, state: FormState
) -> None:
    """Show the prompt of the form's current step (again, after a refusal)."""
    t = actor.t
    draft = svc.Draft.from_data(state.data)
    step = state.step
    cancel_row = [button(t.label("Cancel"), "mf", "cancel", "0")]
    buttons: Keyboard = []
    if step == "kind":
        text = t._("What kind of meeting?")
        buttons = [
            [button(svc.kind_name(t, k), "mf", "kind", k.value) for k in kinds]
            for kinds in (
                (MeetingKind.assembly, MeetingKind.committee),
                (MeetingKind.group, MeetingKind.lecture),
            )
        ]
    elif step == "group":
        assert actor.member is not None
        assert actor.member.branch_id is not None
        groups = await svc.groups_of(s, actor.member.branch_id)
        text = t._("Which party group meets?")
        buttons = [[button(g.name, "mf", "group", g.id)] for g in groups]
    elif step == "day":
        text = t._(
            "Which day? Type the date as YYYY-MM-DD, e.g. {example}.",
            example=(today(context) + timedelta(days=7)).isoformat(),
        )
    elif step == "at":
        text = t._("What time does it start? Type HH:MM, e.g. 14:30.")
    elif step == "duration":
        text = t._("How long will it take? Press a button, or type the minutes.")
        buttons = [[button(_duration_label(t, d), "mf", "dur", d) for d in DURATIONS]]
    elif step == "place":
        text = t._("Where? Type the place, or an online meeting link.")
    elif step == "topic":
        text = t._("First agenda item (第一议题): what will be studied first? Type the topic.")
    elif step == "checkin":
        text = t._("How do people check in?")
        buttons = [
            [
                button(t.label("By button"), "mf", "ci", CheckinBy.button.value),
                button(t.label("By code"), "mf", "ci", CheckinBy.code.value),
            ]
        ]
    elif step == "invitees":
        text, buttons = await _invitee_picker(s, actor, draft, int(state.data.get("inv_page") or 0))
    elif step == "edit":
        text = t._("What would you like to change?")
        pairs = [button(t.label(label), "mf", "field", name) for name, label in EDITABLE]
        buttons = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    else:
        text, buttons = await _preview(s, actor, draft)
        await reply(update, context, text, buttons)
        return
    await reply(update, context, text, [*buttons, cancel_row])


async def _invitee_picker(
    s: AsyncSession, actor: Actor, draft: svc.Draft, page: int = 0
) -> tuple[str, Keyboard]:
    t = actor.t
    assert actor.member is not None
    assert actor.member.branch_id is not None
    people = await svc.branch_people(s, actor.member.branch_id)
    chosen = {
        p.id for p in await svc.draft_invitees(s, branch_id=actor.member.branch_id, draft=draft)
    }
    text = t._(
        "Invitees: {n} of {total}. Press a name to invite or uninvite them, then “Done”.",
        n=len(chosen),
        total=len(people),
    )
    # Telegram allows 100 buttons a message: a large branch is shown a page at a time.
    page = min(page, max(0, (len(people) - 1) // PICK_PAGE))
    shown = people[page * PICK_PAGE : (page + 1) * PICK_PAGE]
    names = [button(("✓ " if p.id in chosen else "· ") + p.name, "mf", "inv", p.id) for p in shown]
    rows = [names[i : i + 3] for i in range(0, len(names), 3)]
    nav = []
    if page > 0:
        nav.append(button("◀", "mf", "invpg", page - 1))
    if (page + 1) * PICK_PAGE < len(people):
        nav.append(button("▶", "mf", "invpg", page + 1))
    if nav:
        rows.append(nav)
    rows.append([button(t.label("Done"), "mf", "invdone", "0")])
    return text, rows


async def _preview(s: AsyncSession, actor: Actor, draft: svc.Draft) -> tuple[str, Keyboard]:
    t = actor.t
    assert actor.member is not None
    assert actor.member.branch_id is not None
    assert draft.kind is not None
    assert draft.day is not None
    assert draft.at is not None
    invitees = await svc.draft_invitees(s, branch_id=actor.member.branch_id, draft=draft)
    group = await s.get(PartyGroup, draft.group_id) if draft.group_id else None
    starts = svc.local_to_utc(draft.day, draft.at, t.tz)
    kind = svc.kind_name(t, draft.kind)
    if group is not None and draft.kind == MeetingKind.group:
        kind = t.label("{kind} ({group})", kind=kind, group=group.name)
    lines = [
        t._("<b>Please check the meeting</b>"),
        t._("Kind: {kind}", kind=kind),
        t._(
            "Time: {start}–{end}",
            start=t.datetime(starts, "short"),
            end=t.time(starts + timedelta(minutes=draft.duration)),
        ),
        t._("Place: {place}", place=draft.place or t.label("not set")),
        t._("First agenda item: {topic}", topic=draft.topic or t.label("not set")),
        t._(
            "Check-in: {how}",
            how=t.label("by code") if draft.checkin_by == CheckinBy.code else t.label("by button"),
        ),
        t._(
            "Invitees ({n}): {names}",
            n=len(invitees),
            names="、".join(p.name for p in invitees[:30]) + ("…" if len(invitees) > 30 else ""),
        ),
    ]
    buttons = [
        [
            button(t.label("Confirm"), "mf", "ok", "0"),
            button(t.label("Edit"), "mf", "edit", "0"),
            button(t.label("Cancel"), "mf", "cancel", "0"),
        ]
    ]
    return "\n".join(lines), buttons


async def newmeeting(update: Update, context: BotContext) -> None:
    """Secretary: the quick one-line form, or the guided form with buttons."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        args = command_args(context)
        try:
            if args:
                draft = await svc.quick_draft(
                    s, actor=actor.member, args=args, tz=context.settings.tz, now=now
                )
                step = "preview"
            else:
                draft, step = svc.Draft(), "kind"
        except Refused as exc:
            await reply(update, context, refusal_html(actor.t, exc))
            return
        state = await forms.start(
            s,
            telegram_user_id=actor.telegram_user_id,
            form=FORM,
            step=step,
            now=now,
            data=draft.to_data(),
        )
        await s.commit()
        await _ask(s, update, context, actor, state)


async def _require_groups(s: AsyncSession, actor: Actor, kind: MeetingKind) -> None:
    """A 党小组会 needs a party group to choose; without one the form would be stuck."""
    assert actor.member is not None
    assert actor.member.branch_id is not None
    if kind == MeetingKind.group and not await svc.groups_of(s, actor.member.branch_id):
        raise Refused("no_groups")


async def form_text(update: Update, context: BotContext, state: FormState) -> None:
    """Typed answers while the meeting form is open."""
    text = await _text_of(update)
    now = context.clock.now()
    tz = context.settings.tz
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        state_now = await forms.current(s, telegram_user_id=actor.telegram_user_id)
        if not actor.is_secretary or state_now is None or state_now.form != FORM:
            return
        state = state_now
        draft = svc.Draft.from_data(state.data)
        editing = bool(state.data.get("editing"))
        step = state.step
        try:
            if step == "kind":
                draft.kind = svc.parse_kind(text)
                await _require_groups(s, actor, draft.kind)
                draft.invitees = None
            elif step == "day":
                day = svc.parse_date(text)
                if day < today(context):
                    raise Refused("in_past")
                if draft.at is not None:
                    svc.starts_in_future(day, draft.at, tz, now)
                draft.day = day
            elif step == "at":
                at = svc.parse_time(text)
                assert draft.day is not None
                svc.starts_in_future(draft.day, at, tz, now)
                draft.at = at
            elif step == "duration":
                draft.duration = svc.parse_duration(text)
            elif step == "place":
                draft.place = svc.clean_text(text, svc.PLACE_MAX, "place_too_long")
            elif step == "topic":
                draft.topic = svc.clean_text(text, svc.TOPIC_MAX, "topic_too_long")
            else:
                raise Refused("choose_button")
        except Refused as exc:
            await reply(update, context, refusal_html(actor.t, exc))
            await _ask(s, update, context, actor, state)
            return
        await forms.advance(
            s, state=state, step=_next_step(step, draft, editing), now=now, **draft.to_data()
        )
        await s.commit()
        await _ask(s, update, context, actor, state)


async def form_button(update: Update, context: BotContext) -> None:
    """Button presses of the meeting form, each checked against the form's current step."""
    parts = callback_parts(update, "mf", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
        if parts is None or not actor.is_secretary or state is None or state.form != FORM:
            await stale_button(update, actor)
            return
        t = actor.t
        action, value = parts
        draft = svc.Draft.from_data(state.data)
        editing = bool(state.data.get("editing"))
        step = state.step
        expected = {
            "kind": "kind",
            "group": "group",
            "dur": "duration",
            "ci": "checkin",
            "inv": "invitees",
            "invpg": "invitees",
            "invdone": "invitees",
            "ok": "preview",
            "edit": "preview",
            "field": "edit",
        }
        if action == "cancel":
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await answer(update)
            await edit_pressed(update, context, t._("Cancelled. No meeting was scheduled."))
            return
        if expected.get(action) != step:
            await stale_button(update, actor)
            return
        assert actor.member is not None
        assert actor.member.branch_id is not None
        if action == "kind":
            try:
                draft.kind = MeetingKind(value)
            except ValueError:
                await stale_button(update, actor)
                return
            try:
                await _require_groups(s, actor, draft.kind)
            except Refused as exc:
                await answer(update, refusal_text(t, exc), alert=True)
                return
            draft.invitees = None
            nxt = _next_step("kind", draft, editing)
        elif action == "group":
            group_id = parse_id(value)
            group = await s.get(PartyGroup, group_id) if group_id else None
            if group is None or group.branch_id != actor.member.branch_id:
                await answer(update, refusal_text(t, Refused("no_such_group")), alert=True)
                return
            draft.group_id, draft.invitees = group.id, None
            nxt = "preview" if editing else "day"
        elif action == "dur":
            minutes = parse_id(value)
            if minutes not in DURATIONS:
                await stale_button(update, actor)
                return
            draft.duration = minutes
            nxt = _next_step("duration", draft, editing)
        elif action == "ci":
            try:
                draft.checkin_by = CheckinBy(value)
            except ValueError:
                await stale_button(update, actor)
                return
            nxt = _next_step("checkin", draft, editing)
        elif action == "inv":
            member_id = parse_id(value)
            people = await svc.branch_people(s, actor.member.branch_id)
            if member_id not in {p.id for p in people}:
                await answer(update, refusal_text(t, Refused("no_such_person")), alert=True)
                return
            current = {
                p.id
                for p in await svc.draft_invitees(s, branch_id=actor.member.branch_id, draft=draft)
            }
            current ^= {member_id}
            draft.invitees = [p.id for p in people if p.id in current and p.id is not None]
            await forms.advance(s, state=state, step="invitees", now=now, **draft.to_data())
            await s.commit()
            text, buttons = await _invitee_picker(
                s, actor, draft, int(state.data.get("inv_page") or 0)
            )
            await answer(update)
            await edit_pressed(
                update, context, text, [*buttons, [button(t.label("Cancel"), "mf", "cancel", "0")]]
            )
            return
        elif action == "invpg":
            page = parse_id(value)
            if page is None:
                await stale_button(update, actor)
                return
            await forms.advance(s, state=state, step="invitees", now=now, inv_page=page)
            await s.commit()
            text, buttons = await _invitee_picker(s, actor, draft, page)
            await answer(update)
            await edit_pressed(
                update, context, text, [*buttons, [button(t.label("Cancel"), "mf", "cancel", "0")]]
            )
            return
        elif action == "invdone":
            nxt = "preview"
        elif action == "edit":
            await forms.advance(s, state=state, step="edit", now=now, editing=True)
            await s.commit()
            await answer(update)
            await _ask(s, update, context, actor, state)
            return
        elif action == "field":
            if value not in {name for name, _ in EDITABLE}:
                await stale_button(update, actor)
                return
            await forms.advance(s, state=state, step=value, now=now, editing=True)
            await s.commit()
            await answer(update)
            await _ask(s, update, context, actor, state)
            return
        else:  # ok
            try:
                meeting, sent = await svc.schedule(
                    s,
                    actor=actor.member,
                    draft=draft,
                    tz=context.settings.tz,
                    texts=texts_for(context),
                    default_locale=context.settings.default_locale,
                    now=now,
                )
            except Refused as exc:
                await answer(update, refusal_text(t, exc), alert=True)
                if exc.code == "in_past":
                    await forms.advance(s, state=state, step="day", now=now, editing=True)
                    await s.commit()
                    await _ask(s, update, context, actor, state)
                return
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            context.outbox.wake()
            await answer(update)
            text, _ = await _preview(s, actor, draft)
            lines = [
                t._(
                    "✅ Meeting #{id} scheduled; notices are going out to {n} people.",
                    id=meeting.id,
                    n=sent,
                ),
            ]
            if meeting.checkin_code:
                lines.append(
                    t._(
                        "Check-in code (tell it at the meeting): <b>{code}</b>",
                        code=meeting.checkin_code,
                    )
                )
            await edit_pressed(update, context, "\n".join(lines))
            return
        await forms.advance(s, state=state, step=nxt, now=now, **draft.to_data())
        await s.commit()
        await answer(update)
        await set_buttons_done(update, context)
        await _ask(s, update, context, actor, state)


async def set_buttons_done(update: Update, context: BotContext) -> None:
    """Take the buttons off an answered prompt so old prompts cannot be pressed again."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await sender.edit_buttons(context.bot, query.message.chat.id, query.message.message_id, [])


# --------------------------------------------------------------------------- invitees
def _status_line(t: Translator, meeting: Meeting, a: Attendance) -> str:
    if a.checked_in_at is not None:
        if a.late:
            return t._("You checked in at {time} (late).", time=t.time(a.checked_in_at))
        return t._("You checked in at {time}.", time=t.time(a.checked_in_at))
    if a.rsvp == Rsvp.attend:
        return t._("Your answer: you will attend.")
    if a.rsvp == Rsvp.leave:
        return t._(
            "Your answer: leave requested ({status}).", status=_leave_status(t, a.leave_status)
        )
    return t._("You have not answered yet.")


def _leave_status(t: Translator, status: LeaveStatus | None) -> str:
    if status == LeaveStatus.approved:
        return t.label("approved by the secretary")
    if status == LeaveStatus.rejected:
        return t.label("not approved")
    return t.label("waiting for the secretary")


async def notice_button(update: Update, context: BotContext) -> None:
    """出席 / 请假 / 签到 on a notice or reminder."""
    parts = callback_parts(update, "mt", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        meeting_id = parse_id(parts[0]) if parts else None
        if parts is None or meeting_id is None or parts[1] not in ("yes", "leave", "in"):
            await stale_button(update, actor)
            return
        t = actor.t
        try:
            if parts[1] == "in":
                result = await svc.check_in_button(
                    s, member=actor.member, meeting_id=meeting_id, now=now
                )
                await s.commit()
                when = t.time(result.at)
                if not result.recorded:
                    text = t.label("Already recorded: you checked in at {time}.", time=when)
                elif result.late:
                    text = t.label("Checked in at {time} (late).", time=when)
                else:
                    text = t.label("Checked in at {time}.", time=when)
                await answer(update, text)
                return
            if parts[1] == "yes":
                _inv, changed = await svc.attend(
                    s, member=actor.member, meeting_id=meeting_id, now=now
                )
                await s.commit()
                await answer(
                    update,
                    t.label("Recorded: you will attend.")
                    if changed
                    else t.label("Already recorded: you will attend."),
                )
                return
            await svc.can_request_leave(s, member=actor.member, meeting_id=meeting_id, now=now)
            await forms.ensure_free(s, telegram_user_id=actor.telegram_user_id, form=LEAVE_FORM)
        except Refused as exc:
            await answer(
                update,
                refusal_text(t, exc)
                if exc.code != "leave_already"
                else t.label("Already recorded: you asked for leave."),
                alert=True,
            )
            return
        await forms.start(
            s,
            telegram_user_id=actor.telegram_user_id,
            form=LEAVE_FORM,
            step="reason",
            now=now,
            data={"meeting_id": meeting_id},
        )
        await s.commit()
    await answer(update)
    await reply(
        update,
        context,
        t._(
            "Please type the reason for your leave from meeting #{id} (or /cancel).", id=meeting_id
        ),
    )


async def leave_reason_text(update: Update, context: BotContext, state: FormState) -> None:
    """The reason for 请假; the request goes to the secretary."""
    text = await _text_of(update)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        meeting_id = int(state.data.get("meeting_id") or 0)
        try:
            inv = await svc.request_leave(
                s, member=actor.member, meeting_id=meeting_id, reason=text, now=now
            )
        except Refused as exc:
            await reply(update, context, refusal_html(t, exc))
            if exc.code not in ("reason_empty", "reason_too_long"):
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        decider = await svc.decider_of(s, inv.meeting)
        token = svc.leave_token(inv.attendance)
        await s.commit()
        assert actor.member is not None
        await reply(
            update,
            context,
            t._("Your leave request was sent to the secretary. You will be told the decision."),
        )
        if decider is None:
            return
        dt = translator_for(context, decider)
        await send_to(
            context,
            decider.telegram_user_id,
            dt._(
                "🙋 <b>Leave request</b> from {name} for {kind} #{id} on {when}:\n{reason}",
                name=actor.member.name,
                kind=svc.kind_name(dt, inv.meeting.kind),
                id=inv.meeting.id,
                when=dt.datetime(inv.meeting.starts_at, "short"),
                reason=inv.attendance.leave_reason or "",
            ),
            [
                [
                    button(dt.label("Approve leave"), "ml", inv.attendance.id, "ok", token),
                    button(dt.label("Reject leave"), "ml", inv.attendance.id, "no", token),
                ]
            ],
        )


async def leave_decision(update: Update, context: BotContext) -> None:
    """批准 / 不批准 a leave request."""
    parts = callback_parts(update, "ml", 3)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        attendance_id = parse_id(parts[0]) if parts else None
        if parts is None or attendance_id is None or parts[1] not in ("ok", "no"):
            await stale_button(update, actor)
            return
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        try:
            d = await svc.decide_leave(
                s,
                actor=actor.member,
                attendance_id=attendance_id,
                token=parts[2],
                approve=parts[1] == "ok",
                now=now,
            )
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
        await s.commit()
    status = _leave_status(t, d.attendance.leave_status)
    if not d.changed:
        await answer(update, t.label("Already decided: {status}.", status=status), alert=True)
        return
    await answer(update)
    await edit_pressed(
        update,
        context,
        t._(
            "Leave of {name} for {kind} #{id} ({reason}): {status}.",
            name=d.member.name,
            kind=svc.kind_name(t, d.meeting.kind),
            id=d.meeting.id,
            reason=d.attendance.leave_reason or "",
            status=status,
        ),
    )
    mt = translator_for(context, d.member)
    approved = d.attendance.leave_status == LeaveStatus.approved
    await send_to(
        context,
        d.member.telegram_user_id,
        mt._(
            LEAVE_APPROVED if approved else LEAVE_REJECTED,
            kind=svc.kind_name(mt, d.meeting.kind),
            id=d.meeting.id,
            when=mt.datetime(d.meeting.starts_at, "short"),
        ),
    )


async def checkin(update: Update, context: BotContext) -> None:
    """`/checkin <code>`: check in to the meeting that is open now."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_member:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        args = command_args(context)
        try:
            if len(args) != 1:
                raise Refused("code_format")
            result = await svc.check_in_code(s, member=actor.member, code=args[0], now=now)
        except Refused as exc:
            await s.commit()  # a wrong code is counted
            await reply(update, context, refusal_html(t, exc))
            return
        await s.commit()
    when = t.time(result.at)
    kind = svc.kind_name(t, result.meeting.kind)
    if not result.recorded:
        text = t._(
            "Already recorded: you checked in to {kind} #{id} at {time}.",
            kind=kind,
            id=result.meeting.id,
            time=when,
        )
    elif result.late:
        text = t._(
            "Checked in to {kind} #{id} at {time} (late).",
            kind=kind,
            id=result.meeting.id,
            time=when,
        )
    else:
        text = t._(
            "Checked in to {kind} #{id} at {time}.", kind=kind, id=result.meeting.id, time=when
        )
    await reply(update, context, text)


# --------------------------------------------------------------------------- secretary
async def meetings(update: Update, context: BotContext) -> None:
    """Upcoming and recent meetings: counts for the secretary, own status for members."""
    now = context.clock.now()
    since = now - timedelta(days=30)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_member or actor.member is None or actor.member.branch_id is None:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        lines: list[str] = []
        if actor.is_secretary:
            rows = await svc.branch_meetings(
                s, branch_id=actor.member.branch_id, since=since, now=now
            )
            counts = await svc.counts(s, [m.id for m in rows if m.id is not None])
            lines.append(t._("<b>Meetings</b> (the last 30 days and upcoming)"))
            for m in rows:
                c = counts[m.id or 0]
                lines.append(_meeting_line(t, m))
                lines.append(
                    t._(
                        "   invited {invited} · attend {attend} · leave {leave} · checked in {checked}",
                        invited=c["invited"],
                        attend=c["attend"],
                        leave=c["leave"],
                        checked=c["in"],
                    )
                )
                if m.checkin_code and m.status == MeetingStatus.scheduled:
                    lines.append(t._("   check-in code: <b>{code}</b>", code=m.checkin_code))
            if rows:
                lines += [
                    "",
                    escape(
                        t.label(
                            "Details: /attendance <id>. Change: /reschedule, /cancelmeeting, /minutes."
                        )
                    ),
                ]
        else:
            mine = await svc.member_meetings(s, member=actor.member, since=since, now=now)
            lines.append(t._("<b>Your meetings</b> (the last 30 days and upcoming)"))
            for m, a in mine:
                lines.append(_meeting_line(t, m))
                if m.status == MeetingStatus.scheduled:
                    lines.append("   " + _status_line(t, m, a))
            rows = [m for m, _ in mine]
        if not rows:
            lines.append(t._("No meetings."))
    for chunk in split_text("\n".join(lines)):
        await reply(update, context, chunk)


def _meeting_line(t: Translator, m: Meeting) -> str:
    line = t._(
        "#{id} {kind} — {when}, {place}",
        id=m.id,
        kind=svc.kind_name(t, m.kind),
        when=t.datetime(m.starts_at, "short"),
        place=m.place or t.label("place not set"),
    )
    if m.status == MeetingStatus.cancelled:
        line += " " + t._("(cancelled)")
    return line


async def _one_id(update: Update, context: BotContext, actor: Actor, usage: str) -> int | None:
    args = command_args(context)
    meeting_id = parse_id(args[0].lstrip("#")) if len(args) == 1 else None
    if meeting_id is None:
        await reply(update, context, escape(actor.t.label(usage)))
    return meeting_id


async def cancelmeeting(update: Update, context: BotContext) -> None:
    """Secretary: ask to confirm calling a meeting off."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary or actor.member is None:
            await not_allowed(update, context, actor)
            return
        meeting_id = await _one_id(update, context, actor, N_("Use /cancelmeeting <meeting id>."))
        if meeting_id is None:
            return
        t = actor.t
        meeting = await s.get(Meeting, meeting_id)
        if meeting is None or meeting.branch_id != actor.member.branch_id:
            await reply(update, context, refusal_html(t, Refused("no_such_meeting", id=meeting_id)))
            return
        await reply(
            update,
            context,
            t._("Call off this meeting? Every invitee will be told.")
            + "\n\n"
            + svc.meeting_summary(t, meeting),
            [
                [
                    button(t.label("Confirm"), "mc", meeting_id, "yes"),
                    button(t.label("Cancel"), "mc", meeting_id, "no"),
                ]
            ],
        )


async def cancel_button(update: Update, context: BotContext) -> None:
    """Confirm or drop calling a meeting off."""
    parts = callback_parts(update, "mc", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        meeting_id = parse_id(parts[0]) if parts else None
        if parts is None or meeting_id is None or parts[1] not in ("yes", "no"):
            await stale_button(update, actor)
            return
        t = actor.t
        if parts[1] == "no":
            await answer(update)
            await edit_pressed(update, context, t._("The meeting stays as planned."))
            return
        try:
            meeting, sent = await svc.cancel(
                s, actor=actor.member, meeting_id=meeting_id, texts=texts_for(context),
                default_locale=context.settings.default_locale, now=now,
            )  # fmt: skip
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
        await s.commit()
    context.outbox.wake()
    await answer(update)
    await edit_pressed(
        update,
        context,
        t._("Meeting #{id} cancelled; {n} invitees are being told.", id=meeting.id, n=sent),
    )


async def reschedule(update: Update, context: BotContext) -> None:
    """Secretary: `/reschedule <id> <YYYY-MM-DD> <HH:MM>`."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        args = command_args(context)
        meeting_id = parse_id(args[0].lstrip("#")) if len(args) == 3 else None
        if meeting_id is None:
            await reply(
                update,
                context,
                escape(t.label("Use /reschedule <meeting id> <YYYY-MM-DD> <HH:MM>.")),
            )
            return
        try:
            meeting, sent = await svc.reschedule(
                s,
                actor=actor.member,
                meeting_id=meeting_id,
                day=svc.parse_date(args[1]),
                at=svc.parse_time(args[2]),
                tz=context.settings.tz,
                texts=texts_for(context),
                default_locale=context.settings.default_locale,
                now=now,
            )
        except Refused as exc:
            await reply(update, context, refusal_html(t, exc))
            return
        await s.commit()
    context.outbox.wake()
    await reply(
        update,
        context,
        t._(
            "Meeting #{id} moved to {when}; {n} invitees are being told. Their answers carry over.",
            id=meeting.id,
            when=t.datetime(meeting.starts_at, "short"),
            n=sent,
        ),
    )


async def minutes(update: Update, context: BotContext) -> None:
    """Secretary: record the minutes of a held meeting (text or a document)."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        meeting_id = await _one_id(update, context, actor, N_("Use /minutes <meeting id>."))
        if meeting_id is None:
            return
        t = actor.t
        try:
            meeting = await svc.meeting_for_minutes(
                s, actor=actor.member, meeting_id=meeting_id, now=now
            )
        except Refused as exc:
            await reply(update, context, refusal_html(t, exc))
            return
        await forms.start(
            s,
            telegram_user_id=actor.telegram_user_id,
            form=MINUTES_FORM,
            step="body",
            now=now,
            data={"meeting_id": meeting_id},
        )
        await s.commit()
    await reply(
        update,
        context,
        t._(
            "Send the minutes of {kind} #{id} as text, or as a document (or /cancel).",
            kind=svc.kind_name(t, meeting.kind),
            id=meeting.id,
        ),
    )


async def _after_minutes(
    update: Update, context: BotContext, actor: Actor, meeting: Meeting
) -> None:
    t = actor.t
    await reply(
        update,
        context,
        t._("Minutes saved. Was the first agenda item (第一议题) studied at this meeting?"),
        [
            [
                button(t.label("Yes"), "mi", meeting.id, "y"),
                button(t.label("No"), "mi", meeting.id, "n"),
            ]
        ],
    )


async def minutes_text(update: Update, context: BotContext, state: FormState) -> None:
    """Minutes typed as text."""
    text = await _text_of(update)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        try:
            meeting = await svc.set_minutes(
                s,
                actor=actor.member,
                meeting_id=int(state.data.get("meeting_id") or 0),
                text=text,
                now=now,
            )
        except Refused as exc:
            await reply(update, context, refusal_html(actor.t, exc))
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    await _after_minutes(update, context, actor, meeting)


async def minutes_document(update: Update, context: BotContext, state: FormState) -> None:
    """Minutes sent as a document while the minutes form is open."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.document is None or user is None:
        return
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        doc = message.document
        if doc.file_size and doc.file_size > MINUTES_FILE_MAX:
            await reply(update, context, actor.t._("That file is too large (at most 20 MB)."))
            return
        content = bytes(await (await doc.get_file()).download_as_bytearray())
        media = MediaFile(
            filename=(doc.file_name or "minutes")[:255],
            content=content,
            telegram_file_id=doc.file_id,
            created_at=now,
        )
        try:
            meeting = await svc.set_minutes(
                s, actor=actor.member, meeting_id=int(state.data.get("meeting_id") or 0),
                text=message.caption, media=media, now=now,
            )  # fmt: skip
        except Refused as exc:
            await reply(update, context, refusal_html(actor.t, exc))
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    await _after_minutes(update, context, actor, meeting)


async def studied_button(update: Update, context: BotContext) -> None:
    """Whether 第一议题 was studied at the meeting."""
    parts = callback_parts(update, "mi", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        meeting_id = parse_id(parts[0]) if parts else None
        if parts is None or meeting_id is None or parts[1] not in ("y", "n"):
            await stale_button(update, actor)
            return
        try:
            await svc.set_first_topic_studied(
                s, actor=actor.member, meeting_id=meeting_id, studied=parts[1] == "y", now=now
            )
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(actor.t, exc))
            return
        await s.commit()
    t = actor.t
    await answer(update)
    await edit_pressed(
        update,
        context,
        t._("Recorded: the first agenda item was studied.")
        if parts[1] == "y"
        else t._("Recorded: the first agenda item was not studied."),
    )


async def minutes_file_button(update: Update, context: BotContext) -> None:
    """Send the minutes document of a meeting to the secretary or admin who asks."""
    parts = callback_parts(update, "mdoc", 1)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        meeting_id = parse_id(parts[0]) if parts else None
        meeting = await s.get(Meeting, meeting_id) if meeting_id else None
        allowed = actor.is_admin or (
            actor.is_secretary and actor.member is not None and meeting is not None
            and meeting.branch_id == actor.member.branch_id
        )  # fmt: skip
        if meeting is None or meeting.minutes_media_id is None or not allowed:
            await stale_button(update, actor)
            return
        media = await s.get(MediaFile, meeting.minutes_media_id)
        await answer(update)
        await sender.send(
            context.bot,
            actor.telegram_user_id,
            OutgoingMessage(
                text=actor.t._("Minutes of meeting #{id}", id=meeting.id), media_kind="document"
            ),
            media=media,
        )
        await s.commit()  # keeps the file id Telegram gave an upload


# --------------------------------------------------------------------------- /attendance
OUTCOME_TITLES = (
    (att.Outcome.present, N_("Present")),
    (att.Outcome.late, N_("Late")),
    (att.Outcome.leave, N_("On leave")),
    (att.Outcome.absent, N_("Absent")),
    (att.Outcome.attending, N_("Will attend")),
    (att.Outcome.no_answer, N_("No answer")),
)


def _pieces(text: str, limit: int = 3000) -> list[str]:
    """The lines of a long text, each cut so that it stays under `limit` once escaped.

    split_text cuts an over-long line anywhere, which can split "&amp;" and make
    Telegram refuse the whole message; cutting before escaping cannot.
    """
    out: list[str] = []
    for line in text.split("\n"):
        piece, size = "", 0
        for ch in line:
            width = len(escape(ch))
            if size + width > limit:
                out.append(piece)
                piece, size = "", 0
            piece, size = piece + ch, size + width
        out.append(piece)
    return out


def render_meeting_report(t: Translator, report: att.MeetingReport) -> str:
    m = report.meeting
    lines = [t._("<b>Attendance</b>"), svc.meeting_summary(t, m)]
    if m.status == MeetingStatus.cancelled:
        lines.append(t._("(cancelled)"))
    lines.append("")
    for key, title in OUTCOME_TITLES:
        rows = report.by(key)
        if not rows:
            continue
        lines.append(t._("<b>{title}</b> ({n}):", title=t.label(title), n=len(rows)))
        for r in rows:
            a = r.attendance
            if key in (att.Outcome.present, att.Outcome.late) and a.checked_in_at:
                lines.append(
                    t._("• {name} — {time}", name=r.member.name, time=t.time(a.checked_in_at))
                )
            elif key == att.Outcome.leave:
                lines.append(
                    t._(
                        "• {name} — {reason} ({status})",
                        name=r.member.name,
                        reason=a.leave_reason or "",
                        status=_leave_status(t, a.leave_status),
                    )
                )
            else:
                lines.append(t._("• {name}", name=r.member.name))
    lines.append("")
    studied = {
        True: t.label("yes"),
        False: t.label("no"),
        None: t.label("not recorded"),
    }[m.first_topic_studied]
    lines.append(t._("First agenda item studied: {answer}", answer=studied))
    if m.minutes_filename:
        lines.append(t._("Minutes: document “{name}”", name=m.minutes_filename))
    if m.minutes_text:
        first, *rest = _pieces(m.minutes_text)
        lines.append(t._("Minutes: {text}", text=first))
        lines += [escape(piece) for piece in rest]
    if not m.minutes_filename and not m.minutes_text:
        lines.append(t._("Minutes: not recorded yet (/minutes {id})", id=m.id))
    return "\n".join(lines)


def render_period_report(t: Translator, branch: str, report: att.PeriodReport) -> str:
    lines = [
        t._("<b>Attendance {period}</b> — {branch}", period=report.period.label, branch=branch),
        t.n_("{n} meeting held", "{n} meetings held", report.meetings),
    ]
    if not report.meetings:
        return "\n".join(lines)

    def tally(x: att.Tally) -> str:
        return t._(
            "invited {invited} · present {present} (late {late}) · leave {leave} · absent {absent} · {rate}",
            invited=x.invited, present=x.present, late=x.late, leave=x.leave, absent=x.absent,
            rate=t.percent(x.rate),
        )  # fmt: skip

    lines += ["", t._("<b>By kind</b>")]
    for kind in MeetingKind:
        if kind in report.by_kind:
            lines.append(
                t._(
                    "• {kind} ({n}): ",
                    kind=svc.kind_name(t, kind),
                    n=report.meetings_by_kind.get(kind, 0),
                )
                + tally(report.by_kind[kind])
            )
    lines += ["", t._("<b>By member</b>")]
    for member, x in report.by_member:
        lines.append(t._("• {name}: ", name=member.name) + tally(x))
    lines += ["", t._("Total: ") + tally(report.total)]
    return "\n".join(lines)


async def attendance(update: Update, context: BotContext) -> None:
    """Secretary (own branch) or admin (named branch): one meeting or a period."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not (actor.is_secretary or actor.is_admin):
            await not_allowed(update, context, actor)
            return
        t = actor.t
        args = command_args(context)
        branch = None
        if actor.is_admin:
            for k in range(len(args), 0, -1):
                branch = await svc.branch_by_name(s, " ".join(args[:k]))
                if branch is not None:
                    args = args[k:]
                    break
        try:
            branch_id = att.viewer_branch(actor.member, branch)
            what = " ".join(args).lstrip("#")
            buttons: Keyboard = []
            if what.isdigit() and len(what) < 7:
                report = await att.meeting_report(
                    s, branch_id=branch_id, meeting_id=int(what), now=now
                )
                text = render_meeting_report(t, report)
                if actor.is_secretary and report.meeting.status == MeetingStatus.scheduled:
                    buttons.append(
                        [button(t.label("Mark present / absent"), "mmp", report.meeting.id, 0)]
                    )
                if report.meeting.minutes_media_id:
                    buttons.append([button(t.label("Minutes document"), "mdoc", report.meeting.id)])
            else:
                period = svc.parse_period(what or "this month", today(context))
                preport = await att.period_report(
                    s, branch_id=branch_id, period=period, tz=context.settings.tz, now=now
                )
                b = await s.get(Branch, branch_id)
                text = render_period_report(t, b.name if b else "", preport)
        except Refused as exc:
            await reply(update, context, refusal_html(t, exc))
            return
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        await reply(update, context, chunk, buttons if i == len(chunks) - 1 else None)


async def _mark_page(
    s: AsyncSession, actor: Actor, meeting_id: int, page: int, now: datetime
) -> tuple[str, Keyboard]:
    assert actor.member is not None
    assert actor.member.branch_id is not None
    t = actor.t
    report = await att.meeting_report(
        s, branch_id=actor.member.branch_id, meeting_id=meeting_id, now=now
    )
    rows = report.rows[page * PAGE : (page + 1) * PAGE]
    icons = {
        att.Outcome.present: "✓",
        att.Outcome.late: "✓",
        att.Outcome.absent: "✗",
        att.Outcome.leave: "◇",
    }
    text = t._(
        "Mark who was present at meeting #{id} (✓ present, ✗ absent, ◇ on leave). Page {page} of {pages}.",
        id=meeting_id,
        page=page + 1,
        pages=max(1, -(-len(report.rows) // PAGE)),
    )
    keyboard: Keyboard = []
    for r in rows:
        icon = icons.get(r.outcome, "·")
        keyboard.append(
            [
                button(f"{icon} {r.member.name}", "mm", r.attendance.id, "p", page),
                button(t.label("Absent"), "mm", r.attendance.id, "a", page),
            ]
        )
    pager = []
    if page > 0:
        pager.append(button("◀", "mmn", meeting_id, page - 1))
    if (page + 1) * PAGE < len(report.rows):
        pager.append(button("▶", "mmn", meeting_id, page + 1))
    if pager:
        keyboard.append(pager)
    return text, keyboard


async def mark_page_button(update: Update, context: BotContext) -> None:
    """Show a page of invitees to mark present or absent."""
    query = update.callback_query
    nav = bool(query and (query.data or "").startswith("mmn:"))
    parts = callback_parts(update, "mmn" if nav else "mmp", 2)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        meeting_id = parse_id(parts[0]) if parts else None
        page = parse_id(parts[1]) if parts else None
        if meeting_id is None or page is None or not actor.is_secretary:
            await stale_button(update, actor)
            return
        try:
            text, keyboard = await _mark_page(s, actor, meeting_id, page, context.clock.now())
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(actor.t, exc))
            return
    await answer(update)
    if nav:
        await edit_pressed(update, context, text, keyboard)
    else:
        await reply(update, context, text, keyboard)


async def mark_button(update: Update, context: BotContext) -> None:
    """Secretary marks one invitee present or absent by hand."""
    parts = callback_parts(update, "mm", 3)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        attendance_id = parse_id(parts[0]) if parts else None
        page = parse_id(parts[2]) if parts else None
        if parts is None or attendance_id is None or page is None or parts[1] not in ("p", "a"):
            await stale_button(update, actor)
            return
        t = actor.t
        try:
            a, person = await svc.mark(
                s, actor=actor.member, attendance_id=attendance_id, present=parts[1] == "p", now=now
            )
            await s.commit()
            text, keyboard = await _mark_page(s, actor, a.meeting_id, page, now)
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(t, exc))
            return
    await answer(
        update,
        t.label("{name}: present", name=person.name)
        if parts[1] == "p"
        else t.label("{name}: absent", name=person.name),
    )
    await edit_pressed(update, context, text, keyboard)


# --------------------------------------------------------------------------- 支委 and 党小组
async def _committee_view(s: AsyncSession, actor: Actor, page: int = 0) -> tuple[str, Keyboard]:
    assert actor.member is not None
    assert actor.member.branch_id is not None
    t = actor.t
    people = await svc.branch_people(s, actor.member.branch_id)
    on = [p for p in people if p.is_committee]
    text = t._(
        "<b>Branch committee</b> ({n}): {names}\nPress a name to add or remove them. "
        "Branch committee meetings invite them and the secretaries.",
        n=len(on),
        names=_some_names(t, [p.name for p in on]),
    )
    page = min(page, max(0, (len(people) - 1) // PICK_PAGE))
    names = [
        button(
            ("✓ " if p.is_committee else "· ") + p.name,
            "cm",
            p.id,
            "off" if p.is_committee else "on",
            page,
        )
        for p in people[page * PICK_PAGE : (page + 1) * PICK_PAGE]
    ]
    keyboard = [names[i : i + 3] for i in range(0, len(names), 3)]
    nav = []
    if page > 0:
        nav.append(button("◀", "cmp", page - 1))
    if (page + 1) * PICK_PAGE < len(people):
        nav.append(button("▶", "cmp", page + 1))
    if nav:
        keyboard.append(nav)
    return text, keyboard


async def committee(update: Update, context: BotContext) -> None:
    """Secretary: who sits on the branch committee (支委)."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary or actor.member is None or actor.member.branch_id is None:
            await not_allowed(update, context, actor)
            return
        text, keyboard = await _committee_view(s, actor)
    await reply(update, context, text, keyboard)


async def committee_button(update: Update, context: BotContext) -> None:
    """Toggle one person's 支委 mark."""
    parts = callback_parts(update, "cm", 3)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        member_id = parse_id(parts[0]) if parts else None
        page = parse_id(parts[2]) if parts else None
        if parts is None or member_id is None or page is None or parts[1] not in ("on", "off"):
            await stale_button(update, actor)
            return
        try:
            person = await svc.set_committee(
                s, actor=actor.member, member_id=member_id, on=parts[1] == "on", now=now
            )
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(actor.t, exc))
            return
        await s.commit()
        text, keyboard = await _committee_view(s, actor, page)
    t = actor.t
    await answer(
        update,
        t.label("{name} is on the branch committee.", name=person.name)
        if person.is_committee
        else t.label("{name} is no longer on the branch committee.", name=person.name),
    )
    await edit_pressed(update, context, text, keyboard)


async def committee_page_button(update: Update, context: BotContext) -> None:
    """Another page of the branch for marking 支委."""
    parts = callback_parts(update, "cmp", 1)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        page = parse_id(parts[0]) if parts else None
        if page is None or not actor.is_secretary:
            await stale_button(update, actor)
            return
        text, keyboard = await _committee_view(s, actor, page)
    await answer(update)
    await edit_pressed(update, context, text, keyboard)


async def _groups_view(s: AsyncSession, actor: Actor) -> tuple[str, Keyboard]:
    assert actor.member is not None
    assert actor.member.branch_id is not None
    t = actor.t
    groups = await svc.groups_of(s, actor.member.branch_id)
    people = await svc.branch_people(s, actor.member.branch_id)
    lines = [t._("<b>Party groups</b> ({n})", n=len(groups))]
    for g in groups:
        names = [p.name for p in people if p.party_group_id == g.id]
        lines.append(
            t._(
                "• {group} ({n}): {names}",
                group=g.name,
                n=len(names),
                names=_some_names(t, names),
            )
        )
    lines.append(
        escape(t.label("New group: /groups new <name>. Press a group to choose its members."))
    )
    return "\n".join(lines), [[button(g.name, "pgl", g.id, 0)] for g in groups]


def _some_names(t: Translator, names: list[str], limit: int = NAMES_SHOWN) -> str:
    """Up to `limit` names, so a group of 300 keeps the message under Telegram's limit."""
    if not names:
        return t.label("nobody yet")
    text = "、".join(names[:limit])
    if len(names) > limit:
        text += t.label(" … (and {n} more)", n=len(names) - limit)
    return text


async def groups(update: Update, context: BotContext) -> None:
    """Secretary: list party groups, or `/groups new <name>`."""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_secretary or actor.member is None or actor.member.branch_id is None:
            await not_allowed(update, context, actor)
            return
        args = command_args(context)
        if args and args[0].lower() in ("new", "add", "新建"):
            try:
                await svc.create_group(s, actor=actor.member, name=" ".join(args[1:]), now=now)
            except Refused as exc:
                await reply(update, context, refusal_html(actor.t, exc))
                return
            await s.commit()
        elif args:
            await reply(
                update,
                context,
                escape(actor.t.label("Use /groups to list groups, or /groups new <name>.")),
            )
            return
        text, keyboard = await _groups_view(s, actor)
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        await reply(update, context, chunk, keyboard if i == len(chunks) - 1 else None)


async def _group_members_view(
    s: AsyncSession, actor: Actor, group: PartyGroup, page: int
) -> tuple[str, Keyboard]:
    assert actor.member is not None
    assert actor.member.branch_id is not None
    t = actor.t
    people = await svc.branch_people(s, actor.member.branch_id)
    text = t._(
        "Members of party group “{group}”: press a name to put them in or take them out "
        "(a person is in one group at most).",
        group=group.name,
    )
    shown = people[page * PICK_PAGE : (page + 1) * PICK_PAGE]
    names = [
        button(
            ("✓ " if p.party_group_id == group.id else "· ") + p.name, "pg", group.id, p.id, page
        )
        for p in shown
    ]
    keyboard = [names[i : i + 3] for i in range(0, len(names), 3)]
    nav = []
    if page > 0:
        nav.append(button("◀", "pgl", group.id, page - 1))
    if (page + 1) * PICK_PAGE < len(people):
        nav.append(button("▶", "pgl", group.id, page + 1))
    if nav:
        keyboard.append(nav)
    return text, keyboard


async def _own_group(s: AsyncSession, actor: Actor, raw: str) -> PartyGroup | None:
    group_id = parse_id(raw)
    group = await s.get(PartyGroup, group_id) if group_id else None
    if group is None or actor.member is None or group.branch_id != actor.member.branch_id:
        return None
    return group


async def group_list_button(update: Update, context: BotContext) -> None:
    """Show the people of the branch to put into a group."""
    parts = callback_parts(update, "pgl", 2)
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        page = parse_id(parts[1]) if parts else None
        group = await _own_group(s, actor, parts[0]) if parts and actor.is_secretary else None
        if group is None or page is None:
            await stale_button(update, actor)
            return
        text, keyboard = await _group_members_view(s, actor, group, page)
    await answer(update)
    await reply(update, context, text, keyboard)


async def group_member_button(update: Update, context: BotContext) -> None:
    """Put a person into the group, or take them out."""
    parts = callback_parts(update, "pg", 3)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        member_id = parse_id(parts[1]) if parts else None
        page = parse_id(parts[2]) if parts else None
        group = await _own_group(s, actor, parts[0]) if parts and actor.is_secretary else None
        if group is None or member_id is None or page is None:
            await stale_button(update, actor)
            return
        person = await s.get(Member, member_id)
        inside = person is not None and person.party_group_id == group.id
        try:
            person = await svc.set_group(
                s,
                actor=actor.member,
                member_id=member_id,
                group_id=None if inside else group.id,
                now=now,
            )
        except Refused as exc:
            await refuse(update, context, actor, refusal_text(actor.t, exc))
            return
        await s.commit()
        text, keyboard = await _group_members_view(s, actor, group, page)
    t = actor.t
    await answer(
        update,
        t.label("{name} left “{group}”.", name=person.name, group=group.name)
        if inside
        else t.label("{name} is in “{group}”.", name=person.name, group=group.name),
    )
    await edit_pressed(update, context, text, keyboard)


# --------------------------------------------------------------------------- /me
async def me_section(s: AsyncSession, context: BotContext, actor: Actor) -> str | None:
    """The member's meetings this year, attended of invited, by kind."""
    member = actor.member
    if member is None or member.role not in (Role.member, Role.secretary):
        return None
    t = actor.t
    now = context.clock.now()
    year = now.astimezone(context.settings.tz).year
    record = await att.year_record(s, member=member, year=year, tz=context.settings.tz, now=now)
    lines = [t._("<b>Meetings in {year}</b>", year=str(year))]
    if not record:
        lines.append(t._("No meetings held yet this year."))
    for kind in MeetingKind:
        if kind in record:
            x = record[kind]
            lines.append(
                t._(
                    "• {kind}: attended {present} of {invited} (leave {leave})",
                    kind=svc.kind_name(t, kind),
                    present=x.present,
                    invited=x.invited,
                    leave=x.leave,
                )
            )
    return "\n".join(lines)


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    add_form(app, FORM, form_text)
    add_form(app, LEAVE_FORM, leave_reason_text)
    add_form(app, MINUTES_FORM, minutes_text, media=minutes_document)
    add_me_section(app, me_section)
    private = filters.ChatType.PRIVATE
    for name, callback in (
        ("newmeeting", newmeeting),
        ("meetings", meetings),
        ("attendance", attendance),
        ("checkin", checkin),
        ("reschedule", reschedule),
        ("cancelmeeting", cancelmeeting),
        ("minutes", minutes),
        ("committee", committee),
        ("groups", groups),
    ):
        app.add_handler(CommandHandler(name, callback, filters=private))
    for prefix, callback in (
        ("mf", form_button),
        ("mt", notice_button),
        ("ml", leave_decision),
        ("mc", cancel_button),
        ("mi", studied_button),
        ("mdoc", minutes_file_button),
        ("mmp", mark_page_button),
        ("mmn", mark_page_button),
        ("mm", mark_button),
        ("cm", committee_button),
        ("cmp", committee_page_button),
        ("pgl", group_list_button),
        ("pg", group_member_button),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{prefix}:"))
    # Its own group, so documents other features expect still reach them.
