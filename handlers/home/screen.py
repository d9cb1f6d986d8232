"""/menu and the home screen's buttons: sections, and commands run in place."""

from __future__ import annotations

from typing import Any

from bot.delivery.message import Keyboard
from bot.services import home as svc
from handlers.home import views
from handlers.home.buttons import OpenSection, RunCommand, RunItem, Section
from handlers.home.sections import SECTIONS, allowed, command_handler, items_for, sections_for
from handlers.shape import IN_PLACE, JOINED, InPlace, Turn, handler


async def render_home(turn: Turn[Any]) -> tuple[str, Keyboard]:
    attention = await svc.attention(turn.s, member=turn.member, now=turn.now)
    return views.home(
        turn.t,
        name=turn.member.name,
        attention=attention,
        sections=sections_for(turn.context.bot_data, turn.actor.role),
    )


async def show_home(turn: Turn[Any]) -> None:
    """Send the home screen as a new message (/menu, /start)."""
    await turn.reply(*await render_home(turn))


@handler(roles=JOINED)
async def menu(turn: Turn[None]) -> None:
    """The home screen: what needs attention, and a button per section."""
    await show_home(turn)


async def _stale(turn: Turn[Any]) -> None:
    """A menu built for another role (or build): say so, and show the menu as it is now."""
    await turn.answer(views.stale(turn.t), alert=True)
    await turn.edit(*await render_home(turn))


@handler(roles=JOINED, button=OpenSection)
async def open_section(turn: Turn[OpenSection]) -> None:
    """Show the home screen or a section's submenu, in place of the pressed message."""
    which = turn.data.section
    if which == Section.home:
        await turn.edit(*await render_home(turn))
        return
    items = items_for(turn.context.bot_data, which, turn.actor.role)
    if not items:
        await _stale(turn)
        return
    await turn.edit(*views.section(turn.t, which, items))


@handler(roles=JOINED, button=RunItem)
async def run_item(turn: Turn[RunItem]) -> None:
    """Run a section's command with the same handler as typing it, in place of the menu."""
    which, index = turn.data.section, turn.data.item
    spec = SECTIONS.get(which)
    role = turn.actor.role
    if spec is None or index >= len(spec.items) or role not in spec.roles:
        await _stale(turn)
        return
    item = spec.items[index]
    bot_data = turn.context.bot_data
    if not allowed(bot_data, item, role):
        await _stale(turn)
        return
    await _run_in_place(turn, item.command, list(item.args), [views.back_row(turn.t, which)])


async def _run_in_place(turn: Turn[Any], command: str, args: list[str], footer: Keyboard) -> None:
    """Call /command's own handler (it re-checks everything) editing this message."""
    callback = command_handler(turn.context.bot_data, command)
    assert callback is not None
    # The command opens its own session: end this one's transaction first.
    await turn.s.rollback()
    turn.context.args = args
    token = IN_PLACE.set(InPlace(footer=footer))
    try:
        await callback(turn.update, turn.context)
    finally:
        IN_PLACE.reset(token)
    # The command's own decorator answered the press.
    turn.answered = True


@handler(roles=JOINED, button=RunCommand)
async def run_command(turn: Turn[RunCommand]) -> None:
    """A list's button: run `/command arg` for this item, in place of the list."""
    d = turn.data
    callback = command_handler(turn.context.bot_data, d.command)
    if callback is None or turn.actor.role not in callback.roles:
        await _stale(turn)
        return
    footer = [] if d.back is None else [views.back_to(turn.t, d.back)]
    await _run_in_place(turn, d.command, [] if d.arg is None else d.arg.split(), footer)


@handler()
async def unknown_command(turn: Turn[None]) -> None:
    """A command no handler took: say so briefly and point to /menu."""
    word = (turn.text or "/").split(maxsplit=1)[0].split("@")[0]
    await turn.reply(views.unknown_command(turn.t, word))
