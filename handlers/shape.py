"""The one way to write a handler: everything around the body, written once.

A handler body is parse → call the service → render → reply. The decorator
`handler(...)` does the rest for every update: open one session, load the person and
their role, decode the button's typed data (a malformed or forged press gets "no longer
valid"), apply the declared role requirement, turn a service's `Refused` into the
refusal text in the person's language (rolling back what the body had not committed),
and answer every button press that the body did not answer itself.

    @handler(roles=SECRETARIES, button=LeaveVote, refusals=REFUSALS)
    async def leave_decision(turn: Turn[LeaveVote]) -> None:
        \"\"\"批准 / 不批准 a leave request.\"\"\"
        d = await svc.decide_leave(turn.s, actor=turn.member, ..., now=turn.now)
        await turn.commit()
        await turn.edit(views.decided(turn.t, d))

Compare full-stack-fastapi-template's `SessionDep`/`CurrentUser` and aiogram's
middlewares: the per-update opening lives here, not in 60 handlers.
"""

from __future__ import annotations

import functools
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Coroutine,
    Iterable,
    Mapping,
)
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import GUEST, BotApplication, BotContext, CommandSpec, add_commands
from bot.delivery.message import Keyboard
from bot.i18n import N_, Translator, escape
from bot.models import FormState, Member, Role
from bot.services import forms
from bot.services.errors import Refused
from bot.services.fanout import SentFile
from handlers import common
from handlers.callbacks import CallbackData
from handlers.common import Actor

D = TypeVar("D", bound=CallbackData | None)
About = TypeVar("About")
Rendered = TypeVar("Rendered")

EVERYONE = frozenset({GUEST, str(Role.member), str(Role.secretary), str(Role.admin)})
JOINED = frozenset({str(Role.member), str(Role.secretary), str(Role.admin)})
MEMBERS = frozenset({str(Role.member), str(Role.secretary)})
SECRETARIES = frozenset({str(Role.secretary)})
ADMINS = frozenset({str(Role.admin)})
LEADERS = frozenset({str(Role.secretary), str(Role.admin)})

GENERIC_REFUSAL = N_("Sorry, that could not be done.")
# Refusals every capability shares: one English string, one Chinese sentence.
CORE_REFUSALS: dict[str, str] = {
    "not_allowed": N_("Sorry, this is not available to you. Send /menu to see what you can do."),
    "no_branch": N_("You are not in a branch."),
    "form_open": N_(
        "You are in the middle of another form. Finish it, or send /cancel, then press again."
    ),
}


@dataclass(frozen=True)
class Refusals:
    """A capability's refusal codes → catalog msgids (core codes included)."""

    texts: Mapping[str, str] = field(default_factory=dict)

    def msgid(self, code: str) -> str:
        return self.texts.get(code) or CORE_REFUSALS.get(code) or GENERIC_REFUSAL

    def text(self, t: Translator, exc: Refused) -> str:
        """Plain text (a button's alert); times in the person's zone."""
        params: dict[str, Any] = {
            k: t.datetime(v, "short") if isinstance(v, datetime) else v
            for k, v in exc.params.items()
        }
        return t.label(self.msgid(exc.code), **params)

    def html(self, t: Translator, exc: Refused) -> str:
        """For a message: the plain sentence escaped (it may show syntax like <id>)."""
        return escape(self.text(t, exc))


NO_REFUSALS = Refusals()


@dataclass
class InPlace:
    """A command run from a menu button: its first reply replaces the menu message.

    The home screen (handlers/home) sets `IN_PLACE` around the call, so a command body
    needs no change to be run from a button: `turn.reply` edits the pressed message
    (the command's own buttons, then `footer`, the menu's 返回 row); later replies of
    the same turn are new messages as usual.
    """

    footer: Keyboard
    used: bool = False


IN_PLACE: ContextVar[InPlace | None] = ContextVar("in_place", default=None)


