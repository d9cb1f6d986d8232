"""第一议题 study: publishing items, timed pushes, 已学习 and 心得, nudges, completion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.message import Button, OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.i18n import Catalogs, Translator
from bot.models import (
    Branch,
    BranchStudySettings,
    DeliveryBatch,
    Member,
    MemberStatus,
    Role,
    StudyItem,
    StudyRecord,
    StudyStatus,
    StudyTarget,
)
from bot.services import access, audit, once
from bot.services.errors import Refused

TITLE_MAX = 200
URL_MAX = 2000
SUMMARY_MAX = 2000
REFLECTION_MAX = 1000
NAMES_MAX_CHARS = 3000
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ---------------------------------------------------------------- time rules


def parse_hhmm(raw: str) -> int:
    """'09:00' → minutes after midnight; Refused('bad_time') otherwise."""
    hh, sep, mm = raw.strip().replace("：", ":").partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2 or len(hh) > 2:
        raise Refused("bad_time", value=raw)
    h, m = int(hh), int(mm)
    if h > 23 or m > 59:
        raise Refused("bad_time", value=raw)
    return h * 60 + m


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class StudyRules:
    """The settings that decide when study messages may go out."""

    tz: ZoneInfo
    quiet_start: int = 22 * 60
    quiet_end: int = 8 * 60
    default_minute: int = 9 * 60
    due_days: int = 7
    nudge_before: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> StudyRules:
        return cls(
            tz=settings.tz,
            quiet_start=parse_hhmm(settings.study_quiet_start),
            quiet_end=parse_hhmm(settings.study_quiet_end),
            default_minute=parse_hhmm(settings.study_default_time),
            due_days=settings.study_due_days,
            nudge_before=timedelta(hours=settings.study_nudge_hours_before),
        )

    def local_minute(self, when: datetime) -> int:
        local = when.astimezone(self.tz)
        return local.hour * 60 + local.minute

    def is_quiet(self, when: datetime) -> bool:
        return self.is_quiet_minute(self.local_minute(when))

    def is_quiet_minute(self, m: int) -> bool:
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start > self.quiet_end:  # spans midnight, e.g. 22:00–08:00
            return m >= self.quiet_start or m < self.quiet_end
        return self.quiet_start <= m < self.quiet_end

    def at(self, when: datetime, minute: int, days: int = 0) -> datetime:
        """The local day of `when` (+days) at `minute`, as an aware datetime."""
        day = when.astimezone(self.tz).date() + timedelta(days=days)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.tz)

    def push_time(self, published_at: datetime, study_minute: int) -> datetime:
        """When a branch gets an item: its study time that day, or now if that has passed;
        never in quiet hours (then the next morning's study time, at the end of quiet hours
        at the earliest)."""
        candidate = max(published_at, self.at(published_at, study_minute))
        if not self.is_quiet(candidate):
            return candidate
        quiet_ends = self.at(candidate, self.quiet_end)
        if quiet_ends <= candidate:
            quiet_ends = self.at(candidate, self.quiet_end, days=1)
        morning = self.at(quiet_ends, study_minute)
        if morning < quiet_ends or self.is_quiet(morning):
            return quiet_ends
        return morning


# ---------------------------------------------------------------- access


def _active(member: Member | None) -> Member:
    if member is None or member.status == MemberStatus.left or member.branch_id is None:
        raise Refused("not_in_scope")
    return member


async def get_item(session: AsyncSession, item_id: int) -> StudyItem:
    item = await session.get(StudyItem, item_id)
    if item is None or item.status == StudyStatus.cancelled:
        raise Refused("item_unknown")
    return item


async def _own_draft(session: AsyncSession, actor: Member | None, item_id: int) -> StudyItem:
    """A draft this person may edit: their own, or (for admins) any admin's or a feed's."""
    actor = access.require_leader(actor)
    item = await session.get(StudyItem, item_id)
    if item is None:
        raise Refused("item_unknown")
    mine = item.created_by == actor.id
    if not mine and actor.role == Role.admin:
        creator = await session.get(Member, item.created_by) if item.created_by else None
        mine = creator is None or creator.role == Role.admin
    if not mine:
        raise Refused("item_unknown")
    # Only now say what became of it, so nobody learns the title of someone else's draft.
    if item.status == StudyStatus.cancelled:
        raise Refused("discarded", title=item.title)
    if item.status != StudyStatus.draft:
        raise Refused("already_published", title=item.title)
    return item


# ---------------------------------------------------------------- writing a draft


def validate_title(raw: str) -> str:
    title = raw.strip()
    if not title:
        raise Refused("title_empty")
    if len(title) > TITLE_MAX:
        raise Refused("title_too_long", limit=TITLE_MAX, length=len(title))
    return title


def validate_url(raw: str) -> str:
    url = raw.strip()
    if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise Refused("bad_url", value=raw.strip()[:100])
    if len(url) > URL_MAX:
        raise Refused("url_too_long", limit=URL_MAX)
    return url


def split_title_url(args: Sequence[str]) -> tuple[str, str | None]:
    """`/newstudy <title> [url]`: a last word that looks like a link is the link."""
    words = list(args)
    url = None
    if words and words[-1].lower().startswith(("http://", "https://")):
        url = words.pop()
    return " ".join(words), url


async def start_draft(
    session: AsyncSession,
    *,
    actor: Member | None,
    title: str,
    url: str | None,
    now: datetime,
) -> StudyItem:
    """A new draft item; a secretary's is for their branch, an admin's for all by default."""
    actor = access.require_leader(actor)
    item = StudyItem(
        title=validate_title(title),
        url=validate_url(url) if url else None,
        created_by=actor.id,
        created_at=now,
        scope_all=actor.role == Role.admin,
    )
    session.add(item)
    await session.flush()
    assert item.id is not None
    if actor.role == Role.secretary:
        assert actor.branch_id is not None
        session.add(StudyTarget(item_id=item.id, branch_id=actor.branch_id))
    return item


async def set_url(
    session: AsyncSession, *, actor: Member | None, item_id: int, url: str
) -> StudyItem:
    item = await _own_draft(session, actor, item_id)
    item.url = validate_url(url)
    session.add(item)
    return item


async def set_summary(
    session: AsyncSession, *, actor: Member | None, item_id: int, summary: str
) -> StudyItem:
    item = await _own_draft(session, actor, item_id)
    if len(summary) > SUMMARY_MAX:
        raise Refused("summary_too_long", limit=SUMMARY_MAX, length=len(summary))
    item.summary = summary.strip()
    session.add(item)
    return item


async def draft_scope(
    session: AsyncSession, *, actor: Member | None, item_id: int
) -> tuple[StudyItem, list[Branch], set[int]]:
    """The draft, every branch, and the branches chosen so far."""
    item = await _own_draft(session, actor, item_id)
    branches = list(await session.exec(select(Branch).order_by(col(Branch.name))))
    chosen = set(
        await session.exec(select(StudyTarget.branch_id).where(StudyTarget.item_id == item_id))
    )
    return item, branches, chosen


async def branch_page_allowed(
    session: AsyncSession, *, actor: Member | None, item_id: int
) -> StudyItem:
    """Only an admin turns the pages of a draft's branches (a secretary's item has one)."""
    if actor is None or actor.role != Role.admin:
        raise Refused("not_allowed")
    return await _own_draft(session, actor, item_id)


async def choose_branch(
    session: AsyncSession, *, actor: Member | None, item_id: int, branch_id: int | None
) -> StudyItem:
    """Admin: toggle one branch (or, with None, toggle 'all branches') for a draft."""
    if actor is None or actor.role != Role.admin:
        raise Refused("not_allowed")
    item = await _own_draft(session, actor, item_id)
    if branch_id is None:
        item.scope_all = not item.scope_all
        session.add(item)
        return item
    if await session.get(Branch, branch_id) is None:
        raise Refused("item_unknown")
    existing = (
        await session.exec(
            select(StudyTarget).where(
                StudyTarget.item_id == item_id, StudyTarget.branch_id == branch_id
            )
        )
    ).first()
    if item.scope_all:
        # Every branch shows unticked under "all branches": a press means "only this one".
        await session.exec(delete(StudyTarget).where(col(StudyTarget.item_id) == item_id))
        existing = None
    if existing is None:
        session.add(StudyTarget(item_id=item_id, branch_id=branch_id))
        item.scope_all = False  # choosing one branch means not all of them
        session.add(item)
    else:
        await session.delete(existing)
    return item


async def cancel_draft(session: AsyncSession, *, actor: Member | None, item_id: int) -> StudyItem:
    item = await _own_draft(session, actor, item_id)
    item.status = StudyStatus.cancelled
    await session.exec(delete(StudyTarget).where(col(StudyTarget.item_id) == item_id))
    session.add(item)
    return item


# ---------------------------------------------------------------- branch settings


async def branch_settings(
    session: AsyncSession, branch_id: int, rules: StudyRules
) -> BranchStudySettings:
    row = await session.get(BranchStudySettings, branch_id)
    return row or BranchStudySettings(branch_id=branch_id, study_minute=rules.default_minute)


def _awake(rules: StudyRules, raw: str) -> int:
    """A time outside quiet hours: a digest set for 23:00 would otherwise never go out."""
    minute = parse_hhmm(raw)
    if rules.is_quiet_minute(minute):
        raise Refused(
            "quiet_time", value=raw, start=hhmm(rules.quiet_start), end=hhmm(rules.quiet_end)
        )
    return minute


async def update_branch_settings(
    session: AsyncSession,
    *,
    actor: Member | None,
    rules: StudyRules,
    study_time: str | None = None,
    digest: str | None = None,
    now: datetime,
) -> BranchStudySettings:
    """Secretary: `time HH:MM`, `digest off` or `digest <mon…sun> HH:MM` for the own branch."""
    if actor is None or actor.role != Role.secretary or actor.branch_id is None:
        raise Refused("not_allowed")
    row = await session.get(BranchStudySettings, actor.branch_id)
    if row is None:
        row = BranchStudySettings(branch_id=actor.branch_id, study_minute=rules.default_minute)
    if study_time is not None:
        row.study_minute = _awake(rules, study_time)
    if digest is not None:
        words = digest.lower().split()
        if words == ["off"]:
            row.digest_enabled = False
        elif len(words) == 2 and words[0][:3] in WEEKDAYS:
            row.digest_weekday = WEEKDAYS.index(words[0][:3])
            row.digest_minute = _awake(rules, words[1])
            row.digest_enabled = True
        else:
            raise Refused("bad_digest")
    session.add(row)
    await audit.record(
        session,
        actor_id=actor.id,
        action="study.settings",
        now=now,
        subject=f"branch:{actor.branch_id}",
        details={
            "study_time": hhmm(row.study_minute),
            "digest": row.digest_enabled,
            "digest_weekday": row.digest_weekday,
            "digest_time": hhmm(row.digest_minute),
        },
    )
    return row


# ---------------------------------------------------------------- publishing and pushes


@dataclass(frozen=True, slots=True)
class Published:
    item: StudyItem
    pushes: list[tuple[str, datetime]]  # (branch name, push time)
    pushed_now: int  # members in the batch sent right away


async def publish(
    session: AsyncSession,
    *,
    actor: Member | None,
    item_id: int,
    now: datetime,
    rules: StudyRules,
    catalogs: Catalogs,
) -> Published:
    """Publish a draft: fix its branches and push times, and push at once what is due."""
    item = await _own_draft(session, actor, item_id)
    assert actor is not None
    assert item.id is not None
    targets = {
        t.branch_id: t
        for t in await session.exec(select(StudyTarget).where(StudyTarget.item_id == item.id))
    }
    if item.scope_all:
        for branch_id in await session.exec(select(Branch.id)):
            if branch_id is not None and branch_id not in targets:
                targets[branch_id] = StudyTarget(item_id=item.id, branch_id=branch_id)
    if not targets:
        raise Refused("no_branches")
    names = dict(
        (
            await session.exec(select(Branch.id, Branch.name).where(col(Branch.id).in_(targets)))
        ).all()
    )
    pushes = []
    for branch_id, target in targets.items():
        settings = await branch_settings(session, branch_id, rules)
        target.push_at = rules.push_time(now, settings.study_minute)
        session.add(target)
        pushes.append((names.get(branch_id, ""), target.push_at))
    item.status = StudyStatus.published
    item.published_at = now
    item.due_at = now + timedelta(days=rules.due_days)
    session.add(item)
    await audit.record(
        session,
        actor_id=actor.id,
        action="study.published",
        now=now,
        subject=f"study:{item.id}",
        details={"branches": sorted(targets)},
    )
    await session.flush()
    batches = await push_due(session, now=now, rules=rules, catalogs=catalogs, item_id=item.id)
    pushes.sort(key=lambda p: (p[1], p[0]))
    return Published(item, pushes, sum(b.total for b in batches))


def translator(catalogs: Catalogs, rules: StudyRules, member: Member) -> Translator:
    return catalogs.translator(member.locale, rules.tz)


def item_text(t: Translator, item: StudyItem, *, heading: str) -> str:
    """The text of a study item as members see it."""
    lines = [heading, "", t._("<b>{title}</b>", title=item.title)]
    if item.summary:
        lines.append(t._("{summary}", summary=item.summary))
    if item.url:
        lines.append(t._("Link: {url}", url=item.url))
    if item.due_at is not None:
        lines += ["", t._("Please finish by {due}.", due=t.datetime(item.due_at, "short"))]
    return "\n".join(lines)


def item_buttons(t: Translator, item_id: int) -> list[list[Button]]:
    return [
        [
            Button(t.label("Studied"), data=f"study:{item_id}:done"),
            Button(t.label("Write reflection"), data=f"study:{item_id}:reflect"),
        ]
    ]


async def _branch_members(session: AsyncSession, branch_ids: Iterable[int]) -> list[Member]:
    ids = list(branch_ids)
    if not ids:
        return []
    return list(
        await session.exec(
            select(Member)
            .where(
                col(Member.branch_id).in_(ids),
                Member.status == MemberStatus.active,
                Member.role != Role.admin,
            )
            .order_by(col(Member.id))
        )
    )


async def push_due(
    session: AsyncSession,
    *,
    now: datetime,
    rules: StudyRules,
    catalogs: Catalogs,
    item_id: int | None = None,
) -> list[DeliveryBatch]:
    """Push every item whose branches' push time has come: one outbox batch per item."""
    if rules.is_quiet(now):
        return []
    query = (
        select(StudyTarget, StudyItem)
        .join(StudyItem, col(StudyItem.id) == col(StudyTarget.item_id))
        .where(
            col(StudyTarget.pushed_at).is_(None),
            col(StudyTarget.push_at) <= now,
            StudyItem.status == StudyStatus.published,
        )
        .order_by(col(StudyTarget.item_id), col(StudyTarget.branch_id))
    )
    if item_id is not None:
        query = query.where(StudyTarget.item_id == item_id)
    by_item: dict[int, tuple[StudyItem, list[StudyTarget]]] = {}
    for target, item in await session.exec(query):
        by_item.setdefault(target.item_id, (item, []))[1].append(target)
    batches = []
    for iid, (item, targets) in by_item.items():
        # The claim makes a push exactly-once even when two bot processes run this job.
        claimed = await once.claim_many(
            session,
            kind="study.push",
            subject=f"item:{iid}",
            slot="push",
            member_ids=[t.branch_id for t in targets],
            now=now,
        )
        mine = [t for t in targets if t.branch_id in claimed]
        if not mine:
            continue
        recipients = []
        for m in await _branch_members(session, (t.branch_id for t in mine)):
            t = translator(catalogs, rules, m)
            text = item_text(t, item, heading=t._("📖 <b>第一议题 study</b>"))
            recipients.append(
                Recipient(m.telegram_user_id, OutgoingMessage(text, item_buttons(t, iid)), m.id)
            )
        batch = await outbox.enqueue(
            session, kind="study.push", recipients=recipients, now=now, subject_id=iid
        )
        for target in mine:
            target.pushed_at = now
            target.batch_id = batch.id
            session.add(target)
        batches.append(batch)
    return batches


