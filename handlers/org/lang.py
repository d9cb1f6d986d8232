"""/lang: the person's language (中文 / English)."""

from __future__ import annotations

from bot.services import org
from handlers import menu
from handlers.org import views
from handlers.org.buttons import Language
from handlers.shape import JOINED, Turn, handler


@handler(roles=JOINED)
async def lang(turn: Turn[None]) -> None:
    """Offer the two languages."""
    await turn.reply(*views.language_choice(turn.t))


@handler(button=Language)
async def lang_button(turn: Turn[Language]) -> None:
    """Switch the person's language."""
    member = turn.actor.member
    if member is None:
        # A guest has no member row to keep a language in; Telegram's own language serves them.
        await turn.answer(views.join_first(turn.t), alert=True)
        return
    await org.set_locale(turn.s, member=member, locale=turn.data.locale)
    await turn.commit()
    turn.actor.t = turn.translator_for(member)
    await turn.answer()
    await turn.edit(views.language_set(turn.t))
    await menu.publish_menu(turn.context, turn.actor)
