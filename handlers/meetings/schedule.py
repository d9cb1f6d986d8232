"""/newmeeting: the quick one-line form, or the guided form declared as one table of steps.

The form's state (step and draft) lives in the database, so a restart halfway keeps it.
Typed answers go to the step's parser (`FORM`); presses are checked against the step the
form is at (`PRESSES`), so an old prompt's buttons cannot change a later answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.models import CheckinBy, FormState, MeetingKind
from bot.services import committee, forms, periods
from bot.services.errors import Refused
from bot.services.meetings import drafts
from bot.services.meetings import schedule as svc
from bot.services.meetings.drafts import Draft
from handlers.common import parse_id
from handlers.groups.posts import post_meeting
from handlers.meetings import views
from handlers.meetings.buttons import FormAction, FormPress
from handlers.meetings.refusals import REFUSALS
from handlers.shape import SECRETARIES, Form, Turn, form_step, handler, refuse_stale

FORM_NAME = "meeting"
STEPS = ("kind", "group", "day", "at", "duration", "place", "topic", "checkin", "invitees")


def _editing(state: FormState) -> bool:
    return bool(state.data.get("editing"))


def _next_step(step: str, draft: Draft, editing: bool) -> str:
    if step == "kind" and draft.kind == MeetingKind.group:
        return "group"
    if editing:
        # After a change of kind the invitees follow the new kind.
        return "preview"
    nxt = STEPS[STEPS.index(step) + 1] if step in STEPS[:-1] else "preview"
    return "day" if nxt == "group" else nxt


async def _picker(turn: Turn[Any], state: FormState, draft: Draft) -> views.Prompt:
    invitees = await drafts.invitees(turn.s, branch_id=turn.branch_id, draft=draft)
    return views.invitee_picker(turn.t, invitees, int(state.data.get("inv_page") or 0))


async def ask(turn: Turn[Any], state: FormState) -> None:
    """Show the prompt of the form's current step (again, after a refusal)."""
    t, draft = turn.t, Draft.from_data(state.data)
    if state.step == "preview":
        invitees = await drafts.invitees(turn.s, branch_id=turn.branch_id, draft=draft)
        group = await drafts.group_of(turn.s, draft)
        await turn.reply(*views.preview(t, draft, invitees, group))
        return
    if state.step == "group":
        text, rows = views.ask_group(t, await committee.groups_of(turn.s, turn.branch_id))
    elif state.step == "invitees":
        text, rows = await _picker(turn, state, draft)
    else:
        today = periods.local_today(turn.now, turn.settings.tz)
        text, rows = views.PROMPTS[state.step](t, today)
    await turn.reply(text, [*rows, views.cancel_row(t)])


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def newmeeting(turn: Turn[None]) -> None:
    """Secretary: the quick one-line form, or the guided form with buttons."""
    if not turn.args:
        await open_guided(turn)
        return
    draft = await drafts.quick_draft(
        turn.s, actor=turn.member, args=turn.args, tz=turn.settings.tz, now=turn.now
    )
    state = await turn.open_form(FORM_NAME, "preview", draft.to_data(), free=False)
    await turn.s.commit()
    await ask(turn, state)


async def open_guided(turn: Turn[Any], kind: MeetingKind | None = None) -> None:
    """Start the guided form, at the step after the kind when one is already chosen
    (a calendar reminder's 安排会议 button opens it so)."""
    draft = Draft(kind=kind)
    step = _next_step("kind", draft, False) if kind is not None else "kind"
    # From a button, a half-filled form is kept and the person told; typed, it is replaced.
    state = await turn.open_form(FORM_NAME, step, draft.to_data(), free=turn.pressed)
    await turn.s.commit()
    await ask(turn, state)


# --------------------------------------------------------------------------- typed steps
Apply = Callable[[Turn[None], Draft, str], Awaitable[None]]
Step = Callable[[Update, BotContext, FormState], Awaitable[None]]