# ---------------------------------------------------------------- members: 已学习, 心得, undo


async def _scoped_item(session: AsyncSession, member: Member | None, item_id: int) -> StudyItem:
    """The item, if it was pushed to this member's branch."""
    member = _active(member)
    item = await session.get(StudyItem, item_id)
    if item is None or item.status != StudyStatus.published:
        raise Refused("not_in_scope")
    target = (
        await session.exec(
            select(StudyTarget).where(
                StudyTarget.item_id == item_id,
                StudyTarget.branch_id == member.branch_id,
                col(StudyTarget.pushed_at).is_not(None),
            )
        )
    ).first()
    if target is None:
        raise Refused("not_in_scope")
    return item


async def _ensure_record(
    session: AsyncSession, item_id: int, member_id: int, now: datetime
) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = StudyRecord.__table__  # type: ignore[attr-defined]
    await session.execute(
        insert(table)
        .values(item_id=item_id, member_id=member_id, updated_at=now)
        .on_conflict_do_nothing(index_elements=["item_id", "member_id"])
    )


async def _record(session: AsyncSession, item_id: int, member_id: int) -> StudyRecord | None:
    return (
        await session.exec(
            select(StudyRecord)
            .where(StudyRecord.item_id == item_id, StudyRecord.member_id == member_id)
            .execution_options(populate_existing=True)
        )
    ).first()


