"""/attendance (one meeting or a period), marking present or absent by hand, and /me."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import BotContext
from bot.delivery.message import Keyboard, split_text
from bot.models import Branch, Role
from bot.services import periods
from bot.services.meetings import attendance as svc
from handlers import branch_picker as picker
from handlers.common import Actor
from handlers.meetings import report_views
from handlers.meetings.buttons import Mark, MarkOpen, MarkPage
from handlers.meetings.refusals import REFUSALS
from handlers.shape import LEADERS, SECRETARIES, Turn, handler


async def _named_branch(turn: Turn[None], args: list[str]) -> tuple[Branch | None, list[str]]:
    """An admin names the branch first (its name may have spaces); the rest is the query."""
    if not turn.actor.is_admin:
        return None, args
    for k in range(len(args), 0, -1):
        branch = await svc.branch_by_name(turn.s, " ".join(args[:k]))
        if branch is not None:
            return branch, args[k:]
    return None, args


async def _meeting(turn: Turn[None], branch_id: int, meeting_id: int) -> tuple[str, Keyboard]:
    report = await svc.meeting_report(
        turn.s, branch_id=branch_id, meeting_id=meeting_id, now=turn.now
    )
    text = report_views.meeting_report(turn.t, report)
    return text, report_views.meeting_report_buttons(turn.t, report, turn.actor.is_secretary)


async def _period(turn: Turn[None], branch_id: int, what: str) -> str:
    today = periods.local_today(turn.now, turn.settings.tz)
    period = periods.parse_period(what or "this month", today)
    report = await svc.period_report(
        turn.s, branch_id=branch_id, period=period, tz=turn.settings.tz, now=turn.now
    )
    branch = await turn.s.get(Branch, branch_id)
    return report_views.period_report(turn.t, branch.name if branch else "", report)


@handler(roles=LEADERS, refusals=REFUSALS)
async def attendance(turn: Turn[None]) -> None:
    """Secretary (own branch) or admin (named branch): one meeting or a period."""
    args = await picker.branch_args(turn, "attendance")
    if args is None:  # an admin who named no branch is choosing one
        return
    branch, args = await _named_branch(turn, args)
    branch_id = svc.viewer_branch(turn.member, branch)
    what = " ".join(args).lstrip("#")
    buttons: Keyboard = []
    if what.isdigit() and len(what) < 7:
        text, buttons = await _meeting(turn, branch_id, int(what))
    else:
        text = await _period(turn, branch_id, what)
        named = None if turn.actor.is_secretary else picker.token(branch_id)
        buttons = report_views.period_buttons(turn.t, branch=named)
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        await turn.reply(chunk, buttons if i == len(chunks) - 1 else None)


async def _mark_view(turn: Turn[Any], meeting_id: int, page: int) -> tuple[str, Keyboard]:
    report = await svc.meeting_report(
        turn.s, branch_id=turn.branch_id, meeting_id=meeting_id, now=turn.now
    )
    return report_views.mark_page(turn.t, report, page)


@handler(roles=SECRETARIES, button=MarkOpen, refusals=REFUSALS)
async def mark_open(turn: Turn[MarkOpen]) -> None:
    """The list of invitees to mark present or absent, as a new message."""
    text, keyboard = await _mark_view(turn, turn.data.meeting_id, turn.data.page)
    await turn.answer()
    await turn.reply(text, keyboard)


@handler(roles=SECRETARIES, button=MarkPage, refusals=REFUSALS)
async def mark_page(turn: Turn[MarkPage]) -> None:
    """Another page of the marking list."""
    text, keyboard = await _mark_view(turn, turn.data.meeting_id, turn.data.page)
    await turn.answer()
    await turn.edit(text, keyboard)


@handler(roles=SECRETARIES, button=Mark, refusals=REFUSALS)
async def mark(turn: Turn[Mark]) -> None:
    """Secretary marks one invitee present or absent by hand."""
    present = turn.data.choice == "p"
    done = await svc.mark(
        turn.s,
        actor=turn.member,
        attendance_id=turn.data.attendance_id,
        present=present,
        now=turn.now,
    )
    await turn.s.commit()
    text, keyboard = await _mark_view(turn, done.attendance.meeting_id, turn.data.page)
    await turn.answer(report_views.marked_toast(turn.t, done.member.name, present))
    await turn.edit(text, keyboard)


async def me_section(s: AsyncSession, context: BotContext, actor: Actor) -> str | None:
    """The member's meetings this year, attended of invited, by kind."""
    member = actor.member
    if member is None or member.role not in (Role.member, Role.secretary):
        return None
    now, tz = context.clock.now(), context.settings.tz
    year = now.astimezone(tz).year
    record = await svc.year_record(s, member=member, year=year, tz=tz, now=now)
    return report_views.year_record(actor.t, year, record)