@dataclass
class Turn(Generic[D]):
    """One person's update being handled: who they are, their session, what they sent."""

    update: Update
    context: BotContext
    s: AsyncSession
    actor: Actor
    data: D
    now: datetime
    refusals: Refusals = NO_REFUSALS
    answered: bool = False
    in_place: InPlace | None = None

    @property
    def t(self) -> Translator:
        return self.actor.t

    @property
    def member(self) -> Member:
        """The acting member; only for handlers whose roles exclude guests."""
        assert self.actor.member is not None
        return self.actor.member

    @property
    def branch_id(self) -> int:
        """The acting member's branch; only where the role requirement implies one."""
        branch_id = self.member.branch_id
        if branch_id is None:
            raise Refused("no_branch")
        return branch_id

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    @property
    def text(self) -> str:
        """What the person typed ("" for a message without text)."""
        message = self.update.effective_message
        return (message.text or "") if message is not None else ""

    @property
    def settings(self) -> Any:
        return self.context.settings

    @property
    def pressed(self) -> bool:
        return self.update.callback_query is not None

    def translator_for(self, member: Member | None) -> Translator:
        """The translator of another person (their chosen language)."""
        return common.translator_for(self.context, member)

    def per_language(
        self, render: Callable[[Translator, About], Rendered]
    ) -> Callable[[Member, About], Rendered]:
        """A service's `compose` from a view: see `per_language`."""
        return per_language(self.translator_for, render)

    async def commit(self) -> None:
        """Commit, then wake the outbox: rows written with this change go out now."""
        await self.s.commit()
        self.context.outbox.wake()

    async def open_form(
        self, form: str, step: str, data: dict[str, Any] | None = None, *, free: bool = True
    ) -> FormState:
        """Open guided form `form` at `step` for this person (not yet committed).

        From a button (`free`), refuse with form_open while another form is half-filled:
        what the person types next would otherwise be taken as this form's answer.
        """
        who = self.actor.telegram_user_id
        if free:
            await forms.ensure_free(self.s, telegram_user_id=who, form=form)
        return await forms.start(
            self.s, telegram_user_id=who, form=form, step=step, now=self.now, data=data
        )

    async def advance_form(self, state: FormState, step: str, **data: Any) -> FormState:
        """Move this person's form to `step`, merging `data` into it (not yet committed)."""
        return await forms.advance(self.s, state=state, step=step, now=self.now, **data)

    async def close_form(self) -> bool:
        """End this person's guided form (not yet committed); whether one was open."""
        return await forms.clear(self.s, telegram_user_id=self.actor.telegram_user_id)

    async def finish_form(self, text: str, buttons: Keyboard | None = None) -> None:
        """A button ended the form (提交, 取消): close it, commit, and edit the pressed
        message (the preview) into `text`."""
        await self.close_form()
        await self.commit()
        await self.edit(text, buttons)

    async def reply(self, text: str, buttons: Keyboard | None = None) -> Message:
        """Answer in this chat (from a menu button: in place of the menu, see InPlace)."""
        query = self.update.callback_query
        if self.in_place is not None and not self.in_place.used and query is not None:
            self.in_place.used = True
            await self.edit(text, [*(buttons or []), *self.in_place.footer])
            assert isinstance(query.message, Message)
            return query.message
        return await common.reply(self.update, self.context, text, buttons)

    async def reply_document(self, filename: str, content: bytes, caption: str = "") -> Message:
        return await common.reply_document(self.update, self.context, filename, content, caption)

    async def reply_file(self, caption: str, file: SentFile) -> Message:
        return await common.reply_sent_file(self.update, self.context, caption, file)

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the press (a toast, or an alert); the decorator answers if you don't."""
        self.answered = True
        await common.answer(self.update, text, alert=alert)

    async def edit(self, text: str, buttons: Keyboard | None = None) -> None:
        """Replace the message whose button was pressed."""
        await common.edit_pressed(self.update, self.context, text, buttons)

    async def set_buttons(self, buttons: Keyboard) -> None:
        await common.set_pressed_buttons(self.update, self.context, buttons)

    async def refuse(self, text: str) -> None:
        """Say why nothing happened: an alert for a press, a message otherwise."""
        if self.pressed:
            await self.answer(text, alert=True)
        else:
            await self.reply(text)

    async def refused(self, exc: Refused) -> None:
        """Render a service's refusal with this capability's table."""
        if self.pressed:
            await self.refuse(self.refusals.text(self.t, exc))
        else:
            await self.refuse(self.refusals.html(self.t, exc))