async def check_scope(session: AsyncSession, *, member: Member | None, item_id: int) -> StudyItem:
    """Refuse a button for an item that was not pushed to this member's branch."""
    return await _scoped_item(session, member, item_id)


async def mark_done(
    session: AsyncSession, *, member: Member | None, item_id: int, now: datetime
) -> tuple[StudyItem, bool]:
    """已学习: (item, True) when recorded now, False when it was recorded before."""
    item = await _scoped_item(session, member, item_id)
    assert member is not None
    assert member.id is not None
    await _ensure_record(session, item_id, member.id, now)
    # One conditional UPDATE, so a repeated or redelivered press records once.
    result = await session.exec(
        update(StudyRecord)
        .where(
            col(StudyRecord.item_id) == item_id,
            col(StudyRecord.member_id) == member.id,
            col(StudyRecord.completed_at).is_(None),
        )
        .values(completed_at=now, updated_at=now)
    )
    return item, bool(getattr(result, "rowcount", 0))


def validate_reflection(text: str) -> str:
    if not text.strip():
        raise Refused("reflection_empty")
    if len(text) > REFLECTION_MAX:
        raise Refused("reflection_too_long", limit=REFLECTION_MAX, length=len(text))
    return text


async def write_reflection(
    session: AsyncSession, *, member: Member | None, item_id: int, text: str, now: datetime
) -> tuple[StudyItem, bool]:
    """心得: stored exactly as typed; it also counts as 已学习. False when the same text
    was already recorded (a redelivered message)."""
    text = validate_reflection(text)
    item = await _scoped_item(session, member, item_id)
    assert member is not None
    assert member.id is not None
    await _ensure_record(session, item_id, member.id, now)
    record = await _record(session, item_id, member.id)
    assert record is not None
    if record.reflection == text and record.completed_at is not None:
        return item, False
    record.reflection = text
    record.reflected_at = now
    record.completed_at = record.completed_at or now
    record.updated_at = now
    session.add(record)
    return item, True


