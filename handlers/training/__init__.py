"""教育培训: /training (外部培训记录), /hours (学时), /targets (年度目标), /course."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from handlers.shape import add_buttons, add_command, add_form
from handlers.training import add, decide, hours, settings


def register(app: BotApplication) -> None:
    add_command(app, "training", N_("external training records; /training add"), add.training)
    add_command(app, "hours", N_("training hours this year against the target"), hours.hours)
    add_command(app, "targets", N_("yearly training targets"), settings.targets)
    add_command(app, "course", N_("name a training session as a course"), settings.course)
    add_form(app, add.FORM)
    add_form(app, decide.RETURN_FORM, settings.TARGET, settings.COURSE)
    add_buttons(
        app,
        add.add_step,
        decide.open_record,
        decide.decide,
        decide.show_certificate,
        hours.hours_page,
        settings.target_pick,
        settings.course_pick,
        settings.course_secretary,
    )
