"""/person export <id> and /person erase <id> (admins), erasure confirmed with a button."""

from __future__ import annotations

import logging

from bot.services import privacy as svc
from handlers.privacy import views
from handlers.privacy.buttons import EraseChoice
from handlers.shape import ADMINS, Turn, handler

log = logging.getLogger(__name__)


@handler(roles=ADMINS, refusals=views.REFUSALS)
async def person(turn: Turn[None]) -> None:
    """Admin: export one person's data as a document, or ask before erasing it."""
    args = turn.args
    if len(args) != 2 or args[0] not in ("export", "erase") or not args[1].lstrip("#").isdigit():
        await turn.reply(views.person_usage(turn.t))
        return
    member_id = int(args[1].lstrip("#"))
    if args[0] == "export":
        _member, data = await svc.export(
            turn.s, actor=turn.member, member_id=member_id, now=turn.now
        )
        await turn.commit()
        log.info("person %s exported by member %s", member_id, turn.member.id)
        await turn.reply_document(
            f"person-{member_id}.json", data, views.export_caption(turn.t, member_id)
        )
        return
    target = await svc.person(turn.s, actor=turn.member, member_id=member_id)
    await turn.reply(*views.erase_question(turn.t, member_id, target.name))


@handler(roles=ADMINS, button=EraseChoice, refusals=views.REFUSALS)
async def erase_choice(turn: Turn[EraseChoice]) -> None:
    """确认 erases (once: a second press finds the name already replaced); 取消 keeps it."""
    member_id = turn.data.member_id
    if turn.data.choice == "no":
        await turn.edit(views.erase_cancelled(turn.t, member_id))
        return
    erasure = await svc.erase(turn.s, actor=turn.member, member_id=member_id, now=turn.now)
    await turn.commit()
    log.info("person %s erased by member %s", member_id, turn.member.id)
    await turn.edit(views.erased(turn.t, erasure))
