"""/training: one's records (and those waiting for one's decision); /training add: the form."""

from __future__ import annotations

from datetime import date

from bot.delivery.message import Keyboard
from bot.models import FormState
from bot.services import forms
from bot.services import training as svc
from bot.services.errors import Refused
from bot.services.periods import local_today, parse_date
from handlers.common import attached_file, parse_id
from handlers.shape import JOINED, MEMBERS, Form, Turn, form_step, handler
from handlers.training import news, views
from handlers.training.buttons import AddStep

ADD = "training.add"
RECORDS = 30  # own records, and records waiting for a decision, /training pages through


@handler(roles=JOINED, refusals=views.REFUSALS)
async def training(turn: Turn[None]) -> None:
    """/training: records; /training add starts the form."""
    if turn.args[:1] == ["add"] or turn.args[:1] == ["添加"]:
        await _start(turn)
        return
    args = turn.args
    number = parse_id(args[1]) if len(args) == 2 and args[0] == "page" else 0
    found = await svc.records(turn.s, actor=turn.member, limit=RECORDS)
    can_add = turn.actor.role in MEMBERS
    text, keyboard = views.records_list(turn.t, found, number or 0, can_add=can_add)
    await turn.reply(text, keyboard)


async def _start(turn: Turn[None]) -> None:
    if turn.actor.role not in MEMBERS:
        raise Refused("not_allowed")
    _ = turn.branch_id
    await turn.open_form(ADD, "title", {})
    await turn.commit()
    await turn.reply(views.add_prompt(turn.t))


async def _preview(turn: Turn[None], state: FormState, **data: object) -> None:
    state = await turn.advance_form(state, "preview", **data)
    await turn.commit()
    await turn.reply(*views.preview(turn.t, state.data))


async def _ask(
    turn: Turn[None],
    state: FormState,
    step: str,
    prompt: str,
    buttons: Keyboard | None = None,
    **data: object,
) -> None:
    """Keep what was typed and ask for `step` (committed first: a lost reply loses no answer)."""
    await turn.advance_form(state, step, **data)
    await turn.commit()
    await turn.reply(prompt, buttons)


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def title_step(turn: Turn[None], state: FormState) -> None:
    """The title (typed again at the preview, it changes the title)."""
    title = svc.validate_title(turn.text)
    if state.step == "preview":
        await _preview(turn, state, title=title)
        return
    await _ask(turn, state, "date", views.date_prompt(turn.t), title=title)


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def date_step(turn: Turn[None], state: FormState) -> None:
    """The day it was held: not in the future, this year or last."""
    today = local_today(turn.now, turn.settings.tz)
    day = svc.validate_held_on(parse_date(turn.text), today)
    await _ask(turn, state, "hours", views.hours_prompt(turn.t), held_on=day.isoformat())


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def hours_step(turn: Turn[None], state: FormState) -> None:
    """The hours, stored in tenths."""
    tenths = svc.parse_hours(turn.text)
    await _ask(turn, state, "organiser", views.organiser_prompt(turn.t), hours_tenths=tenths)


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def organiser_step(turn: Turn[None], state: FormState) -> None:
    """Who organised it; then the certificate (or Skip)."""
    organiser = svc.validate_organiser(turn.text)
    await _ask(turn, state, "file", *views.file_prompt(turn.t), organiser=organiser)


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def file_text(turn: Turn[None], state: FormState) -> None:
    """Text where the certificate is asked for: say what to do."""
    await turn.reply(*views.file_prompt(turn.t))


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def certificate(turn: Turn[None], state: FormState) -> None:
    """A photo or document of the certificate, kept by file_id."""
    found = attached_file(turn.update)
    if found is not None:
        await _preview(turn, state, file_id=found.file_id, media_kind=found.kind)


@handler(roles=MEMBERS, button=AddStep, refusals=views.REFUSALS)
async def add_step(turn: Turn[AddStep]) -> None:
    """跳过 / 书记培训 / 提交 / 取消 in the form."""
    user = turn.actor.telegram_user_id
    state = await forms.current(turn.s, telegram_user_id=user)
    if state is None or state.form != ADD or state.step not in ("file", "preview"):
        raise Refused("form_gone")
    action = turn.data.action
    if action == "cancel":
        await turn.finish_form(turn.t._("Cancelled. Nothing was recorded."))
        return
    if action in ("skip", "secretary"):
        data: dict[str, object] = {}
        if action == "secretary":
            data["secretary_training"] = not state.data.get("secretary_training")
        state = await turn.advance_form(state, "preview", **data)
        await turn.commit()
        await turn.edit(*views.preview(turn.t, state.data))
        return
    if state.step != "preview":
        raise Refused("form_gone")
    d = state.data
    outcome = await svc.submit(
        turn.s,
        actor=turn.member,
        draft=svc.Draft(
            title=str(d["title"]),
            held_on=date.fromisoformat(str(d["held_on"])),
            hours_tenths=int(d["hours_tenths"]),
            organiser=str(d["organiser"]),
            secretary_training=bool(d.get("secretary_training")),
            file_id=str(d["file_id"]) if d.get("file_id") else None,
            media_kind=str(d.get("media_kind") or "") or None,
        ),
        compose=news.record_news_of(turn.context),
        now=turn.now,
    )
    await turn.finish_form(views.submitted(turn.t, outcome))


FORM = Form(
    ADD,
    steps={
        "title": title_step,
        "date": date_step,
        "hours": hours_step,
        "organiser": organiser_step,
        "file": file_text,
        "preview": title_step,
    },
    media={"file": certificate, "preview": certificate},
)
