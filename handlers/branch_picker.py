"""Admins choose a branch by button: a paged picker of every branch, whose buttons run a
command with `@<id>` where a typist writes the branch's name.

A command that needs a branch from an admin (/attendance, /calendar, /term) opens with
`branch_args`: the picker when none is named, else the arguments with the button's
`@<id>` turned back into the name, so the command's own parsing, and its checks, are the
typed command's.
"""

from __future__ import annotations

import re
from typing import Any

from bot.delivery.message import Button, Keyboard
from bot.models import Branch
from bot.services import org
from handlers.home.buttons import RunCommand
from handlers.home.views import command_button
from handlers.paging import page_of, paged_keyboard
from handlers.shape import Turn

PAGE = 20  # branches a page of the picker shows
TOKEN = re.compile(r"^@(\d{1,11})$")


def token(branch_id: int) -> str:
    """What a button writes in place of a branch's name."""
    return f"@{branch_id}"


async def named_args(turn: Turn[Any], args: list[str]) -> list[str]:
    """`args` with a leading `@<id>` (an admin's picker button) replaced by that branch's
    name; an unknown id stays as typed, so the command refuses it as an unknown branch."""
    match = TOKEN.match(args[0]) if args and turn.actor.is_admin else None
    if match is None:
        return args
    branch = await turn.s.get(Branch, int(match.group(1)))
    return [branch.name if branch is not None else args[0], *args[1:]]


async def branch_args(turn: Turn[Any], command: str) -> list[str] | None:
    """The arguments of `/command`, for a command an admin runs on a named branch: None
    when an admin named none (or turned a page of the picker) and was shown the picker."""
    if turn.actor.is_admin:
        number = page_arg(turn.args) if turn.args else 0
        if number is not None:
            await show_picker(turn, command, number)
            return None
    return await named_args(turn, turn.args)


def page_arg(args: list[str]) -> int | None:
    """`page 2` (what the picker's ◀ ▶ run): the page, from 0; None for anything else."""
    if len(args) == 2 and args[0] == "page" and args[1].isascii() and args[1].isdigit():
        return int(args[1][:6])
    return None


async def show_picker(turn: Turn[Any], command: str, number: int = 0) -> None:
    """A page of every branch, a button each running `/command @<id>`, and ◀ ▶."""
    t = turn.t
    rows = await org.branch_overview(turn.s, actor=turn.member)
    if not rows:
        await turn.reply(t._("No branches yet. Create one with /newbranch &lt;name&gt;."))
        return
    page = page_of(rows, number, PAGE)
    text = t._("/{command}: which branch?", command=command)
    caption = page.caption(t)
    if caption:
        text += "\n" + caption

    def item(row: org.BranchRow) -> Button:
        return command_button(row.name, command, token(row.id), back=command)

    keyboard: Keyboard = paged_keyboard(
        page, item, lambda n: RunCommand(command=command, arg=f"page {n}"), columns=2
    )
    await turn.reply(text, keyboard)