async def undo(
    session: AsyncSession, *, member: Member | None, item_id: int, now: datetime
) -> StudyItem:
    """Take back 已学习 until the due date; a written 心得 is kept for a later 已学习."""
    item = await _scoped_item(session, member, item_id)
    assert member is not None
    if item.due_at is not None and now >= item.due_at:
        raise Refused("past_due", due=item.due_at)
    result = await session.exec(
        update(StudyRecord)
        .where(
            col(StudyRecord.item_id) == item_id,
            col(StudyRecord.member_id) == member.id,
            col(StudyRecord.completed_at).is_not(None),
        )
        .values(completed_at=None, updated_at=now)
    )
    if not getattr(result, "rowcount", 0):
        raise Refused("not_done")
    return item


@dataclass(frozen=True, slots=True)
class MyItem:
    item: StudyItem
    completed_at: datetime | None
    reflection: str | None


async def my_items(session: AsyncSession, *, member: Member | None, now: datetime) -> list[MyItem]:
    """The open items pushed to the member's branch, newest first, with their status."""
    member = _active(member)
    rows = await session.exec(
        select(StudyItem, StudyRecord)
        .join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id))
        .outerjoin(
            StudyRecord,
            (col(StudyRecord.item_id) == col(StudyItem.id))
            & (col(StudyRecord.member_id) == member.id),
        )
        .where(
            StudyTarget.branch_id == member.branch_id,
            col(StudyTarget.pushed_at).is_not(None),
            StudyItem.status == StudyStatus.published,
            col(StudyItem.due_at) > now,
        )
        .order_by(col(StudyItem.due_at), col(StudyItem.id))
    )
    return [
        MyItem(item, rec.completed_at if rec else None, rec.reflection if rec else None)
        for item, rec in rows
    ]