def per_language(
    translator_for: Callable[[Member], Translator],
    render: Callable[[Translator, About], Rendered],
) -> Callable[[Member, About], Rendered]:
    """The `compose(member, about)` a fanning-out service takes, from `render(t, about)`.

    Each language is rendered once per thing told about, not once per person: a branch
    of hundreds costs one rendering per language. Jobs pass their own `translator_for`.
    """
    # Keyed by identity (data such as a list of pledges is not hashable); holding `about`
    # keeps its id from being reused while the composer lives.
    written: dict[tuple[str, int], tuple[About, Rendered]] = {}

    def compose(member: Member, about: About) -> Rendered:
        t = translator_for(member)
        key = (t.locale, id(about))
        if key not in written:
            written[key] = (about, render(t, about))
        return written[key][1]

    return compose


Body = Callable[[Turn[Any]], Awaitable[None]]
FormBody = Callable[[Turn[None], FormState], Awaitable[None]]


class Handled(Protocol):
    """A PTB callback made by `handler`, with what it declared."""

    roles: frozenset[str]
    button: type[CallbackData] | None
    __name__: str
    __doc__: str | None

    def __call__(self, update: Update, context: BotContext) -> Coroutine[Any, Any, None]: ...


async def _open(
    update: Update, context: BotContext, s: AsyncSession, refusals: Refusals
) -> Turn[Any]:
    actor = await common.load_actor(s, update, context)
    return Turn(
        update, context, s, actor, None, context.clock.now(), refusals, in_place=IN_PLACE.get()
    )


async def _run(turn: Turn[Any], body: Callable[[], Awaitable[None]]) -> None:
    try:
        await body()
    except Refused as exc:
        await turn.s.rollback()
        await turn.refused(exc)
    if turn.pressed and not turn.answered:
        await turn.answer()


async def refuse_role(turn: Turn[Any]) -> None:
    """The answer for someone whose role may not do this."""
    t = turn.t
    if turn.actor.role == GUEST:
        text = t._(
            "You have not joined a branch yet. Ask your branch secretary for an invite link."
        )
    else:
        text = t._("Sorry, this is not available to you. Send /menu to see what you can do.")
    await turn.refuse(text)


async def refuse_stale(turn: Turn[Any]) -> None:
    await turn.answer(
        turn.t.label("This button is no longer valid. Send /help to start again."), alert=True
    )


def handler(
    *,
    roles: Iterable[str] = EVERYONE,
    button: type[CallbackData] | None = None,
    refusals: Refusals = NO_REFUSALS,
) -> Callable[[Body], Handled]:
    """Make a PTB callback from `async def body(turn)`; see the module docstring."""
    allowed = frozenset(str(r) for r in roles)

    def wrap(body: Body) -> Handled:
        @functools.wraps(body)
        async def callback(update: Update, context: BotContext) -> None:
            async with context.sessions() as s:
                turn = await _open(update, context, s, refusals)
                if button is not None:
                    query = update.callback_query
                    turn.data = button.decode(query.data if query else None)
                    if turn.data is None:
                        await refuse_stale(turn)
                        return
                if turn.actor.role not in allowed:
                    await refuse_role(turn)
                    return
                await _run(turn, lambda: body(turn))

        handled = cast(Handled, callback)
        handled.roles = allowed
        handled.button = button
        return handled

    return wrap


