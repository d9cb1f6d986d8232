"""第一议题 study: /newstudy, /study, /studystatus, /studysettings and the study buttons."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import BotApplication, BotContext, add_me_section
from bot.i18n import N_
from bot.services import study
from handlers.common import Actor
from handlers.shape import add_buttons, add_command, add_form
from handlers.study import views
from handlers.study.members import REFLECT, study_list, study_press
from handlers.study.publish import NEW, draft_press, newstudy
from handlers.study.settings import studysettings
from handlers.study.status import studystatus


async def study_me(s: AsyncSession, context: BotContext, actor: Actor) -> str | None:
    """The /me line: how many open study items this member has finished."""
    if not actor.is_member:
        return None
    mine = await study.my_items(s, member=actor.member, now=context.clock.now())
    return views.me_line(actor.t, mine)


def register(app: BotApplication) -> None:
    add_command(
        app, "newstudy", N_("publish a 第一议题 study item: /newstudy <title> [link]"), newstudy
    )
    add_command(app, "study", N_("your open study items"), study_list)
    add_command(app, "studystatus", N_("study completion: /studystatus [item]"), studystatus)
    add_command(
        app, "studysettings", N_("the branch's study time and weekly digest"), studysettings
    )
    add_form(app, NEW)
    add_form(app, REFLECT)
    add_me_section(app, study_me)
    add_buttons(app, draft_press, study_press)