# ---------------------------------------------------------------- completion


@dataclass(slots=True)
class BranchCompletion:
    branch_id: int
    branch: str
    total: int = 0
    done: int = 0
    not_done: list[str] = field(default_factory=list)
    reflections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0


async def completion(
    session: AsyncSession, *, item: StudyItem, branch_ids: Iterable[int] | None = None
) -> list[BranchCompletion]:
    """Per pushed branch: who finished, who did not, the reflections (by name)."""
    query = select(StudyTarget.branch_id, Branch.name).join(
        Branch, col(Branch.id) == col(StudyTarget.branch_id)
    )
    query = query.where(StudyTarget.item_id == item.id, col(StudyTarget.pushed_at).is_not(None))
    if branch_ids is not None:
        query = query.where(col(StudyTarget.branch_id).in_(list(branch_ids)))
    result = {
        bid: BranchCompletion(bid, name)
        for bid, name in await session.exec(query.order_by(col(Branch.name)))
    }
    records = {
        r.member_id: r
        for r in await session.exec(select(StudyRecord).where(StudyRecord.item_id == item.id))
    }
    for m in await _branch_members(session, result):
        assert m.branch_id is not None
        assert m.id is not None
        row = result[m.branch_id]
        row.total += 1
        rec = records.get(m.id)
        if rec is not None and rec.completed_at is not None:
            row.done += 1
            if rec.reflection:
                row.reflections.append((m.name, rec.reflection))
        else:
            row.not_done.append(m.name)
    return list(result.values())


