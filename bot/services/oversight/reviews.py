"""述职评议: the secretaries' yearly 述职报告, members' anonymous 满意度, the admins' rating."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import OutgoingMessage
from bot.delivery.outbox import Recipient
from bot.models import (
    AnnualReview,
    Branch,
    MediaFile,
    Member,
    MemberStatus,
    ReportStatus,
    ReviewRating,
    Role,
    Satisfaction,
    SatisfactionVote,
    SecretaryReport,
)
from bot.services import access, audit, once, org
from bot.services.errors import Refused, found
from bot.services.fanout import send_each
from bot.services.periods import local_to_utc, parse_date

TEXT_MAX = 8000
COMMENT_MAX = 500
REMINDER_DAYS = (7, 1)
_COUNTS = {
    Satisfaction.satisfied: "satisfied",
    Satisfaction.fairly: "fairly",
    Satisfaction.dissatisfied: "dissatisfied",
}


@dataclass(frozen=True, slots=True)
class ReviewOpened:
    review: AnnualReview
    secretaries: int


ComposeAsk = Callable[[Member, AnnualReview], OutgoingMessage]
ComposeReport = Callable[[Member, SecretaryReport, str], OutgoingMessage]


async def open_review(
    session: AsyncSession,
    *,
    actor: Member | None,
    year_text: str,
    deadline_text: str,
    now: datetime,
    tz: ZoneInfo,
    compose: ComposeAsk,
) -> ReviewOpened:
    """Open the year's 述职 (admins): every secretary is asked for a report. Audited."""
    admin = access.require(actor, Role.admin)
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        raise Refused("bad_year", text=year_text[:20])
    year = int(year_text)
    day = parse_date(deadline_text)
    deadline = local_to_utc(day + timedelta(days=1), time(), tz)  # the end of that day
    if deadline <= now:
        raise Refused("deadline_past", day=day.isoformat())
    if (await session.exec(select(AnnualReview).where(AnnualReview.year == year))).first():
        raise Refused("review_exists", year=year)
    review = AnnualReview(year=year, deadline=deadline, opened_by=admin.id, opened_at=now)
    session.add(review)
    await session.flush()
    secretaries = await org.active_members(session, roles=(Role.secretary,))
    asked = await send_each(
        session,
        kind="oversight.review",
        people=secretaries,
        compose=lambda m: compose(m, review),
        now=now,
        subject_id=review.id,
    )
    details = {"year": year, "deadline": day.isoformat()}
    await audit.entry(
        session, by=admin, action="oversight.review_opened", about=review, now=now, details=details
    )
    return ReviewOpened(review, asked)


async def current_review(session: AsyncSession) -> AnnualReview | None:
    return (
        await session.exec(select(AnnualReview).order_by(col(AnnualReview.year).desc()))
    ).first()


async def own_report(
    session: AsyncSession, *, actor: Member | None, now: datetime
) -> tuple[AnnualReview, SecretaryReport | None]:
    """The secretary's report of the newest review (None before they wrote one)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    review = found(await current_review(session), "no_review")
    report = (
        await session.exec(
            select(SecretaryReport).where(
                SecretaryReport.review_id == review.id,
                SecretaryReport.branch_id == secretary.branch_id,
            )
        )
    ).first()
    return review, report


async def save_draft(
    session: AsyncSession,
    *,
    actor: Member | None,
    text: str = "",
    media: MediaFile | None = None,
    now: datetime,
) -> SecretaryReport:
    """Keep the report as a draft (text, or a document with an optional caption)."""
    review, report = await own_report(session, actor=actor, now=now)
    assert actor is not None
    assert review.id is not None
    assert actor.branch_id is not None
    if report is not None and report.status == ReportStatus.submitted:
        raise Refused("report_submitted")
    if now >= review.deadline:
        raise Refused("review_closed")
    text = text.strip()
    if not text and media is None:
        raise Refused("report_empty")
    if len(text) > TEXT_MAX:
        raise Refused("report_too_long", limit=TEXT_MAX, length=len(text))
    if report is None:
        report = SecretaryReport(
            review_id=review.id,
            branch_id=actor.branch_id,
            secretary_id=actor.id or 0,
            updated_at=now,
        )
    report.text, report.secretary_id, report.updated_at = text, actor.id or 0, now
    if media is not None:
        session.add(media)
        await session.flush()
        report.media_id, report.filename = media.id, media.filename
    session.add(report)
    await session.flush()
    return report


async def _report(session: AsyncSession, report_id: int) -> SecretaryReport:
    return found(await session.get(SecretaryReport, report_id), "no_report")


async def submit(
    session: AsyncSession,
    *,
    actor: Member | None,
    report_id: int,
    now: datetime,
    compose: ComposeReport,
) -> tuple[SecretaryReport, int]:
    """提交 the draft; the branch's members are asked for their 满意度 (through the outbox)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    report = await _report(session, report_id)
    if report.branch_id != secretary.branch_id:
        raise Refused("not_allowed")
    if report.status == ReportStatus.submitted:
        raise Refused("report_submitted")
    review = await session.get(AnnualReview, report.review_id)
    assert review is not None
    if now >= review.deadline:
        raise Refused("review_closed")
    report.status, report.submitted_at, report.updated_at = ReportStatus.submitted, now, now
    session.add(report)
    branch = await session.get(Branch, report.branch_id)
    name = branch.name if branch else ""
    members = await org.active_members(session, report.branch_id, roles=(Role.member,))
    asked = await send_each(
        session,
        kind="oversight.satisfaction",
        people=members,
        compose=lambda m: compose(m, report, name),
        now=now,
        subject_id=report.id,
    )
    return report, asked


