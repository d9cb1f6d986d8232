"""Writing a 第一议题 study item: the draft, its link and summary, its branches, feed drafts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Branch, Member, Role, StudyItem, StudyStatus, StudyTarget
from bot.services import access, org
from bot.services.errors import Refused, found
from bot.services.study.rules import HOURS_MAX_TENTHS, SUMMARY_MAX, TITLE_MAX, URL_MAX
from bot.services.training.arithmetic import HOURS_TEXT


async def get_item(session: AsyncSession, item_id: int) -> StudyItem:
    item = await session.get(StudyItem, item_id)
    if item is None or item.status == StudyStatus.cancelled:
        raise Refused("item_unknown")
    return item


async def own_draft(session: AsyncSession, actor: Member | None, item_id: int) -> StudyItem:
    """A draft this person may edit: their own, or (for admins) any admin's or a feed's."""
    actor = access.require_leader(actor)
    item = found(await session.get(StudyItem, item_id), "item_unknown")
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


def validate_title(raw: str) -> str:
    title = raw.strip()
    if not title:
        raise Refused("title_empty")
    if len(title) > TITLE_MAX:
        raise Refused("title_too_long", limit=TITLE_MAX, length=len(title))
    return title


def validate_summary(raw: str) -> str:
    if len(raw) > SUMMARY_MAX:
        raise Refused("summary_too_long", limit=SUMMARY_MAX, length=len(raw))
    return raw.strip()


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


async def _update(
    session: AsyncSession,
    actor: Member | None,
    item_id: int,
    field: str,
    check: Callable[[str], object],
    typed: str,
) -> StudyItem:
    """The draft with `field` set to what `check` makes of `typed` (checked once it is theirs)."""
    item = await own_draft(session, actor, item_id)
    setattr(item, field, check(typed))
    session.add(item)
    return item


async def set_url(
    session: AsyncSession, *, actor: Member | None, item_id: int, url: str
) -> StudyItem:
    return await _update(session, actor, item_id, "url", validate_url, url)


def parse_study_hours(text: str) -> int:
    """The 学时 a study item carries, as typed ('0.5', '1', '2学时'), in tenths: 0–8 hours,
    one decimal at most (the same way of writing hours as /training add)."""
    match = HOURS_TEXT.match(text.replace(",", "."))
    if match is None:
        raise Refused("hours_invalid", value=text.strip()[:20], limit=HOURS_MAX_TENTHS // 10)
    tenths = int(match.group(1)) * 10 + int(match.group(2) or 0)
    if tenths > HOURS_MAX_TENTHS:
        raise Refused("hours_too_many", value=text.strip()[:20], limit=HOURS_MAX_TENTHS // 10)
    return tenths


async def set_hours(
    session: AsyncSession, *, actor: Member | None, item_id: int, text: str
) -> StudyItem:
    """The draft's 学时 (0.5 until set), counted for each member once 已学习."""
    return await _update(session, actor, item_id, "hours_tenths", parse_study_hours, text)


async def set_summary(
    session: AsyncSession, *, actor: Member | None, item_id: int, summary: str
) -> StudyItem:
    return await _update(session, actor, item_id, "summary", validate_summary, summary)


@dataclass(frozen=True, slots=True)
class DraftScope:
    """A draft with every branch and the branches chosen so far."""

    item: StudyItem
    branches: list[Branch]
    chosen: set[int]

    @property
    def chosen_count(self) -> int:
        return len(self.branches) if self.item.scope_all else len(self.chosen)


async def draft_scope(session: AsyncSession, *, actor: Member | None, item_id: int) -> DraftScope:
    """The draft, every branch, and the branches chosen so far."""
    item = await own_draft(session, actor, item_id)
    branches = await org.all_branches(session)
    chosen = set(
        await session.exec(select(StudyTarget.branch_id).where(StudyTarget.item_id == item_id))
    )
    return DraftScope(item, branches, chosen)


def _require_admin(actor: Member | None) -> Member:
    # Only an admin chooses a draft's branches (a secretary's item has their own one).
    if actor is None or actor.role != Role.admin:
        raise Refused("not_allowed")
    return actor


async def branch_page_allowed(
    session: AsyncSession, *, actor: Member | None, item_id: int
) -> StudyItem:
    """Only an admin turns the pages of a draft's branches (a secretary's item has one)."""
    return await own_draft(session, _require_admin(actor), item_id)


async def choose_branch(
    session: AsyncSession, *, actor: Member | None, item_id: int, branch_id: int | None
) -> StudyItem:
    """Admin: toggle one branch (or, with None, toggle 'all branches') for a draft."""
    item = await own_draft(session, _require_admin(actor), item_id)
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
    item = await own_draft(session, actor, item_id)
    item.status = StudyStatus.cancelled
    await session.exec(delete(StudyTarget).where(col(StudyTarget.item_id) == item_id))
    session.add(item)
    return item


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
    item = await own_draft(session, _require_admin(actor), item_id)
    if item.feed_id is None:
        raise Refused("item_unknown")
    return await cancel_draft(session, actor=actor, item_id=item_id)
