"""亮身份·亮职责·亮承诺: /pledge for members, /pledges for secretaries and admins.

One module per flow: form (承诺: write, preview, 提交), notes (践诺), review (审诺:
通过 / 退回), coverage (who has pledged, 提醒, the committee's overview), publish (公示),
rate (评诺), me (the line in /me); views renders, buttons holds the button families.
"""

from __future__ import annotations

from bot.context import BotApplication, add_me_section
from bot.i18n import N_
from bot.services.errors import Refused
from bot.services.periods import local_today, parse_period
from handlers.pledges import coverage, form, notes, publish, rate, review
from handlers.pledges.me import me_section
from handlers.pledges.shared import REFUSALS
from handlers.shape import LEADERS, MEMBERS, Turn, add_buttons, add_command, add_form, handler


@handler(roles=MEMBERS, refusals=REFUSALS)
async def pledge_command(turn: Turn[None]) -> None:
    """Member: write the pledge, see it, or add a progress note (/pledge note …)."""
    args = turn.args
    if args and args[0].lower() in ("note", "践诺"):
        await notes.add_note(turn)
        return
    await form.open_pledge(turn)


def _year_asked(turn: Turn[None]) -> int | None:
    """The year an admin typed after /pledges (2026, 去年, last year), if any."""
    if not turn.args:
        return None
    try:
        period = parse_period(" ".join(turn.args), local_today(turn.now, turn.settings.tz))
    except Refused:
        return None
    return period.first.year if period.kind == "year" else None


@handler(roles=LEADERS, refusals=REFUSALS)
async def pledges_command(turn: Turn[None]) -> None:
    """Secretary: coverage and the next review (/pledges publish, /pledges rate); admin:
    overview and the next secretary's pledge to review."""
    if turn.actor.is_admin:
        year = _year_asked(turn)
        await coverage.show_overview(turn, year)
        if year is None:
            await review.send_next_review(turn, quiet=True)
        return
    args = [a.lower() for a in turn.args]
    if args and args[0] in ("publish", "公示"):
        await publish.show_preview(turn)
    elif args and args[0] in ("rate", "评诺"):
        await rate.send_next_rating(turn)
    elif args:
        await turn.reply(turn.t._("Use /pledges, /pledges publish or /pledges rate."))
    else:
        await coverage.show_coverage(turn)
        await review.send_next_review(turn)


def register(app: BotApplication) -> None:
    add_command(
        app,
        "pledge",
        N_("your yearly pledge: identity, duties, commitments; progress notes"),
        pledge_command,
    )
    add_command(
        app,
        "pledges",
        N_("pledges: review and coverage; /pledges publish, /pledges rate"),
        pledges_command,
    )
    add_form(app, form.FORM, review.RETURN, rate.RATE)
    add_me_section(app, me_section)
    add_buttons(
        app,
        form.form_button,
        review.review_button,
        coverage.remind_button,
        publish.publish_button,
        rate.rate_button,
    )