async def _form_of(turn: Turn[Any]) -> FormState | None:
    """The person's meeting form as it is now (the router's copy may be a moment old)."""
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    return state if state is not None and state.form == FORM_NAME else None


def typed_step(apply: Apply) -> Step:
    """A text step: `apply` reads the answer into the draft; a refusal asks again."""

    @form_step(roles=SECRETARIES, refusals=REFUSALS)
    async def step(turn: Turn[None], _routed: FormState) -> None:
        state = await _form_of(turn)
        if state is None:
            return
        draft = Draft.from_data(state.data)
        try:
            await apply(turn, draft, turn.text)
        except Refused as exc:
            await turn.refused(exc)
            await ask(turn, state)
            return
        nxt = _next_step(state.step, draft, _editing(state))
        await turn.advance_form(state, nxt, **draft.to_data())
        await turn.s.commit()
        await ask(turn, state)

    step.__doc__ = apply.__doc__
    return step


async def _kind(turn: Turn[None], draft: Draft, text: str) -> None:
    """The kind typed (党员大会, 主题党日, …, or its English name)."""
    draft.kind = drafts.parse_kind(text)
    await drafts.require_groups(turn.s, branch_id=turn.branch_id, kind=draft.kind)
    draft.invitees = None


async def _day(turn: Turn[None], draft: Draft, text: str) -> None:
    """The date, today or later."""
    tz = turn.settings.tz
    day = periods.parse_date(text)
    if day < periods.local_today(turn.now, tz):
        raise Refused("in_past")
    if draft.at is not None:
        drafts.starts_in_future(day, draft.at, tz, turn.now)
    draft.day = day


async def _at(turn: Turn[None], draft: Draft, text: str) -> None:
    """The start time, in the future."""
    at = periods.parse_time(text)
    assert draft.day is not None
    drafts.starts_in_future(draft.day, at, turn.settings.tz, turn.now)
    draft.at = at


async def _duration(turn: Turn[None], draft: Draft, text: str) -> None:
    """The length typed in minutes or hours."""
    draft.duration = drafts.parse_duration(text)


async def _place(turn: Turn[None], draft: Draft, text: str) -> None:
    """The place, or an online meeting link."""
    draft.place = drafts.clean_text(text, drafts.PLACE_MAX, "place_too_long")


async def _topic(turn: Turn[None], draft: Draft, text: str) -> None:
    """第一议题, the first agenda item."""
    draft.topic = drafts.clean_text(text, drafts.TOPIC_MAX, "topic_too_long")


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def wants_a_button(turn: Turn[None], _routed: FormState) -> None:
    """Text typed where the form asks for a press."""
    state = await _form_of(turn)
    if state is None:
        return
    await turn.refused(Refused("choose_button"))
    await ask(turn, state)


FORM = Form(
    FORM_NAME,
    steps={
        "kind": typed_step(_kind),
        "day": typed_step(_day),
        "at": typed_step(_at),
        "duration": typed_step(_duration),
        "place": typed_step(_place),
        "topic": typed_step(_topic),
        "*": wants_a_button,  # group, check-in, invitees, preview, edit
    },
)


# --------------------------------------------------------------------------- presses
Press = Callable[[Turn[FormPress], FormState, Draft], Awaitable[str | None]]
"""Handles one press at its step; returns the step to go on to, or None when done."""


