"""三会一课: scheduling, answers, 请假, 签到, changes, minutes and attendance.

A module per flow: `schedule` (/newmeeting), `answers` (出席 / 请假 / 签到, leave
decisions, /checkin), `manage` (/meetings, /reschedule, /cancelmeeting), `minutes`,
`attendance` (/attendance, marking by hand, /me); `views` and `report_views` word it,
`buttons` are the button families. The branch's own organisation (支委 /committee,
党小组 /groups) is the organisation capability's (handlers/org/).
"""

from __future__ import annotations

from bot.context import BotApplication, add_me_section
from bot.i18n import N_
from handlers.meetings import answers, attendance, manage, minutes, schedule
from handlers.shape import add_buttons, add_command, add_form


def register(app: BotApplication) -> None:
    add_command(
        app,
        "newmeeting",
        N_("schedule a meeting: /newmeeting [kind date time place]"),
        schedule.newmeeting,
    )
    add_command(app, "meetings", N_("upcoming and recent meetings"), manage.meetings)
    add_command(
        app,
        "attendance",
        N_("attendance: /attendance [meeting id | this month | this quarter | YYYY-MM | YYYY-Qn]"),
        attendance.attendance,
    )
    add_command(app, "checkin", N_("check in with a code: /checkin <code>"), answers.checkin)
    add_command(
        app, "reschedule", N_("move a meeting: /reschedule <id> <date> <time>"), manage.reschedule
    )
    add_command(
        app, "cancelmeeting", N_("call off a meeting: /cancelmeeting <id>"), manage.cancelmeeting
    )
    add_command(app, "minutes", N_("record minutes: /minutes <id>"), minutes.minutes)
    add_form(app, schedule.FORM, answers.LEAVE, minutes.MINUTES, manage.MOVE)
    add_me_section(app, attendance.me_section)
    add_buttons(
        app,
        schedule.form_button,
        answers.vote,
        answers.leave_decision,
        manage.cancel_button,
        manage.reschedule_pick,
        minutes.studied,
        minutes.minutes_file,
        attendance.mark_open,
        attendance.mark_page,
        attendance.mark,
    )
