"""亮身份·亮职责·亮承诺: the yearly pledge cycle 承诺 → 审诺 → 公示 → 践诺 → 评诺.

Members write and submit their pledge; secretaries review (通过 / 退回), remind those who
have not submitted, publish the approved pledges to the branch and rate them at year end;
admins see coverage and ratings per branch. Every submitted version, review, note and
rating is kept with who and when.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import (
    Branch,
    Member,
    MemberStatus,
    Pledge,
    PledgeEvent,
    PledgeNote,
    PledgeRating,
    PledgeStatus,
    PledgeVersion,
    Role,
)
from bot.services import access, audit, once
from bot.services.errors import Refused

POST_MAX = 100
DUTIES_MAX = 1000
COMMITMENT_MAX = 200
COMMITMENTS_MAX = 10
COMMENT_MAX = 500
NOTE_MAX = 500

PLEDGERS = (Role.member, Role.secretary)

# One leading list marker: "1." "1、" "1)" "(1)" "（1）" "①" or a bullet followed by a blank.
# At most two digits, and a dot or colon not followed by a digit, so "2026年…", "10.5 小时"
# and "8:30 到岗" stay whole.
_MARKER = re.compile(
    r"^(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*(?:[.．:：](?!\d)|[、)）])|[①-⑩]|[-•*·–—]\s)\s*"
)


def pledge_year(now: datetime, tz: ZoneInfo) -> int:
    """The pledge year: the calendar year where the branch lives."""
    return now.astimezone(tz).year


def strip_marker(line: str) -> str:
    """A line without its list number or bullet (one marker only)."""
    return _MARKER.sub("", line.strip(), count=1).strip()


def parse_commitments(text: str) -> list[str]:
    """Commitments typed one per line (numbered or not); each kept exactly as typed."""
    items = [strip_marker(line) for line in text.splitlines()]
    return parse_commitments_list([item for item in items if item])


def validate_commitments(items: Sequence[str]) -> list[str]:
    """The same rules for a list that came back from the form (kept exactly as parsed)."""
    items = [item.strip() for item in items if item.strip()]
    if any(len(item.splitlines()) != 1 for item in items):
        raise Refused("commitments_invalid")
    return parse_commitments_list(items)


def parse_commitments_list(items: list[str]) -> list[str]:
    if not items:
        raise Refused("commitments_empty", limit=COMMITMENTS_MAX)
    if len(items) > COMMITMENTS_MAX:
        raise Refused("commitments_too_many", count=len(items), limit=COMMITMENTS_MAX)
    for number, item in enumerate(items, start=1):
        if len(item) > COMMITMENT_MAX:
            raise Refused(
                "commitment_too_long", number=number, length=len(item), limit=COMMITMENT_MAX
            )
    return items


def validate_post(text: str) -> str:
    post = text.strip()
    if not post:
        raise Refused("post_empty")
    if len(post) > POST_MAX:
        raise Refused("post_too_long", length=len(post), limit=POST_MAX)
    if any(ch in post for ch in "\n\r"):
        raise Refused("post_multiline")
    return post


def validate_duties(text: str) -> str:
    duties = text.strip()
    if not duties:
        raise Refused("duties_empty")
    if len(duties) > DUTIES_MAX:
        raise Refused("duties_too_long", length=len(duties), limit=DUTIES_MAX)
    return duties


def validate_comment(text: str, *, required: bool) -> str | None:
    comment = text.strip()
    if not comment:
        if required:
            raise Refused("comment_empty")
        return None
    if len(comment) > COMMENT_MAX:
        raise Refused("comment_too_long", length=len(comment), limit=COMMENT_MAX)
    return comment


def _event(
    session: AsyncSession,
    pledge: Pledge,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    comment: str | None = None,
    **details: object,
) -> None:
    assert pledge.id is not None
    session.add(
        PledgeEvent(
            pledge_id=pledge.id,
            actor_id=actor_id,
            at=now,
            action=action,
            version=pledge.version,
            comment=comment,
            details=dict(details),
        )
    )


async def pledge_of(
    session: AsyncSession, *, member: Member, year: int, lock: bool = False
) -> Pledge | None:
    query = select(Pledge).where(Pledge.member_id == member.id, Pledge.year == year)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


# Last year's pledge still open (returned, or waiting for review) stays the member's pledge
# through January while none of the new year exists: one returned in December can be fixed.
CARRIED_OVER = (PledgeStatus.returned, PledgeStatus.submitted)


async def current(
    session: AsyncSession, *, member: Member, now: datetime, tz: ZoneInfo, lock: bool = False
) -> Pledge | None:
    """The member's pledge: this year's; in January, while none exists, last year's if open."""
    local = now.astimezone(tz)
    pledge = await pledge_of(session, member=member, year=local.year, lock=lock)
    if pledge is None and local.month == 1:
        last = await pledge_of(session, member=member, year=local.year - 1, lock=lock)
        if last is not None and last.status in CARRIED_OVER:
            return last
    return pledge


