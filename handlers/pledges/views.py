"""The pledges in the reader's language: cards, the member's view, keyboards, messages.

Every piece of a person's text is escaped here; long texts come back as a list of
message parts that each fit Telegram's limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.message import Keyboard, split_text
from bot.i18n import N_, Html, Translator, escape
from bot.models import Pledge, PledgeNote, PledgeRating, PledgeStatus
from bot.services import pledges as svc
from handlers.home.views import command_button
from handlers.labels import labels
from handlers.pledges.buttons import (
    RATING_CODES,
    FormAction,
    FormStep,
    PublishChoice,
    RateChoice,
    Remind,
    ReviewChoice,
)

STATUS_NAMES = labels(
    {
        PledgeStatus.draft: N_("draft, not submitted yet"),
        PledgeStatus.submitted: N_("waiting for review"),
        PledgeStatus.approved: N_("approved"),
        PledgeStatus.returned: N_("returned for changes"),
    }
)

RATING_NAMES = labels(
    {
        PledgeRating.excellent: N_("Excellent"),
        PledgeRating.satisfactory: N_("Satisfactory"),
        PledgeRating.basic: N_("Basically satisfactory"),
        PledgeRating.unsatisfactory: N_("Unsatisfactory"),
    }
)

# Raw characters per line of a long text, so that even fully escaped ("&" → "&amp;") a
# line stays far below Telegram's limit and a split never cuts through an entity.
WRAP = 700


def wrap(text: str, width: int = WRAP) -> list[str]:
    """The person's lines, long ones cut into pieces of at most `width` characters."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        out.extend(line[i : i + width] for i in range(0, max(len(line), 1), width))
    return out


def escape_lines(lines: Sequence[str]) -> str:
    return "\n".join(escape(line) for line in lines)


def parts(lines: Sequence[str]) -> list[str]:
    """Lines joined into message parts that each fit Telegram's limit."""
    return split_text("\n".join(lines))


def last_part(lines: Sequence[str]) -> str:
    return parts(lines)[-1]


def card(t: Translator, c: svc.Card) -> list[str]:
    """The pledge as lines of HTML: every piece of user text escaped, markup within lines."""
    lines = [
        t._("<b>{name}</b> · pledge {year}", name=c.name, year=c.year),
        t._(
            "<b>Identity</b>: party member, {branch}; post in the social organisation: {post}",
            branch=c.branch,
            post=c.post,
        ),
        t._("<b>Duties</b>:"),
        *(escape(line) for line in wrap(c.duties)),
        t._("<b>Commitments</b>:"),
    ]
    lines += [f"{i}. {escape(item)}" for i, item in enumerate(c.commitments, start=1)]
    return lines


def progress_notes(t: Translator, notes: Sequence[PledgeNote]) -> list[str]:
    """The 践诺 notes under a card (nothing when there are none)."""
    if not notes:
        return []
    lines = ["", t._("<b>Progress notes</b>")]
    lines += [
        t._("{date}: {text}", date=t.date(n.noted_on), text=Html(escape_lines(wrap(n.text))))
        for n in notes
    ]
    return lines


# ---------------------------------------------------------------- the member's form


def question(t: Translator, step: str, branch: str) -> str:
    if step == "post":
        return t._(
            "<b>Identity</b>\n"
            "You are a party member of {branch}.\n"
            "What post do you hold in your social organisation? "
            "(one line, at most {limit} characters)\n\n"
            "Send /cancel to stop.",
            branch=branch,
            limit=svc.POST_MAX,
        )
    if step == "duties":
        return t._(
            "<b>Duties</b>\nWhat are your duties in this post? (at most {limit} characters)",
            limit=svc.DUTIES_MAX,
        )
    return t._(
        "<b>Commitments</b>\n"
        "Type your commitments, one per line: at least 1, at most {most}, "
        "each at most {limit} characters. Numbers like “1.” are optional.",
        most=svc.COMMITMENTS_MAX,
        limit=svc.COMMITMENT_MAX,
    )


