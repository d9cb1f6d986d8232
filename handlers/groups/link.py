"""/linkgroup and /unlinkgroup in a group, the private confirmation, and the bot removed."""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update

from bot.context import BotContext
from bot.delivery.message import OutgoingMessage
from bot.models import Branch, BranchGroup
from bot.services import groups as svc
from handlers.groups import views
from handlers.groups.buttons import LinkPress
from handlers.shape import EVERYONE, LEADERS, Turn, handler


async def _branch_name(turn: Turn[Any], group: BranchGroup) -> str | None:
    if group.branch_id is None:
        return None
    branch = await turn.s.get(Branch, group.branch_id)
    return branch.name if branch is not None else None


def _chat(turn: Turn[Any]) -> tuple[int, str]:
    chat = turn.update.effective_chat
    assert chat is not None
    return chat.id, chat.title or ""


# Everyone: the service refuses with this capability's own words, said in the group.
@handler(roles=EVERYONE, refusals=views.REFUSALS)
async def linkgroup(turn: Turn[None]) -> None:
    """/linkgroup in a group: ask the secretary (or admin) in private to confirm."""
    chat_id, title = _chat(turn)
    t = turn.t
    member = turn.actor.member
    branch = None
    if member is not None and member.branch_id is not None:
        row = await turn.s.get(Branch, member.branch_id)
        branch = row.name if row is not None else None
    await svc.request_link(
        turn.s,
        actor=member,
        chat_id=chat_id,
        title=title,
        compose=lambda group: views.confirm_request(t, group, branch),
        now=turn.now,
    )
    await turn.commit()
    await turn.reply(views.asked_in_private(t))


@handler(roles=LEADERS, button=LinkPress, refusals=views.REFUSALS)
async def link_press(turn: Turn[LinkPress]) -> None:
    """确认关联 / 取消 in private: link the group, and say so in the group."""
    if turn.data.choice == "no":
        await turn.edit(views.not_linked_cancelled(turn.t))
        return
    done = await svc.confirm_link(
        turn.s, actor=turn.member, group_id=turn.data.group_id, now=turn.now
    )
    branch = await _branch_name(turn, done.group)
    if done.changed:
        gt = views.group_translator(turn.context)
        await svc.post(
            turn.s,
            branch_id=done.group.branch_id,
            kind="linked",
            subject_id=done.group.id or 0,
            message=OutgoingMessage(views.linked_in_group(gt, branch)),
            now=turn.now,
            created_by=turn.member.id,
        )
    replaced = done.replaced.title if done.replaced is not None else None
    await turn.commit()
    await turn.edit(views.linked(turn.t, done.group, branch, replaced))


@handler(roles=EVERYONE, refusals=views.REFUSALS)
async def unlinkgroup(turn: Turn[None]) -> None:
    """/unlinkgroup in the group: nothing more is posted there."""
    chat_id, _title = _chat(turn)
    await svc.unlink(turn.s, actor=turn.actor.member, chat_id=chat_id, now=turn.now)
    await turn.commit()
    await turn.reply(views.unlinked(turn.t))


@handler(roles=EVERYONE)
async def in_private(turn: Turn[None]) -> None:
    """/linkgroup or /unlinkgroup sent in private: explain where they belong."""
    await turn.reply(views.only_in_group(turn.t))


async def bot_left_group(update: Update, context: BotContext) -> bool:
    """my_chat_member in a group: the bot removed unlinks it. True when handled here."""
    change = update.my_chat_member
    if change is None or change.chat.type == "private":
        return False
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        async with context.sessions() as s:
            if await svc.bot_removed(s, chat_id=change.chat.id, now=context.clock.now()):
                await s.commit()
    return True
