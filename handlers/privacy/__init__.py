"""Privacy: /leave, /remove, /person export|erase."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from handlers.privacy.leave import leave, leave_choice, remove
from handlers.privacy.person import erase_choice, person
from handlers.shape import add_buttons, add_command


def register(app: BotApplication) -> None:
    add_command(app, "leave", N_("leave your branch"), leave)
    add_command(app, "remove", N_("remove a member from the branch, with a reason"), remove)
    add_command(app, "person", N_("export or erase one person's data"), person)
    add_buttons(app, leave_choice, erase_choice)
