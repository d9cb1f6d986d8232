"""/leave (a member leaves, confirmed with a button) and /remove (the secretary removes one)."""

from __future__ import annotations

import logging

from bot.services import org
from bot.services import privacy as svc
from handlers.privacy import views
from handlers.privacy.buttons import LeaveChoice
from handlers.shape import MEMBERS, SECRETARIES, Turn, handler

log = logging.getLogger(__name__)


@handler(roles=MEMBERS, refusals=views.REFUSALS)
async def leave(turn: Turn[None]) -> None:
    """Ask before leaving the branch."""
    branch = await org.branch_of(turn.s, turn.member)
    await turn.reply(*views.leave_question(turn.t, branch.name if branch else ""))


@handler(roles=MEMBERS, button=LeaveChoice, refusals=views.REFUSALS)
async def leave_choice(turn: Turn[LeaveChoice]) -> None:
    """确认 leaves; 取消 keeps everything."""
    if turn.data.choice == "no":
        await turn.edit(views.not_left(turn.t))
        return
    branch = await org.branch_of(turn.s, turn.member)
    departure = await svc.leave(turn.s, member=turn.member, now=turn.now)
    await turn.commit()
    log.info("member %s left branch %s", departure.member_id, departure.branch_id)
    await turn.edit(views.left(turn.t, departure, branch.name if branch else ""))


@handler(roles=SECRETARIES, refusals=views.REFUSALS)
async def remove(turn: Turn[None]) -> None:
    """Secretary: /remove <member number or name> <reason>."""
    if len(turn.args) < 2:
        await turn.reply(views.remove_usage(turn.t))
        return
    who, reason = turn.args[0], " ".join(turn.args[1:])
    departure = await svc.remove(turn.s, actor=turn.member, who=who, reason=reason, now=turn.now)
    await turn.commit()
    log.info("member %s removed by member %s", departure.member_id, turn.member.id)
    await turn.reply(views.removed(turn.t, departure, reason))