async def recent_items(
    session: AsyncSession, *, actor: Member | None, limit: int = 10
) -> list[StudyItem]:
    """Published items the actor may query, newest first."""
    actor = access.require_leader(actor)
    query = select(StudyItem).where(StudyItem.status == StudyStatus.published)
    if actor.role == Role.secretary:
        query = query.join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id)).where(
            StudyTarget.branch_id == actor.branch_id
        )
    return list(await session.exec(query.order_by(col(StudyItem.id).desc()).limit(limit)))


async def status_of(
    session: AsyncSession, *, actor: Member | None, item_id: int
) -> tuple[StudyItem, list[BranchCompletion]]:
    """Secretary: their branch's completion of an item; admin: every branch's."""
    actor = access.require_leader(actor)
    item = await session.get(StudyItem, item_id)
    if item is None or item.status != StudyStatus.published:
        raise Refused("item_unknown")
    if actor.role == Role.secretary:
        assert actor.branch_id is not None
        rows = await completion(session, item=item, branch_ids=[actor.branch_id])
        target = (
            await session.exec(
                select(StudyTarget).where(
                    StudyTarget.item_id == item_id, StudyTarget.branch_id == actor.branch_id
                )
            )
        ).first()
        if target is None:
            raise Refused("item_unknown")
        return item, rows
    return item, await completion(session, item=item)


async def rates(
    session: AsyncSession, *, items: Sequence[StudyItem], branch_id: int | None
) -> dict[int, tuple[int, int]]:
    """item id → (done, total) for a list of items, in one branch or all pushed branches."""
    out: dict[int, tuple[int, int]] = {}
    for item in items:
        assert item.id is not None
        rows = await completion(
            session, item=item, branch_ids=[branch_id] if branch_id is not None else None
        )
        out[item.id] = (sum(r.done for r in rows), sum(r.total for r in rows))
    return out


# ---------------------------------------------------------------- timed work


