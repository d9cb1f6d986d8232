"""What the bot posts in a linked group, and the presses on it.

The hooks (`post_meeting`, `post_messages`) are called by the capabilities in the same
transaction as what they announce, and `study_compose` words the study items the study
service posts when it pushes them; 出席 / 签到 / 已学习 pressed in the group run the same
services as in private, checked against the person who pressed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import GUEST, BotContext
from bot.delivery.message import OutgoingMessage
from bot.i18n import Translator
from bot.models import Branch, Meeting, PartyGroup
from bot.services import groups as svc
from bot.services import study
from bot.services.errors import Refused
from bot.services.meetings import answers as answers_svc
from bot.services.meetings import checkin as checkins
from handlers.groups import views
from handlers.groups.buttons import GroupStudy, GroupVote
from handlers.meetings import answers
from handlers.meetings import views as meeting_views
from handlers.meetings.refusals import REFUSALS as MEETING_REFUSALS
from handlers.shape import EVERYONE, Refusals, Turn, handler
from handlers.study import members as study_members
from handlers.study import views as study_views


async def _branch_name(turn: Turn[Any], branch_id: int) -> str:
    branch = await turn.s.get(Branch, branch_id)
    return branch.name if branch is not None else ""


async def post_meeting(turn: Turn[Any], meeting: Meeting, group: PartyGroup | None) -> None:
    """Hook: a meeting notice is also posted once in the branch's linked group."""
    if await svc.linked_group(turn.s, branch_id=meeting.branch_id) is None:
        return
    assert meeting.id is not None
    counts = await svc.meeting_counts(turn.s, meeting.id)
    t = views.group_translator(turn.context)
    message = views.meeting_post(
        t,
        meeting,
        group,
        counts,
        branch=await _branch_name(turn, meeting.branch_id),
        bot_username=turn.context.bot.username,
    )
    post = await svc.post(
        turn.s,
        branch_id=meeting.branch_id,
        kind="meeting",
        subject_id=meeting.id,
        message=message,
        now=turn.now,
        created_by=turn.actor.member.id if turn.actor.member else None,
    )
    if post is not None:
        # What the message shows now: the job edits it only when this changes.
        post.shown = svc.PostState.of(meeting, views.counts_line(t, meeting, counts)).encode()


async def post_messages(
    turn: Turn[Any],
    *,
    branch_id: int | None,
    kind: str,
    subject_id: int,
    render: Callable[[Translator], list[str]],
) -> None:
    """Hook: post messages (e.g. 公示 parts) in the linked group, if there is one.

    `render(t)` words them for the group; it is not called when no group is linked.
    """
    if await svc.linked_group(turn.s, branch_id=branch_id) is None:
        return
    for text in render(views.group_translator(turn.context)):
        await svc.post(
            turn.s,
            branch_id=branch_id,
            kind=kind,
            subject_id=subject_id,
            message=OutgoingMessage(text),
            now=turn.now,
            created_by=turn.actor.member.id if turn.actor.member else None,
        )


def study_compose(context: BotContext) -> study.GroupCompose:
    """Hook for study publishing: how an item is worded for the branches' groups.

    The study service posts it once in each linked group when the item is pushed to
    that branch (at the branch's study time, with the members' push); its 写心得 is a
    deep link (t.me/<bot>?start=reflect-<id>), never a reflection typed in the group.
    """
    return views.study_compose(context.catalogs, context.settings, context.bot.username)


@handler(roles=EVERYONE, button=GroupVote, refusals=MEETING_REFUSALS)
async def group_vote(turn: Turn[GroupVote]) -> None:
    """出席 / 签到 in the group: recorded for the presser, answered with a toast."""
    if turn.actor.role == GUEST:
        await turn.answer(views.not_joined(turn.t, turn.context.bot.username), alert=True)
        return
    meeting_id = turn.data.meeting_id
    if turn.data.choice == "in":
        done = await checkins.check_in_button(
            turn.s, member=turn.member, meeting_id=meeting_id, now=turn.now
        )
        await turn.s.commit()
        await turn.answer(meeting_views.checkin_toast(turn.t, done))
        return
    _inv, changed = await answers_svc.attend(
        turn.s, member=turn.member, meeting_id=meeting_id, now=turn.now
    )
    await turn.s.commit()
    await turn.answer(meeting_views.attend_toast(turn.t, changed))


@handler(roles=EVERYONE, button=GroupStudy, refusals=study_views.REFUSALS)
async def group_studied(turn: Turn[GroupStudy]) -> None:
    """已学习 in the group: recorded for the presser (pushed to their branch), a toast."""
    if turn.actor.role == GUEST:
        await turn.answer(views.not_joined(turn.t, turn.context.bot.username), alert=True)
        return
    await study_members.mark_studied(turn, turn.data.item_id)


def private_link(
    opener: Callable[[Turn[Any], int], Awaitable[None]], refusals: Refusals
) -> Callable[[Turn[Any], str], Awaitable[None]]:
    """A /start deep link from a group button (t.me/<bot>?start=<name>-<id>): what needs
    typing is asked here, in private, after `opener` re-checked it for this person."""

    async def open_link(turn: Turn[Any], ref: str) -> None:
        if turn.actor.role == GUEST:
            await turn.reply(views.not_joined(turn.t, turn.context.bot.username))
            return
        try:
            await opener(turn, int(ref))
        except Refused as exc:
            await turn.s.rollback()
            await turn.refuse(refusals.html(turn.t, exc))

    return open_link


# 请假 from a meeting post: the reason is asked here. 写心得 from a study post: the 心得
# form opens here (the item must have been pushed to the person's branch).
leave_link = private_link(answers.ask_leave, MEETING_REFUSALS)
reflect_link = private_link(study_members.ask_reflection, study_views.REFUSALS)