def first_question(t: Translator, year: int, branch: str) -> str:
    return (
        t._(
            "Let us write your pledge for {year}: identity, duties, commitments. "
            "It takes three short answers.",
            year=year,
        )
        + "\n\n"
        + question(t, "post", branch)
    )


def preview(t: Translator, c: svc.Card) -> tuple[list[str], Keyboard]:
    """The whole pledge with 提交 / 修改 / 取消."""
    lines = [*card(t, c), "", t._("Please check your pledge, then press Submit.")]
    keyboard = [
        [
            FormAction("submit").button(t.label("Submit")),
            FormAction("edit").button(t.label("Edit")),
            FormAction("cancel").button(t.label("Cancel")),
        ]
    ]
    return lines, keyboard


def edit_keyboard(t: Translator) -> Keyboard:
    steps: tuple[tuple[FormStep, str], ...] = (
        ("post", N_("Identity")),
        ("duties", N_("Duties")),
        ("commitments", N_("Commitments")),
    )
    return [[FormAction(step).button(t.label(label)) for step, label in steps]]


def which_part(t: Translator) -> str:
    return t._("Which part do you want to change?")


def submitted(t: Translator, done: svc.Submitted) -> str:
    """The confirmation: whose pledge, which year, how many commitments, who reviews it."""
    if done.duplicate:
        return t._("Your pledge was already submitted; nothing changed.")
    what = t.n_(
        "✅ Submitted: your pledge for {year}, with {n} commitment.",
        "✅ Submitted: your pledge for {year}, with {n} commitments.",
        len(done.card.commitments),
        year=done.card.year,
    )
    if done.by_committee:
        then = t._(
            "The committee reviews the pledges of secretaries; "
            "you will get a message when it is reviewed. Send /pledge to see it."
        )
    else:
        then = t._(
            "Your branch secretary will review your pledge; "
            "you will get a message when it is reviewed. Send /pledge to see it."
        )
    return f"{what}\n{then}"


def member_view(
    t: Translator, pledge: Pledge, c: svc.Card, notes: Sequence[PledgeNote], *, year: int
) -> tuple[list[str], Keyboard]:
    """/pledge once the pledge is submitted: the card, its state, review, rating and notes."""
    lines = [*card(t, c), "", t._("Status: {status}", status=t._(STATUS_NAMES[pledge.status]))]
    if pledge.year < year:
        lines.append(
            t._(
                "Your pledge for {last} is still open: it can be fixed and submitted until the "
                "end of January. Once it is approved, /pledge starts your pledge for {year}.",
                last=pledge.year,
                year=year,
            )
        )
    if pledge.status == PledgeStatus.returned and pledge.review_comment:
        lines.append(t._("Returned with this comment: {comment}", comment=pledge.review_comment))
        lines.append(t._("Please press Edit, fix your pledge and submit it again."))
    elif pledge.status == PledgeStatus.submitted:
        lines.append(t._("You can still edit it until it is approved."))
    if pledge.published_at is not None:
        lines.append(t._("Published to the branch on {date}.", date=t.date(pledge.published_at)))
    if pledge.rating is not None:
        lines.append(t._("Rating: {rating}", rating=t._(RATING_NAMES[pledge.rating])))
        if pledge.rating_comment:
            lines.append(t._("Comment: {comment}", comment=pledge.rating_comment))
    lines += progress_notes(t, notes)
    if pledge.status == PledgeStatus.approved:
        lines += ["", t._("Add a progress note: /pledge note followed by the text.")]
    keyboard: Keyboard = []
    if pledge.status in (PledgeStatus.submitted, PledgeStatus.returned):
        keyboard = [[FormAction("revise").button(t.label("Edit"))]]
    return lines, keyboard