async def send_nudges(
    session: AsyncSession, *, now: datetime, rules: StudyRules, catalogs: Catalogs
) -> int:
    """One nudge per unfinished member, `nudge_before` the due date, never in quiet hours."""
    if rules.is_quiet(now):
        return 0
    items = list(
        await session.exec(
            select(StudyItem).where(
                StudyItem.status == StudyStatus.published,
                col(StudyItem.due_at) > now,
                col(StudyItem.due_at) <= now + rules.nudge_before,
            )
        )
    )
    sent = 0
    for item in items:
        assert item.id is not None
        branch_ids = list(
            await session.exec(
                select(StudyTarget.branch_id).where(
                    StudyTarget.item_id == item.id, col(StudyTarget.pushed_at).is_not(None)
                )
            )
        )
        done = set(
            await session.exec(
                select(StudyRecord.member_id).where(
                    StudyRecord.item_id == item.id, col(StudyRecord.completed_at).is_not(None)
                )
            )
        )
        waiting = [m for m in await _branch_members(session, branch_ids) if m.id not in done]
        claimed = await once.claim_many(
            session,
            kind="study.nudge",
            subject=f"item:{item.id}",
            slot="before-due",
            member_ids=[m.id for m in waiting if m.id is not None],
            now=now,
        )
        recipients = []
        for m in waiting:
            if m.id not in claimed:
                continue
            t = translator(catalogs, rules, m)
            text = item_text(t, item, heading=t._("⏰ A reminder: this study item is due soon."))
            recipients.append(
                Recipient(m.telegram_user_id, OutgoingMessage(text, item_buttons(t, item.id)), m.id)
            )
        if recipients:
            batch = await outbox.enqueue(
                session, kind="study.nudge", recipients=recipients, now=now, subject_id=item.id
            )
            sent += batch.total
    return sent


