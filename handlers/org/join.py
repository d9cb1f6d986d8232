"""Joining: /start with an invite token, then the name step (typed, or the Telegram name)."""

from __future__ import annotations

from typing import Any

from bot.context import GUEST
from bot.models import FormState
from bot.services import forms, guard, org
from bot.services.errors import Refused
from handlers import menu
from handlers.home.screen import show_home
from handlers.org import views
from handlers.org.buttons import NameOk
from handlers.shape import Form, Turn, form_step, handler, refuse_stale

NAME_FORM = "name"


@handler(refusals=views.REFUSALS)
async def start(turn: Turn[None]) -> None:
    """Join with an invite token, or explain how to get one."""
    if not turn.args:
        if turn.actor.role == GUEST:
            await turn.reply(views.greeting(turn.t))
            return
        await show_home(turn)
        # Bootstrap admins never pass through joining, where menus are published.
        await menu.publish_menu(turn.context, turn.actor)
        return
    name, _, ref = turn.args[0].partition("-")
    open_link = turn.context.bot_data.deep_links.get(name) if ref.isdigit() else None
    if open_link is not None:
        # A deep link from a group message (t.me/<bot>?start=leave-12), not an invite.
        await open_link(turn, ref)
        return
    user = turn.update.effective_user
    assert user is not None
    # Counted in the database, so guessing from several processes shares one limit.
    if not await guard.invite_tries_left(turn.s, telegram_user_id=user.id, now=turn.now):
        raise Refused("invite_tries")
    try:
        member = await org.accept_invite(
            turn.s,
            token=turn.args[0],
            telegram_user_id=user.id,
            profile_name=user.full_name,
            now=turn.now,
            locale=turn.t.locale,
        )
    except Refused as exc:
        if exc.code == "invite_unknown":
            await turn.s.rollback()
            await guard.record_wrong_invite(turn.s, telegram_user_id=user.id, now=turn.now)
        raise
    branch = await org.branch_of(turn.s, member)
    await forms.start(turn.s, telegram_user_id=user.id, form=NAME_FORM, step="ask", now=turn.now)
    await turn.commit()
    turn.actor.member = member
    await turn.reply(*views.welcome(turn.t, branch=branch, member=member))


async def _finish_joining(turn: Turn[Any]) -> None:
    await turn.reply(
        views.all_set(turn.t, turn.member.name, menu.help_text(turn.context, turn.actor))
    )
    await menu.publish_menu(turn.context, turn.actor)


@form_step(refusals=views.REFUSALS)
async def name_text(turn: Turn[None], state: FormState) -> None:
    """The person typed their name while the name form was open."""
    if turn.actor.member is None:
        await turn.close_form()
        await turn.commit()
        return
    await org.set_name(turn.s, member=turn.member, name=turn.text)
    await turn.close_form()
    await turn.commit()
    await _finish_joining(turn)


@handler(button=NameOk)
async def name_button(turn: Turn[NameOk]) -> None:
    """The person accepted their Telegram name."""
    member = turn.actor.member
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    if member is not None and state is None:
        # A second press (or a redelivered one): the name was saved by the first.
        await turn.answer(views.name_already_saved(turn.t, member.name))
        return
    if member is None or state is None or state.form != NAME_FORM:
        await refuse_stale(turn)
        return
    await turn.close_form()
    await turn.commit()
    await turn.answer()
    await turn.edit(views.name_kept(turn.t, member.name))
    await _finish_joining(turn)


# One step: the name, asked by /start.
NAME = Form(NAME_FORM, steps={"ask": name_text})
