"""Members and their study items: /study, 已学习 / 写心得 / undo, and the 心得 form."""

from __future__ import annotations

from typing import Any

from bot.delivery.message import split_text
from bot.models import FormState
from bot.services import study
from handlers.shape import EVERYONE, MEMBERS, Form, Turn, closing_form, form_step, handler
from handlers.study import views
from handlers.study.buttons import StudyPress

REFLECT_FORM = "study_reflect"
# What can be typed again at the 心得 step (an item no longer in scope ends the form).
RETYPE = frozenset({"reflection_empty", "reflection_too_long"})


@handler(roles=MEMBERS, refusals=views.REFUSALS)
async def study_list(turn: Turn[None]) -> None:
    """Member: the open study items with their status and buttons."""
    mine = await study.my_items(turn.s, member=turn.member, now=turn.now)
    text, rows = views.my_items(turn.t, mine)
    # Twenty long titles with links can pass Telegram's limit; the buttons go with the last part.
    parts = split_text(text)
    for part in parts[:-1]:
        await turn.reply(part)
    await turn.reply(parts[-1], rows or None)


async def mark_studied(turn: Turn[Any], item_id: int) -> None:
    """已学习 (in private or in the group): recorded once, answered with a toast."""
    t = turn.t
    item, recorded = await study.mark_done(
        turn.s, member=turn.actor.member, item_id=item_id, now=turn.now
    )
    await turn.commit()
    await turn.answer(
        t.label("Recorded: you studied “{title}”.", title=item.title)
        if recorded
        else t.label("Already recorded.")
    )


async def ask_reflection(turn: Turn[Any], item_id: int) -> None:
    """写心得 pressed (or its deep link from the group opened): check the item was
    pushed to this member's branch, then open the one-step 心得 form."""
    item = await study.check_scope(turn.s, member=turn.actor.member, item_id=item_id)
    # As before the deep link: 写心得 replaces a half-filled form rather than refusing.
    await turn.open_form(REFLECT_FORM, "text", {"item_id": item_id}, free=False)
    await turn.commit()
    await turn.answer()
    await turn.reply(views.ask_reflection(turn.t, item))


# Everyone may press: the service refuses an item not pushed to the person's branch.
@handler(roles=EVERYONE, button=StudyPress, refusals=views.REFUSALS)
async def study_press(turn: Turn[StudyPress]) -> None:
    """已学习 / 写心得 / undo on a pushed item."""
    t, item_id, member = turn.t, turn.data.item_id, turn.actor.member
    if turn.data.action == "done":
        await mark_studied(turn, item_id)
        return
    if turn.data.action == "undo":
        item = await study.undo(turn.s, member=member, item_id=item_id, now=turn.now)
        await turn.commit()
        await turn.answer(t.label("Undone: “{title}” is marked not studied.", title=item.title))
        return
    await ask_reflection(turn, item_id)


@form_step(refusals=views.REFUSALS)
async def reflection_text(turn: Turn[None], state: FormState) -> None:
    """The member typed their 心得."""
    text = turn.text
    item_id = state.data.get("item_id")
    if not isinstance(item_id, int):
        await turn.close_form()
        await turn.commit()
        return
    async with closing_form(turn, retype=RETYPE):
        item, recorded = await study.write_reflection(
            turn.s, member=turn.actor.member, item_id=item_id, text=text, now=turn.now
        )
    t = turn.t
    await turn.reply(
        t._("Your reflection on “{title}” is recorded. Thank you!", title=item.title)
        if recorded
        else t._("Already recorded.")
    )


REFLECT = Form(REFLECT_FORM, steps={"*": reflection_text})