async def start_form(
    session: AsyncSession, *, member: Member | None, now: datetime, tz: ZoneInfo
) -> Pledge | None:
    """Check the member may write or edit this year's pledge; returns it if it exists."""
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    pledge = await current(session, member=pledger, now=now, tz=tz)
    if pledge is not None and pledge.status == PledgeStatus.approved:
        raise Refused("already_approved")
    return pledge


async def save_draft(
    session: AsyncSession,
    *,
    member: Member | None,
    post: str,
    duties: str,
    commitments: Sequence[str],
    now: datetime,
    tz: ZoneInfo,
) -> Pledge | None:
    """Keep a not-yet-submitted pledge as a draft; a submitted one is left untouched."""
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    year = pledge_year(now, tz)
    pledge = await current(session, member=pledger, now=now, tz=tz)
    if pledge is not None and pledge.status != PledgeStatus.draft:
        return None
    if pledge is None:
        assert pledger.id is not None
        assert pledger.branch_id is not None
        pledge = Pledge(
            member_id=pledger.id,
            branch_id=pledger.branch_id,
            year=year,
            post="",
            duties="",
            created_at=now,
            updated_at=now,
        )
    pledge.post, pledge.duties, pledge.commitments = post, duties, list(commitments)
    pledge.updated_at = now
    session.add(pledge)
    await session.flush()
    return pledge


@dataclass(frozen=True, slots=True)
class Submitted:
    pledge: Pledge
    duplicate: bool  # the same text was already submitted and waits for review
    resubmitted: bool  # a version existed before


async def submit(
    session: AsyncSession,
    *,
    member: Member | None,
    post: str,
    duties: str,
    commitments: Sequence[str],
    now: datetime,
    tz: ZoneInfo,
    compose: Callable[[Member, Pledge], OutgoingMessage] | None = None,
) -> Submitted:
    """Submit (or resubmit) the member's pledge (see `current`) for review; keeps the version.

    `compose` writes the reviewers' heads-up, sent through the outbox: the branch
    secretaries for a member's pledge, the admins (the committee) for a secretary's.
    """
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    post = validate_post(post)
    duties = validate_duties(duties)
    items = validate_commitments(commitments)
    year = pledge_year(now, tz)
    pledge = await current(session, member=pledger, now=now, tz=tz, lock=True)
    if pledge is not None and pledge.status == PledgeStatus.approved:
        raise Refused("already_approved")
    if (
        pledge is not None
        and pledge.status == PledgeStatus.submitted
        and (pledge.post, pledge.duties, pledge.commitments) == (post, duties, items)
    ):
        return Submitted(pledge, duplicate=True, resubmitted=pledge.version > 1)
    if pledge is None:
        assert pledger.id is not None
        assert pledger.branch_id is not None
        pledge = Pledge(
            member_id=pledger.id,
            branch_id=pledger.branch_id,
            year=year,
            post=post,
            duties=duties,
            created_at=now,
            updated_at=now,
        )
    resubmitted = pledge.version > 0
    pledge.post, pledge.duties, pledge.commitments = post, duties, items
    pledge.status = PledgeStatus.submitted
    pledge.version += 1
    pledge.submitted_at = pledge.updated_at = now
    # The previous review comment stays in the history; the new version awaits a new one.
    pledge.review_comment = pledge.reviewed_by = pledge.reviewed_at = None
    session.add(pledge)
    await session.flush()
    assert pledge.id is not None
    assert pledger.id is not None
    session.add(
        PledgeVersion(
            pledge_id=pledge.id,
            number=pledge.version,
            post=post,
            duties=duties,
            commitments=items,
            submitted_by=pledger.id,
            submitted_at=now,
        )
    )
    _event(
        session,
        pledge,
        actor_id=pledger.id,
        action="resubmitted" if resubmitted else "submitted",
        now=now,
    )
    if compose is not None:
        reviewers = await session.exec(
            select(Member).where(
                Member.role == Role.admin,
                Member.status == MemberStatus.active,
            )
            if pledger.role == Role.secretary
            else select(Member).where(
                Member.branch_id == pledge.branch_id,
                Member.role == Role.secretary,
                Member.status == MemberStatus.active,
                Member.id != pledger.id,
            )
        )
        recipients = [Recipient(r.telegram_user_id, compose(r, pledge), r.id) for r in reviewers]
        if recipients:
            await outbox.enqueue(
                session,
                kind="pledges.submitted",
                recipients=recipients,
                now=now,
                subject_id=pledge.id,
                created_by=pledger.id,
            )
    return Submitted(pledge, duplicate=False, resubmitted=resubmitted)


