"""/targets (admins: the yearly targets) and /course (a 培训 or 党课 meeting as a course)."""

from __future__ import annotations

from bot.services import training as svc
from bot.services.errors import Refused
from handlers.shape import ADMINS, LEADERS, Turn, handler
from handlers.training import views

SECRETARY_WORDS = frozenset({"secretary", "书记", "书记培训"})


@handler(roles=ADMINS, refusals=views.REFUSALS)
async def targets(turn: Turn[None]) -> None:
    """/targets shows them; /targets <role> <hours> changes one."""
    args = turn.args
    if not args:
        await turn.reply(views.targets(turn.t, await svc.current_targets(turn.s)))
        return
    if len(args) != 2:
        await turn.reply(views.targets(turn.t, await svc.current_targets(turn.s)))
        return
    role = svc.parse_role(args[0])
    found = await svc.set_target(turn.s, actor=turn.member, role=role, hours=args[1], now=turn.now)
    await turn.commit()
    await turn.reply(views.targets(turn.t, found, changed=True))


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def course(turn: Turn[None]) -> None:
    """/course <meeting id> <name> [secretary]: name a 培训/党课 meeting as a course."""
    args = turn.args
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        await turn.reply(views.course_usage(turn.t))
        return
    secretary = args[-1].lower() in SECRETARY_WORDS and len(args) > 2
    name = " ".join(args[1:-1] if secretary else args[1:])
    if not name:
        raise Refused("course_name_empty")
    found = await svc.set_course(
        turn.s,
        actor=turn.member,
        meeting_id=int(args[0].lstrip("#")),
        name=name,
        secretary_training=secretary,
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.course_set(turn.t, found))