async def _press_kind(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    if turn.data.value not in set(MeetingKind):
        await refuse_stale(turn)
        return None
    kind = MeetingKind(turn.data.value)
    await drafts.require_groups(turn.s, branch_id=turn.branch_id, kind=kind)
    draft.kind, draft.invitees = kind, None
    return _next_step("kind", draft, _editing(state))


async def _press_group(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    group_id = parse_id(turn.data.value) or 0
    group = await committee.own_group(turn.s, actor=turn.member, group_id=group_id)
    draft.group_id, draft.invitees = group.id, None
    return "preview" if _editing(state) else "day"


async def _press_duration(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    minutes = parse_id(turn.data.value)
    if minutes not in drafts.DURATIONS:
        await refuse_stale(turn)
        return None
    draft.duration = minutes
    return _next_step("duration", draft, _editing(state))


async def _press_checkin(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    if turn.data.value not in set(CheckinBy):
        await refuse_stale(turn)
        return None
    draft.checkin_by = CheckinBy(turn.data.value)
    return _next_step("checkin", draft, _editing(state))


async def _show_picker(turn: Turn[FormPress], state: FormState, draft: Draft) -> None:
    text, rows = await _picker(turn, state, draft)
    await turn.answer()
    await turn.edit(text, [*rows, views.cancel_row(turn.t)])


async def _press_invitee(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    current = await drafts.invitees(turn.s, branch_id=turn.branch_id, draft=draft)
    drafts.toggle_invitee(draft, current, parse_id(turn.data.value) or 0)
    await turn.advance_form(state, "invitees", **draft.to_data())
    await turn.s.commit()
    await _show_picker(turn, state, draft)
    return None


async def _press_page(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    page = parse_id(turn.data.value)
    if page is None:
        await refuse_stale(turn)
        return None
    await turn.advance_form(state, "invitees", inv_page=page)
    await turn.s.commit()
    await _show_picker(turn, state, draft)
    return None


async def _press_done(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    return "preview"


async def _reopen(turn: Turn[FormPress], state: FormState, step: str) -> None:
    """Go to `step` to change one answer; the form returns to the preview after it."""
    await turn.advance_form(state, step, editing=True)
    await turn.s.commit()
    if not turn.answered:
        await turn.answer()
    await ask(turn, state)


async def _press_edit(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    await _reopen(turn, state, "edit")
    return None


async def _press_field(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    if turn.data.value not in {name for name, _ in views.EDITABLE}:
        await refuse_stale(turn)
        return None
    await _reopen(turn, state, turn.data.value)
    return None


async def _press_confirm(turn: Turn[FormPress], state: FormState, draft: Draft) -> str | None:
    try:
        done = await svc.schedule(
            turn.s,
            actor=turn.member,
            draft=draft,
            tz=turn.settings.tz,
            compose=views.compose(views.texts_for(turn.context)),
            now=turn.now,
        )
    except Refused as exc:
        await turn.refused(exc)
        if exc.code == "in_past":
            await _reopen(turn, state, "day")
        return None
    await post_meeting(turn, done.meeting, done.group)
    await turn.close_form()
    await turn.commit()
    await turn.answer()
    await turn.edit(views.scheduled(turn.t, done))
    return None


PRESSES: dict[FormAction, tuple[str, Press]] = {
    "kind": ("kind", _press_kind),
    "group": ("group", _press_group),
    "dur": ("duration", _press_duration),
    "ci": ("checkin", _press_checkin),
    "inv": ("invitees", _press_invitee),
    "invpg": ("invitees", _press_page),
    "invdone": ("invitees", _press_done),
    "ok": ("preview", _press_confirm),
    "edit": ("preview", _press_edit),
    "field": ("edit", _press_field),
}


@handler(roles=SECRETARIES, button=FormPress, refusals=REFUSALS)
async def form_button(turn: Turn[FormPress]) -> None:
    """A press in the guided form, checked against the step the form is at."""
    state = await _form_of(turn)
    if state is None:
        await refuse_stale(turn)
        return
    if turn.data.action == "cancel":
        await turn.close_form()
        await turn.s.commit()
        await turn.answer()
        await turn.edit(turn.t._("Cancelled. No meeting was scheduled."))
        return
    step, press = PRESSES[turn.data.action]
    if step != state.step:
        await refuse_stale(turn)
        return
    draft = Draft.from_data(state.data)
    nxt = await press(turn, state, draft)
    if nxt is None:
        return
    await turn.advance_form(state, nxt, **draft.to_data())
    await turn.s.commit()
    await turn.answer()
    await turn.set_buttons([])  # an answered prompt cannot be pressed again
    await ask(turn, state)
