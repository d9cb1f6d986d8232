"""/asks: one's own requests (members), the branch's (secretaries), the committee's
(admins); a request's details; the rating 满意 / 基本满意 / 不满意 and the one 退回."""

from __future__ import annotations

from typing import Any

from bot.models import FormState, RequestRating, Role
from bot.services import requests as svc
from bot.services.errors import Refused
from bot.services.fanout import SentFile
from handlers.paging import page_of
from handlers.requests import news, stats, views
from handlers.requests.buttons import ListPage, OpenRequest, Rate, ShowFile
from handlers.shape import JOINED, MEMBERS, Form, Turn, closing_form, form_step, handler

REOPEN = "requests.reopen"
PAGE = 10
# Refusals after which the reason form stays open (the person can type it again).
RETYPE = frozenset({"reason_empty", "reason_too_long"})


def _scope(turn: Turn[Any]) -> str:
    role = turn.member.role
    if role == Role.admin:
        return "committee"
    return "branch" if role == Role.secretary else "mine"


async def _list(turn: Turn[Any], scope: str) -> list[svc.Card]:
    if scope == "committee":
        return await svc.committee_open(turn.s, actor=turn.member)
    if scope == "branch":
        return await svc.branch_open(turn.s, actor=turn.member)
    return await svc.mine(turn.s, actor=turn.member)


@handler(roles=JOINED, refusals=views.REFUSALS)
async def asks(turn: Turn[None]) -> None:
    """The requests this person deals with; `/asks mine`, `/asks stats [period]`."""
    args = turn.args
    if args and args[0].lower() in ("stats", "统计"):
        await stats.show(turn, " ".join(args[1:]))
        return
    scope = "mine" if args and args[0].lower() in ("mine", "我的") else _scope(turn)
    if scope == "mine" and turn.member.role == Role.admin:
        scope = "committee"
    cards = await _list(turn, scope)
    footer = views.list_footer(turn.t, turn.member.role, scope)
    text, keyboard = views.list_view(turn.t, page_of(cards, 0, PAGE), scope, turn.now, footer)
    await turn.reply(text, keyboard)


@handler(roles=JOINED, button=ListPage, refusals=views.REFUSALS)
async def list_page(turn: Turn[ListPage]) -> None:
    """◀ ▶ through the list."""
    scope = turn.data.scope
    allowed = {_scope(turn), "mine"} if turn.member.role != Role.admin else {"committee"}
    if scope not in allowed:
        raise Refused("not_allowed")
    cards = await _list(turn, scope)
    page = page_of(cards, turn.data.page, PAGE)
    footer = views.list_footer(turn.t, turn.member.role, scope)
    await turn.edit(*views.list_view(turn.t, page, scope, turn.now, footer))


@handler(roles=JOINED, button=OpenRequest, refusals=views.REFUSALS)
async def open_request(turn: Turn[OpenRequest]) -> None:
    """One request in full, with what this person may do."""
    card = await svc.detail(turn.s, actor=turn.member, request_id=turn.data.request_id)
    text, keyboard = views.detail(turn.t, card, svc.actions_for(turn.member, card))
    await turn.reply(text, keyboard)


@handler(roles=JOINED, button=ShowFile, refusals=views.REFUSALS)
async def show_file(turn: Turn[ShowFile]) -> None:
    """The attachment again, sent by Telegram's file_id."""
    request = await svc.load(turn.s, actor=turn.member, request_id=turn.data.request_id)
    if turn.data.which == "ask":
        file = SentFile.of(request.file_id, request.media_kind)
    else:
        file = SentFile.of(request.reply_file_id, request.reply_media_kind)
    if file is None:
        raise Refused("unknown_request")
    card = await svc.detail(turn.s, actor=turn.member, request_id=turn.data.request_id)
    caption = turn.t._("📎 Attachment of {title}", title=views.Html(views.title(turn.t, card)))
    await turn.answer()
    await turn.reply_file(caption, file)


@handler(roles=MEMBERS, button=Rate, refusals=views.REFUSALS)
async def rate(turn: Turn[Rate]) -> None:
    """满意 / 基本满意 close the request; the first 不满意 asks why and reopens it."""
    request_id, rating = turn.data.request_id, turn.data.rating
    needs_reason = await svc.check_rating(
        turn.s, actor=turn.member, request_id=request_id, rating=rating
    )
    if needs_reason:
        await turn.open_form(REOPEN, "reason", {"request_id": request_id})
        await turn.commit()
        await turn.reply(views.reopen_prompt(turn.t))
        return
    outcome = await svc.rate(
        turn.s,
        actor=turn.member,
        request_id=request_id,
        rating=rating,
        limits=svc.Limits.from_settings(turn.settings),
        compose=news.composer_of(turn.context),
        now=turn.now,
    )
    await turn.commit()
    await turn.answer(turn.t.label("Thank you for your rating."))
    await turn.set_buttons([])
    await turn.reply(views.rated(turn.t, outcome))


@form_step(roles=MEMBERS, refusals=views.REFUSALS)
async def reopen_reason(turn: Turn[None], state: FormState) -> None:
    """Why the member is not satisfied: the request goes back (退回) to its handler."""
    async with closing_form(turn, retype=RETYPE):
        outcome = await svc.rate(
            turn.s,
            actor=turn.member,
            request_id=int(state.data["request_id"]),
            rating=RequestRating.dissatisfied,
            reason=turn.text,
            limits=svc.Limits.from_settings(turn.settings),
            compose=news.composer_of(turn.context),
            now=turn.now,
        )
    await turn.reply(views.reopened(turn.t, outcome))


REOPEN_FORM = Form(REOPEN, steps={"reason": reopen_reason})
