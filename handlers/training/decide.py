"""Secretaries and admins: open a record, 通过 at once, 退回 with a comment; the certificate."""

from __future__ import annotations

from bot.models import FormState, Member
from bot.services import training as svc
from bot.services.training.records import card_of, may_decide, visible
from handlers.shape import JOINED, LEADERS, Form, Turn, closing_form, form_step, handler
from handlers.training import news, views
from handlers.training.buttons import Decide, OpenRecord, ShowCertificate

RETURN = "training.return"
RETYPE = frozenset({"comment_empty", "comment_too_long"})


@handler(roles=JOINED, button=OpenRecord, refusals=views.REFUSALS)
async def open_record(turn: Turn[OpenRecord]) -> None:
    """A record's details with what this person may do."""
    record = await visible(turn.s, actor=turn.member, record_id=turn.data.record_id)
    owner = await turn.s.get(Member, record.member_id)
    assert owner is not None
    card = await card_of(turn.s, record)
    await turn.reply(
        views.card_text(turn.t, card),
        views.card_buttons(turn.t, card, may_decide=may_decide(turn.member, owner)),
    )


@handler(roles=LEADERS, button=Decide, refusals=views.REFUSALS)
async def decide(turn: Turn[Decide]) -> None:
    """通过 counts the record now; 退回 asks for the comment first."""
    record_id = turn.data.record_id
    if turn.data.action == "approve":
        outcome = await svc.decide(
            turn.s,
            actor=turn.member,
            record_id=record_id,
            approve=True,
            comment=None,
            compose=news.record_news_of(turn.context),
            now=turn.now,
        )
        await turn.commit()
        await turn.answer(turn.t.label("Done."))
        await turn.edit(views.card_text(turn.t, outcome.card))
        await turn.reply(views.decided(turn.t, outcome))
        return
    card = await svc.check_decidable(turn.s, actor=turn.member, record_id=record_id)
    await turn.open_form(RETURN, "comment", {"record_id": record_id})
    await turn.commit()
    await turn.reply(views.comment_prompt(turn.t, card))


@form_step(roles=LEADERS, refusals=views.REFUSALS)
async def return_comment(turn: Turn[None], state: FormState) -> None:
    """The comment typed: 退回."""
    async with closing_form(turn, retype=RETYPE):
        outcome = await svc.decide(
            turn.s,
            actor=turn.member,
            record_id=int(state.data["record_id"]),
            approve=False,
            comment=turn.text,
            compose=news.record_news_of(turn.context),
            now=turn.now,
        )
    await turn.reply(views.decided(turn.t, outcome))


@handler(roles=JOINED, button=ShowCertificate, refusals=views.REFUSALS)
async def show_certificate(turn: Turn[ShowCertificate]) -> None:
    """The certificate again, sent by Telegram's file_id."""
    file = await svc.certificate(turn.s, actor=turn.member, record_id=turn.data.record_id)
    await turn.answer()
    await turn.reply_file(turn.t._("📎 Certificate of record #{id}", id=turn.data.record_id), file)


RETURN_FORM = Form(RETURN, steps={"comment": return_comment})
