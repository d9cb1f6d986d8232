"""/studysettings: the branch's study time and weekly digest (secretaries)."""

from __future__ import annotations

from bot.services import study
from handlers.shape import SECRETARIES, Turn, handler
from handlers.study import views


@handler(roles=SECRETARIES, refusals=views.REFUSALS)
async def studysettings(turn: Turn[None]) -> None:
    """Secretary: show or change the branch's study time and weekly digest."""
    args, t = turn.args, turn.t
    rules = study.StudyRules.from_settings(turn.settings)
    sub = args[0].lower() if args else ""
    if not args:
        row = await study.branch_settings(turn.s, turn.branch_id, rules)
    elif sub == "time" and len(args) == 2:
        row = await study.update_branch_settings(
            turn.s, actor=turn.member, rules=rules, study_time=args[1], now=turn.now
        )
    elif sub == "digest" and len(args) > 1:
        row = await study.update_branch_settings(
            turn.s, actor=turn.member, rules=rules, digest=" ".join(args[1:]), now=turn.now
        )
    else:
        await turn.reply(views.settings_usage(t))
        return
    await turn.commit()
    await turn.reply(views.settings_text(t, row, rules))
