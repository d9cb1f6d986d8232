"""述职评议: /review (admins open, read and rate), /annualreport (a secretary's 述职报告),
members' anonymous 满意度."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.delivery.message import Keyboard, OutgoingMessage
from bot.models import FormState, MediaFile
from bot.services.errors import Refused
from bot.services.oversight import health as health_svc
from bot.services.oversight import reviews as svc
from bot.services.oversight.indicators import Thresholds
from handlers.oversight import review_views as views
from handlers.oversight.buttons import (
    RateReport,
    ReportAction,
    ReportOpen,
    ReviewPage,
    SatisfactionChoice,
)
from handlers.oversight.common import REFUSALS
from handlers.shape import ADMINS, MEMBERS, SECRETARIES, Form, Turn, form_step, handler

REPORT_FORM = "ov_report"
RATING_FORM = "ov_rating"
FILE_MAX = 20 * 1024 * 1024


def _compose(turn: Turn[Any]) -> dict[str, Callable[..., OutgoingMessage]]:
    return views.composers(turn.translator_for)


async def _overview(turn: Turn[Any], page: int) -> tuple[str, Keyboard]:
    review, rows = await svc.overview(turn.s, actor=turn.member)
    healths = await health_svc.evaluate_all(
        turn.s,
        now=turn.now,
        tz=turn.settings.tz,
        thresholds=Thresholds.from_settings(turn.settings),
    )
    return views.overview(turn.t, review, rows, {h.branch_id: h for h in healths}, page)


@handler(roles=ADMINS, refusals=REFUSALS)
async def review(turn: Turn[None]) -> None:
    """Admin: `/review` the reports; `/review open <year> <YYYY-MM-DD>` opens the year's 述职."""
    args = turn.args
    if args[:1] == ["open"]:
        if len(args) != 3:
            raise Refused("bad_year", text=" ".join(args[1:]) or "-")
        opened = await svc.open_review(
            turn.s,
            actor=turn.member,
            year_text=args[1],
            deadline_text=args[2],
            now=turn.now,
            tz=turn.settings.tz,
            compose=_compose(turn)["ask"],
        )
        await turn.commit()
        await turn.reply(
            turn.t.n_(
                "✅ The {year} 述职评议 is open until {deadline}; {n} secretary is asked for a report.",
                "✅ The {year} 述职评议 is open until {deadline}; {n} secretaries are asked for a report.",
                opened.secretaries,
                year=opened.review.year,
                deadline=views.deadline_day(turn.t, opened.review),
            )
        )
        return
    await turn.commit()
    await turn.reply(*await _overview(turn, 0))


@handler(roles=ADMINS, button=ReviewPage, refusals=REFUSALS)
async def review_page(turn: Turn[ReviewPage]) -> None:
    """Admin: another page of /review (or back from a report)."""
    await turn.edit(*await _overview(turn, turn.data.page))


@handler(roles=ADMINS, button=ReportOpen, refusals=REFUSALS)
async def open_report(turn: Turn[ReportOpen]) -> None:
    """Admin: one report with the members' counts and the branch's indicators beside it."""
    report, branch, media = await svc.report_for_admin(
        turn.s, actor=turn.member, report_id=turn.data.report_id
    )
    health = await health_svc.branch_health(
        turn.s,
        actor=turn.member,
        branch_id=report.branch_id,
        now=turn.now,
        tz=turn.settings.tz,
        thresholds=Thresholds.from_settings(turn.settings),
    )
    await turn.edit(*views.report_for_admin(turn.t, report, branch, health, turn.data.page))
    if media is not None:
        await turn.reply_document(media.filename, media.content)


@handler(roles=ADMINS, button=RateReport, refusals=REFUSALS)
async def rate_button(turn: Turn[RateReport]) -> None:
    """Admin: 好 / 较好 / 一般 / 差 chosen; the comment is asked next."""
    _report, branch, _media = await svc.report_for_admin(
        turn.s, actor=turn.member, report_id=turn.data.report_id
    )
    chosen = {"report_id": turn.data.report_id, "rating": turn.data.rating.value}
    await turn.open_form(RATING_FORM, "comment", chosen)
    await turn.commit()
    await turn.reply(views.comment_ask(turn.t, branch, turn.data.rating))


