"""What no command claims: the guided-form router, /cancel, stray buttons, blocking."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.context import BotContext
from bot.services import forms, org
from handlers.groups.link import bot_left_group
from handlers.org import views
from handlers.shape import Turn, handler, refuse_stale


def _has_file(update: Update) -> bool:
    message = update.effective_message
    return message is not None and (message.document is not None or bool(message.photo))


async def on_message(update: Update, context: BotContext) -> None:
    """Route a message to the person's open guided form, or explain what the bot understands."""
    user = update.effective_user
    assert user is not None
    registry = context.bot_data.form_media if _has_file(update) else context.bot_data.forms
    async with context.sessions() as s:
        state = await forms.current(s, telegram_user_id=user.id)
    step = registry.get(state.form) if state is not None else None
    if state is not None and step is not None:
        await step(update, context, state)
        return
    await not_understood(update, context)


@handler()
async def not_understood(turn: Turn[None]) -> None:
    """A message no open form takes."""
    state = await forms.current(turn.s, telegram_user_id=turn.actor.telegram_user_id)
    await turn.reply(
        views.not_understood(turn.t, has_file=_has_file(turn.update), in_form=state is not None)
    )


@handler()
async def cancel(turn: Turn[None]) -> None:
    """Leave whatever guided form the person is in."""
    had = await turn.close_form()
    await turn.commit()
    await turn.reply(views.cancelled(turn.t, had))


@handler()
async def unknown_button(turn: Turn[None]) -> None:
    """A button no feature claims: forged or from an old version of the bot."""
    await refuse_stale(turn)


async def chat_member(update: Update, context: BotContext) -> None:
    """Keep a member's blocked/unblocked status in step with Telegram."""
    if await bot_left_group(update, context):
        return
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    async with context.sessions() as s:
        await org.set_blocked(
            s, telegram_user_id=change.chat.id, blocked=blocked, now=context.clock.now()
        )
        await s.commit()
