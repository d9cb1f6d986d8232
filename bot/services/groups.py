"""The branch's own Telegram group (支部群): linking, unlinking, and posting into it.

A secretary sends /linkgroup in the group; the bot asks them in private to confirm;
then the group is linked to their branch (an admin links the committee's own group,
with no branch). Things worth the whole branch's eyes (meeting notices, study items,
公示) are then also posted there once, through the outbox, which paces each group at
Telegram's 20 messages a minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.models import (
    Attendance,
    BranchGroup,
    Delivery,
    GroupPost,
    Meeting,
    MeetingStatus,
    Member,
    Role,
    StudyItem,
)
from bot.services import access, audit
from bot.services.errors import Refused

PENDING, LINKED, UNLINKED = "pending", "linked", "unlinked"
# Counts in a group message are edited at most this often (a job ticks every minute).
REFRESH_EVERY = timedelta(minutes=1)
# Posts are kept up to date until this long after the meeting ends.
REFRESH_FOR = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Linked:
    group: BranchGroup
    replaced: BranchGroup | None  # the branch's earlier group, now unlinked
    changed: bool  # False for a repeated press


def _audit_subject(group: BranchGroup) -> str:
    # /audit shows "branch:<id>" by the branch's name; the committee's group has none.
    return f"branch:{group.branch_id}" if group.branch_id is not None else ""


async def _audit(
    session: AsyncSession, group: BranchGroup, action: str, actor_id: int | None, now: datetime
) -> None:
    await audit.record(
        session,
        actor_id=actor_id,
        action=action,
        now=now,
        subject=_audit_subject(group),
        details={"chat_id": group.chat_id, "title": group.title},
    )


def _scope_of(actor: Member | None) -> tuple[Member, int | None]:
    """Who may link, and for what: a secretary their branch, an admin the committee."""
    if actor is not None and actor.role == Role.admin:
        return access.require(actor, Role.admin), None
    secretary = access.require(actor, Role.secretary, in_branch=True)
    return secretary, secretary.branch_id


async def by_chat(session: AsyncSession, chat_id: int) -> BranchGroup | None:
    return (await session.exec(select(BranchGroup).where(BranchGroup.chat_id == chat_id))).first()


async def linked_group(session: AsyncSession, *, branch_id: int | None) -> BranchGroup | None:
    """The group linked to a branch (None: the committee's own group)."""
    scope = (
        col(BranchGroup.branch_id).is_(None)
        if branch_id is None
        else col(BranchGroup.branch_id) == branch_id
    )
    query = select(BranchGroup).where(scope, col(BranchGroup.state) == LINKED)
    return (await session.exec(query)).first()


async def request_link(
    session: AsyncSession,
    *,
    actor: Member | None,
    chat_id: int,
    title: str,
    compose: Callable[[BranchGroup], OutgoingMessage],
    now: datetime,
) -> BranchGroup:
    """/linkgroup in a group: remember the request and ask the actor in private."""
    person, branch_id = _scope_of(actor)
    group = await by_chat(session, chat_id)
    if group is not None and group.state == LINKED and group.branch_id == branch_id:
        raise Refused("group_already_linked")
    if group is None:
        group = BranchGroup(chat_id=chat_id, requested_at=now)
        session.add(group)
    group.title = title[:255]
    group.branch_id = branch_id
    group.state = PENDING
    group.requested_by = person.id
    group.requested_at = now
    await session.flush()
    await outbox.enqueue(
        session,
        kind="group.link",
        recipients=[outbox.Recipient(person.telegram_user_id, compose(group), person.id)],
        now=now,
        subject_id=group.id,
        created_by=person.id,
    )
    return group


async def confirm_link(
    session: AsyncSession, *, actor: Member | None, group_id: int, now: datetime
) -> Linked:
    """The secretary confirmed in private: link, replacing the branch's earlier group."""
    person, branch_id = _scope_of(actor)
    group = await session.get(BranchGroup, group_id)
    if group is None or group.requested_by != person.id or group.branch_id != branch_id:
        raise Refused("group_unknown")
    if group.state == LINKED:
        return Linked(group, None, changed=False)
    if group.state != PENDING:
        raise Refused("group_unknown")
    replaced = await linked_group(session, branch_id=branch_id)
    if replaced is not None:
        replaced.state = UNLINKED
        replaced.unlinked_at = now
    group.state = LINKED
    group.linked_at = now
    await _audit(session, group, "branch_group.linked", person.id, now)
    if replaced is not None:
        await _audit(session, replaced, "branch_group.unlinked", person.id, now)
    return Linked(group, replaced, changed=True)


async def unlink(
    session: AsyncSession, *, actor: Member | None, chat_id: int, now: datetime
) -> BranchGroup:
    """/unlinkgroup in the group, by its branch's secretary or an admin."""
    group = await by_chat(session, chat_id)
    if group is None or group.state != LINKED:
        raise Refused("group_not_linked")
    if actor is None or actor.role != Role.admin:
        _person, branch_id = _scope_of(actor)
        if group.branch_id != branch_id:
            raise Refused("not_allowed")
    group.state = UNLINKED
    group.unlinked_at = now
    await _audit(session, group, "branch_group.unlinked", actor.id if actor else None, now)
    return group


async def bot_removed(session: AsyncSession, *, chat_id: int, now: datetime) -> bool:
    """The bot was removed from a group: whatever it was linked to, it is not any more."""
    group = await by_chat(session, chat_id)
    if group is None or group.state == UNLINKED:
        return False
    group.state = UNLINKED
    group.unlinked_at = now
    await _audit(session, group, "branch_group.removed", None, now)
    return True


async def post(
    session: AsyncSession,
    *,
    branch_id: int | None,
    kind: str,
    subject_id: int,
    message: OutgoingMessage,
    now: datetime,
    created_by: int | None,
) -> GroupPost | None:
    """Post once in the branch's linked group (if any), through the outbox.

    `message` is worded by the caller for the whole group, and must carry nothing
    personal (no leave reasons, no reflections).
    """
    group = await linked_group(session, branch_id=branch_id)
    if group is None:
        return None
    return await _post_in(session, group, kind, subject_id, message, now, created_by)


async def _post_in(
    session: AsyncSession,
    group: BranchGroup,
    kind: str,
    subject_id: int,
    message: OutgoingMessage,
    now: datetime,
    created_by: int | None,
) -> GroupPost:
    """One outbox row into the group, and the GroupPost that remembers it."""
    batch = await outbox.enqueue(
        session,
        kind=f"group.{kind}",
        recipients=[outbox.Recipient(group.chat_id, message, None)],
        now=now,
        subject_id=subject_id,
        created_by=created_by,
    )
    assert batch.id is not None
    row = GroupPost(
        chat_id=group.chat_id, kind=kind, subject_id=subject_id, batch_id=batch.id, created_at=now
    )
    session.add(row)
    return row


async def post_to_branches(
    session: AsyncSession,
    *,
    branch_ids: Iterable[int],
    kind: str,
    subject_id: int,
    message: OutgoingMessage,
    now: datetime,
    created_by: int | None,
) -> int:
    """Post `message` once in each of these branches' linked groups; how many got it.

    One query finds the groups, so an item for 500 branches costs one lookup.
    """
    ids = list(branch_ids)
    if not ids:
        return 0
    groups = await session.exec(
        select(BranchGroup).where(
            col(BranchGroup.branch_id).in_(ids), col(BranchGroup.state) == LINKED
        )
    )
    posted = 0
    for group in groups.all():
        await _post_in(session, group, kind, subject_id, message, now, created_by)
        posted += 1
    return posted


@dataclass(frozen=True, slots=True)
class MeetingCounts:
    invited: int
    attending: int
    checked_in: int


async def meeting_counts(session: AsyncSession, meeting_id: int) -> MeetingCounts:
    """How many were invited, said 出席, and checked in (for the group's message)."""
    row = (
        await session.exec(
            select(
                func.count(),
                func.count(col(Attendance.rsvp)).filter(col(Attendance.rsvp) == "attend"),
                func.count(col(Attendance.checked_in_at)),
            ).where(Attendance.meeting_id == meeting_id)
        )
    ).one()
    return MeetingCounts(int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True, slots=True)
class PostState:
    """What a meeting's group post shows, kept in GroupPost.shown so that it is edited
    only when this changes: the counts line, the start it shows (Unix time; None for a
    post from before the start was kept), and whether it was moved or called off."""

    line: str
    starts: int | None
    moved: bool = False
    cancelled: bool = False

    def encode(self) -> str:
        flags = ("m" if self.moved else "") + ("c" if self.cancelled else "")
        return f"{flags}|{self.starts or ''}|{self.line}"[:200]

    @classmethod
    def decode(cls, shown: str) -> PostState:
        parts = shown.split("|", 2)
        if len(parts) != 3:
            return cls(shown, None)
        flags, starts, line = parts
        return cls(line, int(starts) if starts.isdigit() else None, "m" in flags, "c" in flags)

    @classmethod
    def of(cls, meeting: Meeting, line: str, shown: str | None = None) -> PostState:
        """The state to show now; `shown` is the state shown so far (None: a new post).

        A post once moved keeps saying so; a cancelled one shows no counts.
        """
        starts = int(meeting.starts_at.timestamp())
        before = cls.decode(shown) if shown is not None else cls(line, starts)
        moved = before.moved or (before.starts is not None and before.starts != starts)
        cancelled = meeting.status == MeetingStatus.cancelled
        return cls("" if cancelled else line, starts, moved, cancelled)


@dataclass(frozen=True, slots=True)
class Postable:
    """A sent group post whose counts may need editing."""

    post: GroupPost
    message_id: int
    meeting: Meeting


async def meeting_posts_due(session: AsyncSession, *, now: datetime) -> list[Postable]:
    """Sent meeting posts, in groups still linked, edited over a minute ago (or never)."""
    rows = await session.exec(
        select(GroupPost, Delivery.message_id, Meeting)
        .join(Delivery, col(Delivery.batch_id) == col(GroupPost.batch_id))
        .join(Meeting, col(Meeting.id) == col(GroupPost.subject_id))
        .join(BranchGroup, col(BranchGroup.chat_id) == col(GroupPost.chat_id))
        .where(
            GroupPost.kind == "meeting",
            col(Delivery.message_id).is_not(None),
            col(BranchGroup.state) == LINKED,
            col(Meeting.ends_at) > now - REFRESH_FOR,
            (col(GroupPost.edited_at).is_(None))
            | (col(GroupPost.edited_at) <= now - REFRESH_EVERY),
        )
    )
    return [Postable(p, int(mid), m) for p, mid, m in rows.all() if mid is not None]


async def claim_post_edit(
    session: AsyncSession, *, post_id: int, shown: str, now: datetime
) -> bool:
    """Take this post's edit for the minute; False when another run (this process or
    another worker) took it first. The caller commits before it edits."""
    result = await session.execute(
        update(GroupPost)
        .where(
            col(GroupPost.id) == post_id,
            (col(GroupPost.edited_at).is_(None))
            | (col(GroupPost.edited_at) <= now - REFRESH_EVERY),
        )
        .values(shown=shown, edited_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class StudyPostable:
    """A sent study post whose 已学习 count may need editing; `branch_id` is the group's
    branch (None: the committee's own group, which counts every branch)."""

    post: GroupPost
    message_id: int
    item: StudyItem
    branch_id: int | None


async def study_posts_due(session: AsyncSession, *, now: datetime) -> list[StudyPostable]:
    """Sent study posts, in groups still linked, of items not a day past their due time,
    edited over a minute ago (or never)."""
    rows = await session.exec(
        select(GroupPost, Delivery.message_id, StudyItem, BranchGroup.branch_id)
        .join(Delivery, col(Delivery.batch_id) == col(GroupPost.batch_id))
        .join(StudyItem, col(StudyItem.id) == col(GroupPost.subject_id))
        .join(BranchGroup, col(BranchGroup.chat_id) == col(GroupPost.chat_id))
        .where(
            GroupPost.kind == "study",
            col(Delivery.message_id).is_not(None),
            col(BranchGroup.state) == LINKED,
            col(StudyItem.due_at) > now - REFRESH_FOR,
            (col(GroupPost.edited_at).is_(None))
            | (col(GroupPost.edited_at) <= now - REFRESH_EVERY),
        )
    )
    return [StudyPostable(p, int(mid), i, b) for p, mid, i, b in rows.all() if mid is not None]