async def _reviewable(
    session: AsyncSession, *, actor: Member | None, pledge_id: int, version: int
) -> tuple[Member, Pledge]:
    """审诺 is never one's own: a branch secretary reviews the members' pledges of the
    branch; the pledges of secretaries (any branch) are reviewed by the admins."""
    reviewer = access.require_leader(actor)
    pledge = await session.get(Pledge, pledge_id)
    if pledge is None:
        raise Refused("pledge_unknown")
    owner = await session.get(Member, pledge.member_id)
    by_committee = owner is not None and owner.role == Role.secretary
    if reviewer.role == Role.admin:
        if not by_committee:
            raise Refused("branch_reviews")
    elif pledge.branch_id != reviewer.branch_id:
        raise Refused("other_branch")
    elif pledge.member_id == reviewer.id:
        raise Refused("own_pledge")
    elif by_committee:
        raise Refused("committee_reviews")
    if pledge.status == PledgeStatus.approved:
        raise Refused("already_approved")
    if pledge.status == PledgeStatus.returned and pledge.version == version:
        raise Refused("already_returned")
    if pledge.version != version:
        raise Refused("pledge_changed")
    if pledge.status != PledgeStatus.submitted:
        raise Refused("not_pending")
    return reviewer, pledge


async def check_reviewable(
    session: AsyncSession, *, actor: Member | None, pledge_id: int, version: int
) -> Pledge:
    """Whether this reviewer may review this version now (before asking for a comment)."""
    return (await _reviewable(session, actor=actor, pledge_id=pledge_id, version=version))[1]


async def _review(
    session: AsyncSession,
    *,
    actor: Member | None,
    pledge_id: int,
    version: int,
    status: PledgeStatus,
    comment: str | None,
    now: datetime,
) -> Pledge:
    reviewer, pledge = await _reviewable(session, actor=actor, pledge_id=pledge_id, version=version)
    # A conditional update, so two presses racing each other record one review.
    result = await session.exec(
        update(Pledge)
        .where(
            col(Pledge.id) == pledge_id,
            col(Pledge.version) == version,
            col(Pledge.status) == PledgeStatus.submitted,
        )
        .values(
            status=status,
            review_comment=comment,
            reviewed_by=reviewer.id,
            reviewed_at=now,
            updated_at=now,
        )
    )
    if not getattr(result, "rowcount", 0):
        await session.refresh(pledge)
        raise Refused(
            "already_approved" if pledge.status == PledgeStatus.approved else "pledge_changed"
        )
    await session.refresh(pledge)
    _event(session, pledge, actor_id=reviewer.id, action=str(status), now=now, comment=comment)
    await audit.record(
        session,
        actor_id=reviewer.id,
        action=f"pledge.{status}",
        now=now,
        subject=f"pledge:{pledge_id}",
        details={"version": version},
    )
    return pledge


async def approve(
    session: AsyncSession, *, actor: Member | None, pledge_id: int, version: int, now: datetime
) -> Pledge:
    """通过: approve exactly the version the secretary saw."""
    return await _review(
        session,
        actor=actor,
        pledge_id=pledge_id,
        version=version,
        status=PledgeStatus.approved,
        comment=None,
        now=now,
    )


