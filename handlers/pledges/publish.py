"""公示: /pledges publish shows what would be sent; 确认发送 sends it to the branch."""

from __future__ import annotations

from typing import Any

from bot.services import pledges as svc
from handlers.groups.posts import post_messages
from handlers.pledges import messages, views
from handlers.pledges.buttons import PublishChoice
from handlers.pledges.shared import REFUSALS
from handlers.shape import SECRETARIES, Turn, handler


async def show_preview(turn: Turn[Any]) -> None:
    found = await svc.approved_for_publishing(
        turn.s, actor=turn.member, now=turn.now, tz=turn.settings.tz
    )
    text, keyboard = views.publish_preview(turn.t, found)
    await turn.reply(text, keyboard)


@handler(roles=SECRETARIES, button=PublishChoice, refusals=REFUSALS)
async def publish_button(turn: Turn[PublishChoice]) -> None:
    """确认发送 / 取消 under the 公示 preview."""
    if turn.data.choice == "no":
        await turn.answer()
        await turn.edit(turn.t._("Cancelled; nothing was sent."))
        return
    # The same words for everyone who reads the language: written once per language,
    # since a branch of hundreds would otherwise hold the bot up for seconds.
    compose = turn.per_language(messages.publication_messages)
    done = await svc.publish(
        turn.s, actor=turn.member, now=turn.now, tz=turn.settings.tz, compose=compose
    )
    published = done.publication
    if published is not None:
        branch_id = turn.branch_id
        await post_messages(
            turn,
            branch_id=branch_id,
            kind="publication",
            subject_id=branch_id,
            render=lambda t: messages.publication(t, published),
        )
    await turn.commit()
    await turn.answer()
    await turn.edit(views.published(turn.t, done))