def me_line(t: Translator, pledge: Pledge | None, year: int) -> str:
    """This year's pledge in /me."""
    if pledge is None:
        return t._("Pledge {year}: not written yet (/pledge)", year=year)
    return t._("Pledge {year}: {status}", year=pledge.year, status=t._(STATUS_NAMES[pledge.status]))


# ---------------------------------------------------------------- 审诺


def review_card(t: Translator, queue: svc.Next) -> tuple[list[str], Keyboard]:
    pledge = queue.pledge
    assert pledge.id is not None
    assert pledge.submitted_at is not None
    lines = [
        *card(t, queue.card),
        "",
        t._(
            "Version {version}, submitted {when}. {n} waiting for review.",
            version=pledge.version,
            when=t.datetime(pledge.submitted_at, "short"),
            n=queue.left,
        ),
    ]
    keyboard = [
        [
            ReviewChoice(pledge.id, pledge.version, "ok").button(t.label("Approve")),
            ReviewChoice(pledge.id, pledge.version, "ret").button(t.label("Return")),
        ]
    ]
    return lines, keyboard


def nothing_to_review(t: Translator) -> str:
    return t._("No pledges are waiting for review.")


def return_prompt(t: Translator, c: svc.Card) -> str:
    return t._(
        "Why are you returning {name}’s pledge? Type a comment; "
        "{name} will receive it. Send /cancel to stop.",
        name=c.name,
    )


def approved(t: Translator, done: svc.Reviewed) -> str:
    """The card edited into its confirmation: whose pledge, which year, who is told."""
    confirmation = t._(
        "✅ Approved: {name}’s pledge for {year}. {name} will get a message.",
        name=done.card.name,
        year=done.card.year,
    )
    return last_part([*card(t, done.card), "", confirmation])


def returned(t: Translator, done: svc.Reviewed) -> str:
    return t._(
        "Returned {name}’s pledge for {year} with your comment: {comment}\n"
        "{name} will get a message, and can fix the pledge and submit it again.",
        name=done.card.name,
        year=done.card.year,
        comment=done.pledge.review_comment or "",
    )


# ---------------------------------------------------------------- coverage and reminders


def coverage_line(t: Translator, cov: svc.Coverage) -> str:
    return t._(
        "<b>{branch}</b> · pledges {year}: {submitted} of {total} submitted; "
        "{approved} approved, {waiting} waiting for review, {returned} returned.",
        branch=cov.branch.name,
        year=cov.year,
        submitted=cov.submitted,
        total=len(cov.people),
        approved=cov.count(PledgeStatus.approved),
        waiting=cov.count(PledgeStatus.submitted),
        returned=cov.count(PledgeStatus.returned),
    )


def coverage(t: Translator, cov: svc.Coverage) -> tuple[list[str], Keyboard]:
    """The secretary's /pledges: who has submitted, with 提醒 for the rest."""
    lines = [coverage_line(t, cov)]
    missing = cov.missing
    keyboard: Keyboard = []
    if missing:
        # Names in short lines, so a branch of hundreds is split between them, never inside one.
        names = ["、".join(m.name for m in missing[i : i + 10]) for i in range(0, len(missing), 10)]
        lines.append(
            t._("Not submitted yet ({n}): {names}", n=len(missing), names=Html(escape_lines(names)))
        )
        keyboard = [[Remind().button(t.label("Remind them"))]]
    else:
        lines.append(t._("Everyone has submitted."))
    lines += [
        "",
        t._("/pledges publish sends the approved pledges to the branch."),
        t._("/pledges rate rates the approved pledges at year end."),
    ]
    keyboard.append(
        [
            command_button(t.label("Publish (公示)"), "pledges", "publish", back="pledges"),
            command_button(t.label("Rate (评诺)"), "pledges", "rate", back="pledges"),
        ]
    )
    return lines, keyboard


def reminded(t: Translator, done: svc.Reminded) -> str:
    """The alert after 提醒 (plain text)."""
    if done.sent == 0:
        return t.label("Everyone on the list was already reminded today.")
    if done.already:
        return t.label(
            "Reminded {n}; {k} were already reminded today.", n=done.sent, k=done.already
        )
    return t.label("Reminded {n}.", n=done.sent)