def form_step(
    *, roles: Iterable[str] = EVERYONE, refusals: Refusals = NO_REFUSALS
) -> Callable[[FormBody], Callable[[Update, BotContext, FormState], Awaitable[None]]]:
    """The same opening for what a person types (or sends) into an open guided form."""
    allowed = frozenset(str(r) for r in roles)

    def wrap(body: FormBody) -> Callable[[Update, BotContext, FormState], Awaitable[None]]:
        @functools.wraps(body)
        async def callback(update: Update, context: BotContext, state: FormState) -> None:
            async with context.sessions() as s:
                turn = await _open(update, context, s, refusals)
                if turn.actor.role not in allowed:
                    await refuse_role(turn)
                    return
                await _run(turn, lambda: body(turn, state))

        return callback

    return wrap


@asynccontextmanager
async def closing_form(turn: Turn[Any], *, retype: Collection[str]) -> AsyncIterator[None]:
    """A form's last step: close the person's form after the body, and commit.

    On a refusal whose code is in `retype`, keep the form open (they can type again);
    on any other refusal roll back and close it (there is nothing left to answer).
    """
    try:
        yield
    except Refused as exc:
        if exc.code not in retype:
            await turn.s.rollback()
            await turn.close_form()
            await turn.commit()
        raise
    await turn.close_form()
    await turn.commit()


@form_step()
async def _needs_text(turn: Turn[None], state: FormState) -> None:
    """A file sent at a step that wants typing."""
    await turn.reply(
        turn.t._("This step needs a typed answer, not a file. Please type it, or send /cancel.")
    )


@dataclass(frozen=True)
class Form:
    """A guided form as one table, like conversationbot.py's `states={…}`.

    `steps` maps each step name to what handles the text typed at that step; `media`
    (optional) to what handles a document or photo sent at it. The state itself (form,
    step, data) lives in the database (bot/services/forms.py), so a restart keeps it.
    """

    name: str
    steps: Mapping[str, Callable[[Update, BotContext, FormState], Awaitable[None]]]
    media: Mapping[str, Callable[[Update, BotContext, FormState], Awaitable[None]]] = field(
        default_factory=dict
    )

    async def on_text(self, update: Update, context: BotContext, state: FormState) -> None:
        step = self.steps.get(state.step) or self.steps.get("*")
        if step is None:
            raise LookupError(f"form {self.name} has no step {state.step!r}")
        await step(update, context, state)

    async def on_media(self, update: Update, context: BotContext, state: FormState) -> None:
        step = self.media.get(state.step) or self.media.get("*") or _needs_text
        await step(update, context, state)


def add_form(app: BotApplication, *declared: Form) -> None:
    """Route what people send while each form is open to its steps."""
    for form in declared:
        app.bot_data.forms[form.name] = form.on_text
        if form.media:
            app.bot_data.form_media[form.name] = form.on_media


PRIVATE = filters.ChatType.PRIVATE


def add_command(
    app: BotApplication, name: str, description: str, callback: Handled, *, menu: bool = True
) -> None:
    """A private-chat command: in /help and the menus for the roles its handler allows."""
    if menu:
        add_commands(app, CommandSpec(name, description, callback.roles))
    app.bot_data.entry_points.append((f"/{name}", callback))
    app.add_handler(CommandHandler(name, callback, filters=PRIVATE))


def add_buttons(app: BotApplication, *callbacks: Handled) -> None:
    """Route each family's presses to its handler (by the family's prefix)."""
    for callback in callbacks:
        family = callback.button
        assert family is not None, f"{callback.__name__} declares no button family"
        app.bot_data.entry_points.append((family.prefix, callback))
        app.add_handler(CallbackQueryHandler(callback, pattern=family.pattern()))