def completion_text(t: Translator, item: StudyItem, row: BranchCompletion) -> str:
    lines = [
        t._("<b>{title}</b> — {branch}", title=item.title, branch=row.branch),
        t._(
            "Finished: {done} of {total} ({rate})",
            done=row.done,
            total=row.total,
            rate=t.percent(row.rate),
        ),
    ]
    if row.not_done:
        # A branch of 300 must still fit one message; the full list is in /studystatus.
        names = row.not_done
        while len("、".join(names)) > NAMES_MAX_CHARS:
            names = names[: len(names) * 3 // 4]
        listed = "、".join(names)
        if len(names) < len(row.not_done):
            listed += t._(" … and {n} more", n=len(row.not_done) - len(names))
        lines.append(t._("Not finished: {names}", names=listed))
    lines.append(t._("Details and reflections: /studystatus {id}", id=item.id))
    return "\n".join(lines)


async def _secretaries(session: AsyncSession, branch_ids: Iterable[int]) -> list[Member]:
    ids = list(branch_ids)
    if not ids:
        return []
    return list(
        await session.exec(
            select(Member).where(
                col(Member.branch_id).in_(ids),
                Member.role == Role.secretary,
                Member.status == MemberStatus.active,
            )
        )
    )


async def send_due_reports(
    session: AsyncSession, *, now: datetime, rules: StudyRules, catalogs: Catalogs
) -> int:
    """On the due date each branch's secretary gets who did not finish (once per branch)."""
    if rules.is_quiet(now):
        return 0
    items = list(
        await session.exec(
            select(StudyItem).where(
                StudyItem.status == StudyStatus.published,
                col(StudyItem.due_at) <= now,
                # A report days late is noise; a bot that was down that long sends none.
                col(StudyItem.due_at) > now - timedelta(days=2),
            )
        )
    )
    sent = 0
    for item in items:
        assert item.id is not None
        rows = await completion(session, item=item)
        claimed = await once.claim_many(
            session,
            kind="study.due",
            subject=f"item:{item.id}",
            slot="due-report",
            member_ids=[r.branch_id for r in rows],
            now=now,
        )
        by_branch = {r.branch_id: r for r in rows if r.branch_id in claimed}
        recipients = []
        for sec in await _secretaries(session, by_branch):
            assert sec.branch_id is not None
            t = translator(catalogs, rules, sec)
            text = (
                t._("📋 The study item has reached its due date. Completion in your branch:")
                + "\n\n"
                + completion_text(t, item, by_branch[sec.branch_id])
            )
            recipients.append(Recipient(sec.telegram_user_id, OutgoingMessage(text), sec.id))
        if recipients:
            batch = await outbox.enqueue(
                session, kind="study.report", recipients=recipients, now=now, subject_id=item.id
            )
            sent += batch.total
    return sent


async def send_digests(
    session: AsyncSession, *, now: datetime, rules: StudyRules, catalogs: Catalogs
) -> int:
    """The weekly digest of open, unfinished items for branches that switched it on."""
    if rules.is_quiet(now):
        return 0
    sent = 0
    local = now.astimezone(rules.tz)
    for row in await session.exec(
        select(BranchStudySettings).where(col(BranchStudySettings.digest_enabled).is_(True))
    ):
        if local.weekday() != row.digest_weekday or rules.local_minute(now) < row.digest_minute:
            continue
        if not await once.claim(
            session,
            kind="study.digest",
            subject=f"branch:{row.branch_id}",
            slot=local.date().isoformat(),
            now=now,
        ):
            continue
        # Two queries per branch, not one per member: a branch may have hundreds.
        items = list(
            await session.exec(
                select(StudyItem)
                .join(StudyTarget, col(StudyTarget.item_id) == col(StudyItem.id))
                .where(
                    StudyTarget.branch_id == row.branch_id,
                    col(StudyTarget.pushed_at).is_not(None),
                    StudyItem.status == StudyStatus.published,
                    col(StudyItem.due_at) > now,
                )
                .order_by(col(StudyItem.due_at), col(StudyItem.id))
            )
        )
        if not items:
            continue
        done = set(
            await session.exec(
                select(StudyRecord.item_id, StudyRecord.member_id).where(
                    col(StudyRecord.item_id).in_([i.id for i in items]),
                    col(StudyRecord.completed_at).is_not(None),
                )
            )
        )
        recipients = []
        for m in await _branch_members(session, [row.branch_id]):
            open_items = [i for i in items if (i.id, m.id) not in done]
            if not open_items:
                continue
            t = translator(catalogs, rules, m)
            lines = [t._("📚 <b>Study items still open this week</b>"), ""]
            for i in open_items:
                assert i.due_at is not None
                lines.append(t._("• {title} (due {due})", title=i.title, due=t.date(i.due_at)))
            lines += ["", t._("Send /study to mark them or write a reflection.")]
            recipients.append(
                Recipient(m.telegram_user_id, OutgoingMessage("\n".join(lines)), m.id)
            )
        if recipients:
            batch = await outbox.enqueue(
                session,
                kind="study.digest",
                recipients=recipients,
                now=now,
                subject_id=row.branch_id,
            )
            sent += batch.total
    return sent


# ---------------------------------------------------------------- feed drafts


async def feed_draft(
    session: AsyncSession,
    *,
    feed_id: int,
    key: str,
    title: str,
    url: str | None,
    summary: str,
    now: datetime,
) -> StudyItem:
    """A draft from a feed entry: for every branch once an admin publishes it."""
    item = StudyItem(
        title=(title.strip() or (url or "—"))[:TITLE_MAX],
        url=url[:URL_MAX] if url and url.lower().startswith(("http://", "https://")) else None,
        summary=summary[:SUMMARY_MAX],
        scope_all=True,
        created_at=now,
        feed_id=feed_id,
        feed_key=key[:500],
    )
    session.add(item)
    await session.flush()
    return item


async def drafts_count(session: AsyncSession) -> int:
    return int(
        (
            await session.exec(
                select(func.count())
                .select_from(StudyItem)
                .where(StudyItem.status == StudyStatus.draft, col(StudyItem.feed_id).is_not(None))
            )
        ).one()
    )


async def discard_feed_draft(
    session: AsyncSession, *, actor: Member | None, item_id: int
) -> StudyItem:
    """Admin: throw away a draft imported from a feed; it leaves the drafts count."""
    if actor is None or actor.role != Role.admin:
        raise Refused("not_allowed")
    item = await _own_draft(session, actor, item_id)
    if item.feed_id is None:
        raise Refused("item_unknown")
    return await cancel_draft(session, actor=actor, item_id=item_id)