def overview(t: Translator, rows: Sequence[svc.Coverage]) -> list[str]:
    """The admins' /pledges: coverage and ratings of every branch (the year before is a
    button, `year_buttons`)."""
    if not rows:
        return [t._("No branches yet.")]
    lines = [t._("<b>Pledges {year}</b> by branch", year=rows[0].year)]
    for cov in rows:
        ratings = cov.ratings
        lines += [
            "",
            coverage_line(t, cov),
            t._(
                "Ratings: {counts} · not rated {none}",
                counts=" · ".join(
                    f"{t.label(name)} {ratings[r]}" for r, name in RATING_NAMES.items()
                ),
                none=cov.unrated,
            ),
        ]
    # 评诺 of a year often ends in the next January: the year before is one command away.
    lines += ["", t._("Another year: /pledges {year}", year=rows[0].year - 1)]
    return lines


def year_buttons(t: Translator, year: int, this_year: int) -> Keyboard:
    """Under the admins' /pledges: the year before the one shown, and the one after
    (up to this year)."""
    row = [command_button(t.label("Year {year}", year=year - 1), "pledges", str(year - 1))]
    if year < this_year:
        row.append(command_button(t.label("Year {year}", year=year + 1), "pledges", str(year + 1)))
    return [row]


# ---------------------------------------------------------------- 公示


def publish_preview(t: Translator, found: svc.Publication) -> tuple[str, Keyboard]:
    text = t._(
        "Publication: {n} approved pledges ({new} not published before) will be sent to "
        "the {people} people of {branch}.",
        n=len(found.cards),
        new=found.new,
        people=found.audience,
        branch=found.branch,
    )
    keyboard = [
        [
            PublishChoice("go").button(t.label("Send now")),
            PublishChoice("no").button(t.label("Cancel")),
        ]
    ]
    return text, keyboard


def published(t: Translator, done: svc.Published) -> str:
    return t._(
        "✅ Publication sent: the pledges of {branch} for {year}, {n} pledges to {people} people.",
        branch=done.branch,
        year=done.year,
        n=done.pledges,
        people=done.recipients,
    )


# ---------------------------------------------------------------- 评诺


def rating_name(t: Translator, rating: PledgeRating) -> str:
    return t.label(RATING_NAMES[rating])


def rating_card(t: Translator, nxt: svc.Next) -> tuple[list[str], Keyboard]:
    pledge = nxt.pledge
    assert pledge.id is not None
    lines = [*card(t, nxt.card), *progress_notes(t, nxt.notes), ""]
    lines.append(t._("Rate this pledge ({n} left).", n=nxt.left))
    row = [
        RateChoice(pledge.id, code).button(rating_name(t, rating))
        for code, rating in RATING_CODES.items()
    ]
    return lines, [row[:2], row[2:]]


def rating_prompt(
    t: Translator, pledge_id: int, c: svc.Card, rating: PledgeRating
) -> tuple[str, Keyboard]:
    text = t._(
        "{name}: {rating}. Type a comment for {name}, or press No comment.",
        name=c.name,
        rating=t._(RATING_NAMES[rating]),
    )
    return text, [[RateChoice(pledge_id, "skip").button(t.label("No comment"))]]


def rated(t: Translator, pledge: Pledge, c: svc.Card) -> str:
    """The confirmation: whose pledge, which year, the rating and comment, who is told."""
    assert pledge.rating is not None
    lines = [
        t._(
            "Rated {name}’s pledge for {year}: {rating}.",
            name=c.name,
            year=pledge.year,
            rating=t._(RATING_NAMES[pledge.rating]),
        )
    ]
    if pledge.rating_comment:
        lines.append(t._("Comment: {comment}", comment=pledge.rating_comment))
    lines.append(t._("{name} will get a message.", name=c.name))
    return "\n".join(lines)
