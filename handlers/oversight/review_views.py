"""述职评议 texts and keyboards: the ask, the draft, the members' 满意度, the admins' view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.delivery.message import Keyboard, OutgoingMessage
from bot.i18n import N_, Translator
from bot.models import (
    AnnualReview,
    Member,
    ReportStatus,
    ReviewRating,
    Satisfaction,
    SecretaryReport,
)
from bot.services.oversight import reviews
from bot.services.oversight.health import BranchHealth
from handlers.labels import labels
from handlers.oversight.buttons import (
    RateReport,
    ReportAction,
    ReportOpen,
    ReviewPage,
    SatisfactionChoice,
)
from handlers.oversight.health_views import level_label, reasons_line
from handlers.paging import page_of

RATINGS = labels(
    {
        ReviewRating.good: N_("Good"),
        ReviewRating.fairly_good: N_("Fairly good"),
        ReviewRating.average: N_("Average"),
        ReviewRating.poor: N_("Poor"),
    }
)
SATISFACTION = labels(
    {
        Satisfaction.satisfied: N_("Satisfied"),
        Satisfaction.fairly: N_("Fairly satisfied"),
        Satisfaction.dissatisfied: N_("Dissatisfied"),
    }
)
REVIEW_REFUSALS = {
    "bad_year": N_("“{text}” is not a year. Use /review open 2026 2027-01-15."),
    "deadline_past": N_("The deadline {day} has passed: give a later day."),
    "review_exists": N_("The {year} review is already open. /review shows it."),
    "no_review": N_("No 述职评议 has been opened yet."),
    "report_submitted": N_("Your report has been submitted already; it can no longer change."),
    "review_closed": N_("The deadline has passed; the report can no longer change."),
    "report_empty": N_("Please type your report, or send it as a document."),
    "report_too_long": N_(
        "The report is too long ({length} characters, at most {limit}): send it as a document."
    ),
    "no_report": N_("This report is not available."),
    "already_voted": N_("You have already given your opinion; it is counted once."),
    "comment_too_long": N_("The comment is too long (at most {limit} characters)."),
}
PAGE_SIZE = 20


def deadline_day(t: Translator, review: AnnualReview) -> str:
    """The last day reports are taken (the deadline is stored as that day's end)."""
    return t.date(review.deadline - timedelta(seconds=1), "short")


def ask(t: Translator, review: AnnualReview) -> OutgoingMessage:
    return OutgoingMessage(
        t._(
            "<b>{year} 述职评议</b>: please write your 述职报告 by {deadline}. "
            "Send /annualreport, then type it or send a document; you can check the draft before you submit.",
            year=review.year,
            deadline=deadline_day(t, review),
        )
    )


def counts_line(t: Translator, r: SecretaryReport) -> str:
    return t._(
        "Satisfied {a} · Fairly satisfied {b} · Dissatisfied {c}",
        a=r.satisfied,
        b=r.fairly,
        c=r.dissatisfied,
    )


def draft_view(t: Translator, review: AnnualReview, r: SecretaryReport) -> tuple[str, Keyboard]:
    if r.status == ReportStatus.submitted:
        assert r.submitted_at is not None
        return (
            t._(
                "✅ Your {year} report was submitted on {when}. Members' opinion so far: {counts}",
                year=review.year,
                when=t.datetime(r.submitted_at, "short"),
                counts=counts_line(t, r),
            ),
            [],
        )
    body = r.text or ""
    if r.filename:
        body = t._("Document: {name}", name=r.filename) + ("\n" + body if body else "")
    text = t._(
        "<b>Draft of your {year} report</b> (deadline {deadline}):\n{body}",
        year=review.year,
        deadline=deadline_day(t, review),
        body=body[:3000],
    )
    buttons = [
        [
            ReportAction(report_id=r.id or 0, action="submit").button(t.label("Submit report")),
            ReportAction(report_id=r.id or 0, action="rewrite").button(t.label("Edit report")),
        ]
    ]
    return text, buttons


def ask_text(t: Translator) -> str:
    return t._("Type your 述职报告, or send it as a document (Word or PDF). Send /cancel to stop.")


def submitted(t: Translator, review: AnnualReview, members: int) -> str:
    return t.n_(
        "✅ Your {year} report is submitted; {n} member is asked for their anonymous opinion.",
        "✅ Your {year} report is submitted; {n} members are asked for their anonymous opinion.",
        members,
        year=review.year,
    )


def satisfaction_ask(t: Translator, r: SecretaryReport, branch: str) -> OutgoingMessage:
    body = (r.text or "")[:2500]
    if r.filename:
        body = t._("(a document: {name})", name=r.filename) + ("\n" + body if body else "")
    text = t._(
        "<b>{branch}</b>: your secretary's 述职报告. How satisfied are you? "
        "Your answer is anonymous; only the counts are shown.\n{body}",
        branch=branch,
        body=body,
    )
    row = [
        SatisfactionChoice(report_id=r.id or 0, choice=c).button(t.label(n))
        for c, n in SATISFACTION.items()
    ]
    return OutgoingMessage(text, [row])


def voted(t: Translator) -> str:
    return t.label("Thank you; your opinion is counted anonymously.")


def overview(
    t: Translator,
    review: AnnualReview,
    rows: list[reviews.ReportRow],
    health: dict[int, BranchHealth],
    number: int,
) -> tuple[str, Keyboard]:
    done = [r for r in rows if r.report and r.report.status == ReportStatus.submitted]
    lines = [
        t._(
            "<b>{year} 述职评议</b> · deadline {deadline} · submitted {n} of {total}",
            year=review.year,
            deadline=deadline_day(t, review),
            n=len(done),
            total=len(rows),
        )
    ]
    page = page_of(rows, number, PAGE_SIZE)
    for row in page.items:
        rep = row.report
        h = health.get(row.branch_id)
        level = level_label(t, h.level) if h else ""
        if rep is None or rep.status != ReportStatus.submitted:
            lines.append(
                t._("⏳ {branch} · {level}: not submitted", branch=row.branch, level=level)
            )
            continue
        rating = t.label(RATINGS[rep.rating]) if rep.rating else t.label("not rated")
        lines.append(
            t._(
                "📄 {branch} · {level}: {counts} · {rating}",
                branch=row.branch,
                level=level,
                counts=counts_line(t, rep),
                rating=rating,
            )
        )
    if page.caption(t):
        lines.append(page.caption(t))
    buttons = [
        ReportOpen(report_id=r.report.id or 0, page=page.number).button(r.branch)
        for r in page.items
        if r.report is not None and r.report.status == ReportStatus.submitted
    ]
    keyboard: Keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = page.nav(lambda n: ReviewPage(page=n))
    if nav:
        keyboard.append(nav)
    return "\n".join(lines), keyboard


def report_for_admin(
    t: Translator, r: SecretaryReport, branch: str, health: BranchHealth | None, page: int
) -> tuple[str, Keyboard]:
    lines = [t._("<b>述职报告</b> · {branch}", branch=branch)]
    if health is not None:
        lines.append(
            t._(
                "Branch health: {level} — {reasons}",
                level=level_label(t, health.level),
                reasons=reasons_line(t, health),
            )
        )
    lines.append(t._("Members' opinion: {counts}", counts=counts_line(t, r)))
    if r.rating:
        lines.append(
            t._(
                "Rating: {rating} — {comment}",
                rating=t.label(RATINGS[r.rating]),
                comment=r.rating_comment or "",
            )
        )
    if r.filename:
        lines.append(t._("Document: {name} (sent below)", name=r.filename))
    if r.text:
        lines.append(r.text[:3000])
    row = [RateReport(report_id=r.id or 0, rating=k).button(t.label(v)) for k, v in RATINGS.items()]
    return "\n".join(lines), [row, [ReviewPage(page=page).button(t.label("Back"))]]


def comment_ask(t: Translator, branch: str, rating: ReviewRating) -> str:
    return t._(
        "Rating {branch}: {rating}. Type a comment for the secretary (or “-” for none).",
        branch=branch,
        rating=t.label(RATINGS[rating]),
    )


def rated(t: Translator, r: SecretaryReport, branch: str) -> str:
    assert r.rating is not None
    return t._(
        "✅ {branch} rated {rating}: {comment}. The secretary is told.",
        branch=branch,
        rating=t.label(RATINGS[r.rating]),
        comment=r.rating_comment or "—",
    )


def rated_notice(t: Translator, r: SecretaryReport, year: int) -> OutgoingMessage:
    assert r.rating is not None
    return OutgoingMessage(
        t._(
            "Your {year} 述职报告 was rated <b>{rating}</b> by the committee. Comment: {comment}\n"
            "Members' opinion: {counts}",
            year=year,
            rating=t.label(RATINGS[r.rating]),
            comment=r.rating_comment or "—",
            counts=counts_line(t, r),
        )
    )


def due(t: Translator, review: AnnualReview, days: int) -> OutgoingMessage:
    return OutgoingMessage(
        t.n_(
            "⏰ Your {year} 述职报告 is due in {n} day ({deadline}) and not submitted yet: /annualreport",
            "⏰ Your {year} 述职报告 is due in {n} days ({deadline}) and not submitted yet: /annualreport",
            days,
            year=review.year,
            deadline=deadline_day(t, review),
        )
    )


def composers(t_for: Callable[[Member], Translator]) -> dict[str, Callable[..., OutgoingMessage]]:
    return {
        "ask": lambda m, review: ask(t_for(m), review),
        "satisfaction": lambda m, r, branch: satisfaction_ask(t_for(m), r, branch),
        "rated": lambda m, r, year: rated_notice(t_for(m), r, year),
        "due": lambda m, review, days: due(t_for(m), review, days),
    }