async def return_pledge(
    session: AsyncSession,
    *,
    actor: Member | None,
    pledge_id: int,
    version: int,
    comment: str,
    now: datetime,
) -> Pledge:
    """退回 with a comment the member receives."""
    text = validate_comment(comment, required=True)
    return await _review(
        session,
        actor=actor,
        pledge_id=pledge_id,
        version=version,
        status=PledgeStatus.returned,
        comment=text,
        now=now,
    )


async def pending(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> list[Pledge]:
    """The reviewer's queue, oldest first: for a secretary the members' pledges of the
    branch (never their own), for an admin the secretaries' pledges of every branch.

    Last year's count too, so one submitted on 31 December is not stranded by the new year.
    """
    reviewer = access.require_leader(actor)
    year = pledge_year(now, tz)
    query = (
        select(Pledge)
        .join(Member, col(Member.id) == col(Pledge.member_id))
        .where(
            col(Pledge.year).in_((year - 1, year)),
            Pledge.status == PledgeStatus.submitted,
        )
        .order_by(col(Pledge.submitted_at), col(Pledge.id))
    )
    if reviewer.role == Role.admin:
        query = query.where(Member.role == Role.secretary)
    else:
        query = query.where(
            Pledge.branch_id == reviewer.branch_id,
            Member.role != Role.secretary,
        )
    return list(await session.exec(query))


async def add_note(
    session: AsyncSession, *, member: Member | None, text: str, now: datetime, tz: ZoneInfo
) -> tuple[PledgeNote, bool]:
    """践诺: a dated progress note on the approved pledge; (note, newly added)."""
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    body = text.strip()
    if not body:
        raise Refused("note_empty")
    if len(body) > NOTE_MAX:
        raise Refused("note_too_long", length=len(body), limit=NOTE_MAX)
    pledge = await current(session, member=pledger, now=now, tz=tz)
    if pledge is None or pledge.status == PledgeStatus.draft:
        raise Refused("no_pledge")
    if pledge.status != PledgeStatus.approved:
        raise Refused("note_not_approved")
    assert pledge.id is not None
    assert pledger.id is not None
    today = now.astimezone(tz).date()
    same = (
        await session.exec(
            select(PledgeNote).where(
                PledgeNote.pledge_id == pledge.id,
                PledgeNote.noted_on == today,
                PledgeNote.text == body,
            )
        )
    ).first()
    if same is not None:
        return same, False
    note = PledgeNote(
        pledge_id=pledge.id, author_id=pledger.id, noted_on=today, text=body, created_at=now
    )
    session.add(note)
    _event(session, pledge, actor_id=pledger.id, action="note", now=now)
    return note, True


async def notes(session: AsyncSession, *, pledge: Pledge) -> list[PledgeNote]:
    rows = await session.exec(
        select(PledgeNote)
        .where(PledgeNote.pledge_id == pledge.id)
        .order_by(col(PledgeNote.noted_on), col(PledgeNote.id))
    )
    return list(rows)


async def history(session: AsyncSession, *, pledge: Pledge) -> list[PledgeEvent]:
    rows = await session.exec(
        select(PledgeEvent)
        .where(PledgeEvent.pledge_id == pledge.id)
        .order_by(col(PledgeEvent.at), col(PledgeEvent.id))
    )
    return list(rows)


async def versions(session: AsyncSession, *, pledge: Pledge) -> list[PledgeVersion]:
    rows = await session.exec(
        select(PledgeVersion)
        .where(PledgeVersion.pledge_id == pledge.id)
        .order_by(col(PledgeVersion.number))
    )
    return list(rows)


@dataclass(slots=True)
class Coverage:
    branch: Branch
    year: int
    people: list[tuple[Member, Pledge | None]] = field(default_factory=list)

    @property
    def missing(self) -> list[Member]:
        """Who has not submitted this year (no pledge, or only a draft)."""
        return [m for m, p in self.people if p is None or p.status == PledgeStatus.draft]

    def count(self, status: PledgeStatus) -> int:
        return sum(1 for _, p in self.people if p is not None and p.status == status)

    @property
    def ratings(self) -> Counter[PledgeRating]:
        return Counter(p.rating for _, p in self.people if p is not None and p.rating is not None)


async def _coverages(
    session: AsyncSession, branches: Sequence[Branch], year: int
) -> list[Coverage]:
    """Coverage of each branch, in two queries however many branches there are."""
    ids = [b.id for b in branches]
    people = await session.exec(
        select(Member)
        .where(
            col(Member.branch_id).in_(ids),
            col(Member.role).in_(PLEDGERS),
            Member.status != MemberStatus.left,
        )
        .order_by(col(Member.name), col(Member.id))
    )
    pledges = {
        (p.branch_id, p.member_id): p
        for p in await session.exec(
            select(Pledge).where(col(Pledge.branch_id).in_(ids), Pledge.year == year)
        )
    }
    result = {b.id: Coverage(b, year) for b in branches}
    for m in people:
        if m.branch_id is not None and m.branch_id in result:
            result[m.branch_id].people.append((m, pledges.get((m.branch_id, m.id or 0))))
    return list(result.values())


async def _coverage(session: AsyncSession, branch: Branch, year: int) -> Coverage:
    return (await _coverages(session, [branch], year))[0]


async def coverage(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> Coverage:
    """The secretary's branch: each person with this year's pledge (or None)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    branch = await session.get(Branch, secretary.branch_id)
    if branch is None:
        raise Refused("no_branch")
    return await _coverage(session, branch, pledge_year(now, tz))


async def overview(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    year: int | None = None,
) -> list[Coverage]:
    """Admins: coverage and ratings of every branch, this year or the year asked for."""
    access.require(actor, Role.admin)
    year = year or pledge_year(now, tz)
    branches = list(await session.exec(select(Branch).order_by(col(Branch.name))))
    return await _coverages(session, branches, year)


@dataclass(frozen=True, slots=True)
class Reminded:
    sent: int
    already: int  # reminded earlier today


async def remind_missing(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    compose: Callable[[Member], OutgoingMessage],
) -> Reminded:
    """Remind everyone who has not submitted, each at most once a (local) day."""
    cov = await coverage(session, actor=actor, now=now, tz=tz)
    missing = [m for m in cov.missing if m.status == MemberStatus.active and m.id is not None]
    if not missing:
        raise Refused("nobody_missing")
    claimed = await once.claim_many(
        session,
        kind="pledges.remind",
        subject=f"branch:{cov.branch.id}:{cov.year}",
        slot=now.astimezone(tz).date().isoformat(),
        member_ids=[m.id for m in missing if m.id is not None],
        now=now,
    )
    recipients = [
        Recipient(m.telegram_user_id, compose(m), m.id) for m in missing if m.id in claimed
    ]
    if recipients:
        assert actor is not None
        await outbox.enqueue(
            session,
            kind="pledges.remind",
            recipients=recipients,
            now=now,
            subject_id=cov.branch.id,
            created_by=actor.id,
        )
    return Reminded(sent=len(recipients), already=len(missing) - len(recipients))


@dataclass(frozen=True, slots=True)
class PublicPledge:
    """An approved pledge as the branch sees it."""

    name: str
    post: str
    duties: str
    commitments: list[str]


async def approved_for_publishing(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> tuple[Coverage, list[PublicPledge], int]:
    """What 公示 would send: the approved pledges and how many are new since the last time."""
    cov = await coverage(session, actor=actor, now=now, tz=tz)
    approved = [
        (m, p) for m, p in cov.people if p is not None and p.status == PledgeStatus.approved
    ]
    public = [PublicPledge(m.name, p.post, p.duties, list(p.commitments)) for m, p in approved]
    return cov, public, sum(1 for _, p in approved if not p.published)


@dataclass(frozen=True, slots=True)
class Published:
    pledges: int
    recipients: int
    messages: int


async def publish(
    session: AsyncSession,
    *,
    actor: Member | None,
    now: datetime,
    tz: ZoneInfo,
    compose: Callable[[Member, list[PublicPledge]], list[OutgoingMessage]],
) -> Published:
    """公示: send the branch's approved pledges to its members, through the outbox.

    `compose` gives each recipient their message split in parts; part i of everyone
    goes in batch i, since a batch holds one delivery per chat.
    """
    cov, public, new = await approved_for_publishing(session, actor=actor, now=now, tz=tz)
    assert actor is not None
    if not public:
        raise Refused("nothing_to_publish")
    if new == 0:
        raise Refused("already_published")
    ids = sorted(
        p.id or 0 for _, p in cov.people if p is not None and p.status == PledgeStatus.approved
    )
    fingerprint = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    if not await once.claim(
        session,
        kind="pledges.publish",
        subject=f"branch:{cov.branch.id}:{cov.year}",
        slot=fingerprint,
        now=now,
    ):
        raise Refused("already_published")
    audience = [m for m, _ in cov.people if m.status == MemberStatus.active]
    parts = {m.id: compose(m, public) for m in audience}
    most = max((len(p) for p in parts.values()), default=0)
    for index in range(most):
        await outbox.enqueue(
            session,
            kind="pledges.publish",
            recipients=[
                Recipient(m.telegram_user_id, parts[m.id][index], m.id)
                for m in audience
                if len(parts[m.id]) > index
            ],
            now=now,
            subject_id=cov.branch.id,
            created_by=actor.id,
        )
    for _, p in cov.people:
        if p is not None and p.status == PledgeStatus.approved and not p.published:
            p.published, p.published_at = True, now
            session.add(p)
            _event(session, p, actor_id=actor.id, action="published", now=now)
    await audit.record(
        session,
        actor_id=actor.id,
        action="pledge.published",
        now=now,
        subject=f"branch:{cov.branch.id}",
        details={"year": cov.year, "pledges": len(public), "recipients": len(audience)},
    )
    return Published(len(public), len(audience), sum(len(p) for p in parts.values()))


async def rateable(
    session: AsyncSession, *, actor: Member | None, now: datetime, tz: ZoneInfo
) -> list[Pledge]:
    """Approved pledges of the branch not rated yet, oldest first.

    Last year's count too: 评诺 of a year is often held in the January after it.
    """
    secretary = access.require(actor, Role.secretary, in_branch=True)
    year = pledge_year(now, tz)
    rows = await session.exec(
        select(Pledge)
        .where(
            Pledge.branch_id == secretary.branch_id,
            col(Pledge.year).in_((year - 1, year)),
            Pledge.status == PledgeStatus.approved,
            col(Pledge.rating).is_(None),
        )
        .order_by(col(Pledge.year), col(Pledge.submitted_at), col(Pledge.id))
    )
    return list(rows)


async def check_rateable(session: AsyncSession, *, actor: Member | None, pledge_id: int) -> Pledge:
    """Whether this secretary may rate this pledge (an approved one of their branch)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    pledge = await session.get(Pledge, pledge_id)
    if pledge is None:
        raise Refused("pledge_unknown")
    if pledge.branch_id != secretary.branch_id:
        raise Refused("other_branch")
    if pledge.status != PledgeStatus.approved:
        raise Refused("rate_not_approved")
    return pledge


async def rate(
    session: AsyncSession,
    *,
    actor: Member | None,
    pledge_id: int,
    rating: PledgeRating,
    comment: str | None,
    now: datetime,
) -> tuple[Pledge, bool]:
    """评诺: rate an approved pledge; (pledge, changed). A re-rating is kept in the history."""
    pledge = await check_rateable(session, actor=actor, pledge_id=pledge_id)
    assert actor is not None
    text = validate_comment(comment or "", required=False)
    if pledge.rating == rating and pledge.rating_comment == text:
        return pledge, False
    previous = pledge.rating
    pledge.rating, pledge.rating_comment = rating, text
    pledge.rated_by, pledge.rated_at, pledge.updated_at = actor.id, now, now
    session.add(pledge)
    _event(
        session,
        pledge,
        actor_id=actor.id,
        action="rated",
        now=now,
        comment=text,
        rating=str(rating),
        previous=str(previous) if previous else None,
    )
    await audit.record(
        session,
        actor_id=actor.id,
        action="pledge.rated",
        now=now,
        subject=f"pledge:{pledge_id}",
        details={"rating": str(rating)},
    )
    return pledge, True


async def member_of(session: AsyncSession, pledge: Pledge) -> Member:
    member = await session.get(Member, pledge.member_id)
    assert member is not None
    return member


async def branch_name(session: AsyncSession, member: Member) -> str:
    branch = await session.get(Branch, member.branch_id) if member.branch_id else None
    return branch.name if branch else ""