async def rate_satisfaction(
    session: AsyncSession,
    *,
    actor: Member | None,
    report_id: int,
    choice: Satisfaction,
    now: datetime,
) -> SecretaryReport:
    """A member's anonymous 满意度, once: who voted is kept, never what they chose."""
    member = access.require(actor, Role.member, in_branch=True)
    report = await _report(session, report_id)
    if report.branch_id != member.branch_id or report.status != ReportStatus.submitted:
        raise Refused("not_allowed")
    if not await once.claim(
        session, kind="oversight.satisfaction", subject=str(report_id), slot="vote", now=now,
        member_id=member.id or 0,
    ):  # fmt: skip
        raise Refused("already_voted")
    session.add(SatisfactionVote(report_id=report_id, member_id=member.id or 0))
    column = getattr(SecretaryReport, _COUNTS[choice])
    await session.exec(
        update(SecretaryReport)
        .where(col(SecretaryReport.id) == report_id)
        .values({_COUNTS[choice]: column + 1})
    )
    await session.refresh(report)
    return report


@dataclass(frozen=True, slots=True)
class ReportRow:
    branch_id: int
    branch: str
    report: SecretaryReport | None


async def overview(
    session: AsyncSession, *, actor: Member | None
) -> tuple[AnnualReview, list[ReportRow]]:
    """Every branch with its report of the newest review (admins)."""
    access.require(actor, Role.admin)
    review = found(await current_review(session), "no_review")
    reports = {
        r.branch_id: r
        for r in await session.exec(
            select(SecretaryReport).where(SecretaryReport.review_id == review.id)
        )
    }
    branches = await session.exec(select(Branch).order_by(col(Branch.name)))
    rows = [ReportRow(b.id, b.name, reports.get(b.id)) for b in branches if b.id is not None]
    rows.sort(
        key=lambda r: (r.report is None or r.report.status != ReportStatus.submitted, r.branch)
    )
    return review, rows


async def report_for_admin(
    session: AsyncSession, *, actor: Member | None, report_id: int
) -> tuple[SecretaryReport, str, MediaFile | None]:
    access.require(actor, Role.admin)
    report = await _report(session, report_id)
    if report.status != ReportStatus.submitted:
        raise Refused("no_report")
    branch = await session.get(Branch, report.branch_id)
    media = await session.get(MediaFile, report.media_id) if report.media_id else None
    return report, branch.name if branch else "", media


ComposeRated = Callable[[Member, SecretaryReport, int], OutgoingMessage]


async def rate(
    session: AsyncSession,
    *,
    actor: Member | None,
    report_id: int,
    rating: ReviewRating,
    comment: str,
    now: datetime,
    compose: ComposeRated,
) -> SecretaryReport:
    """An admin rates a report 好 / 较好 / 一般 / 差 with a comment; the secretary is told.

    A later rating replaces the shown one; each is kept in the audit log.
    """
    admin = access.require(actor, Role.admin)
    report, _name, _media = await report_for_admin(session, actor=admin, report_id=report_id)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise Refused("comment_too_long", limit=COMMENT_MAX)
    report.rating, report.rating_comment = rating, comment
    report.rated_by, report.rated_at, report.updated_at = admin.id, now, now
    session.add(report)
    review = await session.get(AnnualReview, report.review_id)
    secretary = await session.get(Member, report.secretary_id)
    if secretary is not None and secretary.status != MemberStatus.left and review is not None:
        await outbox.enqueue(
            session,
            kind="oversight.review_rated",
            recipients=[
                Recipient(
                    secretary.telegram_user_id,
                    compose(secretary, report, review.year),
                    secretary.id,
                )
            ],
            now=now,
            subject_id=report.id,
        )
    about = f"branch:{report.branch_id}"
    details = {"report": report.id, "rating": rating.value, "comment": comment}
    await audit.entry(
        session, by=admin, action="oversight.review_rated", about=about, now=now, details=details
    )
    return report


ComposeDue = Callable[[Member, AnnualReview, int], OutgoingMessage]


async def send_reminders(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, compose: ComposeDue
) -> int:
    """7 days and 1 day before the deadline, to secretaries who have not submitted; once."""
    review = await current_review(session)
    if review is None or now >= review.deadline:
        return 0
    left = review.deadline - now
    slot = next((f"{d}d" for d in sorted(REMINDER_DAYS) if left <= timedelta(days=d)), None)
    if slot is None:
        return 0
    submitted = set(
        await session.exec(
            select(SecretaryReport.branch_id).where(
                SecretaryReport.review_id == review.id,
                SecretaryReport.status == ReportStatus.submitted,
            )
        )
    )
    waiting = [
        m
        for m in await org.active_members(session, roles=(Role.secretary,))
        if m.branch_id is not None and m.branch_id not in submitted
    ]
    claimed = await once.claim_members(
        session, waiting, kind="oversight.review_due", subject=str(review.id), slot=slot, now=now
    )
    days = max(1, -(-int(left.total_seconds()) // 86400))
    return await send_each(
        session,
        kind="oversight.review_due",
        people=claimed,
        compose=lambda m: compose(m, review, days),
        now=now,
    )
