"""/calendar: the branch's 组织生活 calendar; the reminder's 'schedule it' button."""

from __future__ import annotations

from bot.services.oversight import calendar as cal
from handlers import branch_picker as picker
from handlers.meetings.schedule import open_guided
from handlers.oversight import views
from handlers.oversight.buttons import ScheduleKind
from handlers.oversight.common import REFUSALS
from handlers.shape import LEADERS, SECRETARIES, Turn, handler


@handler(roles=LEADERS, refusals=REFUSALS)
async def calendar(turn: Turn[None]) -> None:
    """Secretary (admins: with a branch name): each rule's 应召开 / 已召开 / 未召开."""
    args = await picker.branch_args(turn, "calendar")
    if args is None:  # an admin who named no branch is choosing one
        return
    branch_name = args.pop(0) if turn.actor.is_admin and args else None
    c = await cal.calendar(
        turn.s,
        actor=turn.member,
        period_text=" ".join(args),
        branch_name=branch_name,
        now=turn.now,
        tz=turn.settings.tz,
    )
    await turn.commit()  # the default rules, written the first time they are read
    named = picker.token(c.branch_id) if turn.actor.is_admin else None
    await turn.reply(views.calendar_text(turn.t, c), views.calendar_buttons(turn.t, named))


@handler(roles=SECRETARIES, button=ScheduleKind, refusals=REFUSALS)
async def schedule_kind(turn: Turn[ScheduleKind]) -> None:
    """From a reminder: open /newmeeting with the kind already chosen."""
    await open_guided(turn, turn.data.kind)