@form_step(roles=ADMINS, refusals=REFUSALS)
async def rating_comment(turn: Turn[None], state: FormState) -> None:
    """The admin's comment on a rating."""
    from bot.models import ReviewRating

    comment = "" if turn.text.strip() in ("-", "—") else turn.text
    report = await svc.rate(
        turn.s,
        actor=turn.member,
        report_id=int(state.data["report_id"]),
        rating=ReviewRating(state.data["rating"]),
        comment=comment,
        now=turn.now,
        compose=_compose(turn)["rated"],
    )
    await turn.close_form()
    _r, branch, _m = await svc.report_for_admin(turn.s, actor=turn.member, report_id=report.id or 0)
    await turn.commit()
    await turn.reply(views.rated(turn.t, report, branch))


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def report(turn: Turn[None]) -> None:
    """Secretary: the 述职报告 — its draft or status; otherwise start writing it."""
    review_, own = await svc.own_report(turn.s, actor=turn.member, now=turn.now)
    if own is not None:
        await turn.reply(*views.draft_view(turn.t, review_, own))
        return
    await _start_writing(turn)


async def _start_writing(turn: Turn[Any], *, free: bool = False) -> None:
    await turn.open_form(REPORT_FORM, "text", free=free)
    await turn.commit()
    await turn.reply(views.ask_text(turn.t))


async def _saved(turn: Turn[None], text: str, media: MediaFile | None) -> None:
    own = await svc.save_draft(turn.s, actor=turn.member, text=text, media=media, now=turn.now)
    await turn.close_form()
    review_, _own = await svc.own_report(turn.s, actor=turn.member, now=turn.now)
    await turn.commit()
    await turn.reply(*views.draft_view(turn.t, review_, own))


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def report_text(turn: Turn[None], state: FormState) -> None:
    """The report typed as text: kept as a draft."""
    await _saved(turn, turn.text, None)


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def report_document(turn: Turn[None], state: FormState) -> None:
    """The report sent as a document: kept as a draft (the caption as its text)."""
    message = turn.update.effective_message
    if message is None or message.document is None:
        raise Refused("report_empty")
    doc = message.document
    if doc.file_size and doc.file_size > FILE_MAX:
        raise Refused("report_too_long", limit=svc.TEXT_MAX, length=doc.file_size)
    content = bytes(await (await doc.get_file()).download_as_bytearray())
    media = MediaFile(
        filename=(doc.file_name or "report")[:255],
        content=content,
        telegram_file_id=doc.file_id,
        created_at=turn.now,
    )
    await _saved(turn, message.caption or "", media)


@handler(roles=SECRETARIES, button=ReportAction, refusals=REFUSALS)
async def report_action(turn: Turn[ReportAction]) -> None:
    """Secretary: 提交 the draft, or write it again."""
    if turn.data.action == "rewrite":
        review_, own = await svc.own_report(turn.s, actor=turn.member, now=turn.now)
        if own is None or own.id != turn.data.report_id or own.status != "draft":
            raise Refused("report_submitted")
        await _start_writing(turn, free=True)  # not over another half-filled form
        return
    own, members = await svc.submit(
        turn.s,
        actor=turn.member,
        report_id=turn.data.report_id,
        now=turn.now,
        compose=_compose(turn)["satisfaction"],
    )
    review_, _own = await svc.own_report(turn.s, actor=turn.member, now=turn.now)
    await turn.commit()
    await turn.edit(views.submitted(turn.t, review_, members))


@handler(roles=MEMBERS, button=SatisfactionChoice, refusals=REFUSALS)
async def satisfaction(turn: Turn[SatisfactionChoice]) -> None:
    """A member's anonymous 满意 / 基本满意 / 不满意, once."""
    await svc.rate_satisfaction(
        turn.s,
        actor=turn.member,
        report_id=turn.data.report_id,
        choice=turn.data.choice,
        now=turn.now,
    )
    await turn.commit()
    await turn.answer(views.voted(turn.t))
    await turn.set_buttons([])


FORMS = (
    Form(REPORT_FORM, steps={"text": report_text}, media={"text": report_document}),
    Form(RATING_FORM, steps={"comment": rating_comment}),
)
