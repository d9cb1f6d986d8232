"""亮身份·亮职责·亮承诺: /pledge for members, /pledges for secretaries and admins."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotApplication, BotContext, CommandSpec, add_commands, add_form, roles
from bot.context import add_me_section as register_me_section
from bot.delivery.message import TEXT_MAX_CHARS, Keyboard, OutgoingMessage, split_text
from bot.i18n import N_, Html, Translator, escape
from bot.models import FormState, Member, Pledge, PledgeRating, PledgeStatus, Role
from bot.services import forms
from bot.services import pledges as svc
from bot.services.errors import Refused
from handlers.common import (
    Actor,
    answer,
    button,
    callback_parts,
    command_args,
    edit_pressed,
    load_actor,
    not_allowed,
    parse_id,
    refuse,
    reply,
    send_to,
    set_pressed_buttons,
    stale_button,
    translator_for,
)

log = logging.getLogger(__name__)

COMMANDS = (
    CommandSpec(
        "pledge",
        N_("your yearly pledge: identity, duties, commitments; progress notes"),
        roles(Role.member, Role.secretary),
    ),
    CommandSpec(
        "pledges",
        N_("pledges: review and coverage; /pledges publish, /pledges rate"),
        roles(Role.secretary, Role.admin),
    ),
)

FORM = "pledge"
RETURN_FORM = "pledge_return"
RATE_FORM = "pledge_rate"

STATUS_NAMES = {
    PledgeStatus.draft: N_("draft, not submitted yet"),
    PledgeStatus.submitted: N_("waiting for review"),
    PledgeStatus.approved: N_("approved"),
    PledgeStatus.returned: N_("returned for changes"),
}

RATING_NAMES = {
    PledgeRating.excellent: N_("Excellent"),
    PledgeRating.satisfactory: N_("Satisfactory"),
    PledgeRating.basic: N_("Basically satisfactory"),
    PledgeRating.unsatisfactory: N_("Unsatisfactory"),
}
# One letter per rating keeps callback data short.
RATING_CODES = {"e": PledgeRating.excellent, "s": PledgeRating.satisfactory}
RATING_CODES |= {"b": PledgeRating.basic, "u": PledgeRating.unsatisfactory}
CODE_OF = {rating: code for code, rating in RATING_CODES.items()}

# Raw characters per line of a long text, so that even fully escaped ("&" → "&amp;") a
# line stays far below Telegram's limit and a split never cuts through an entity.
WRAP = 700


REFUSALS = {
    "not_allowed": N_("Sorry, this is not available to you. Send /help to see what you can do."),
    "no_branch": N_("You are not in a branch."),
    "post_empty": N_("Please type the post you hold in your social organisation."),
    "post_too_long": N_(
        "That is {length} characters; the post can have at most {limit}. Please type a shorter one."
    ),
    "post_multiline": N_("Please type the post on one line."),
    "duties_empty": N_("Please type your duties; this part cannot be empty."),
    "duties_too_long": N_(
        "That is {length} characters; the duties can have at most {limit}. "
        "Please shorten them and send again."
    ),
    "commitments_empty": N_("Please type at least one commitment (one per line, at most {limit})."),
    "commitments_too_many": N_(
        "That is {count} commitments; at most {limit} are allowed. "
        "Please keep the most important ones and send them again."
    ),
    "commitment_too_long": N_(
        "Commitment {number} has {length} characters; each can have at most {limit}. "
        "Please shorten it and send all commitments again."
    ),
    "commitments_invalid": N_("Please type your commitments again, one per line."),
    "comment_empty": N_("Please type a comment; the member will read it."),
    "comment_too_long": N_(
        "That is {length} characters; a comment can have at most {limit}. "
        "Please type a shorter one."
    ),
    "note_empty": N_("Please write the note after the command: /pledge note followed by the text."),
    "note_too_long": N_(
        "That is {length} characters; a note can have at most {limit}. Please write a shorter one."
    ),
    "no_pledge": N_("You have not submitted a pledge this year. Send /pledge to write it."),
    "note_not_approved": N_(
        "Progress notes can be added once your pledge is approved by the branch."
    ),
    "already_approved": N_("This pledge is already approved; nothing was changed."),
    "already_returned": N_("This pledge was already returned; nothing was changed."),
    "pledge_unknown": N_("This pledge does not exist."),
    "other_branch": N_("This pledge belongs to another branch; you cannot review it."),
    "pledge_changed": N_(
        "The member changed this pledge since. Send /pledges to see the new version."
    ),
    "not_pending": N_("This pledge is not waiting for review."),
    "own_pledge": N_(
        "You cannot review your own pledge; the committee reviews the pledges of secretaries. "
        "Nothing was changed."
    ),
    "committee_reviews": N_(
        "The pledges of secretaries are reviewed by the committee, not in the branch. "
        "Nothing was changed."
    ),
    "branch_reviews": N_(
        "This member's pledge is reviewed by their branch secretary; the committee reviews "
        "only the pledges of secretaries. Nothing was changed."
    ),
    "rate_not_approved": N_("Only approved pledges can be rated."),
    "nobody_missing": N_("Everyone in the branch has submitted a pledge this year."),
    "nothing_to_publish": N_("There are no approved pledges to publish yet."),
    "already_published": N_(
        "These pledges were already published; nothing new to send. "
        "Approve more pledges, then publish again."
    ),
}


def refusal_text(t: Translator, exc: Refused) -> str:
    """The words for each pledge refusal."""
    return t._(REFUSALS.get(exc.code, N_("Sorry, that could not be done.")), **exc.params)


async def _refused(update: Update, context: BotContext, actor: Actor, exc: Refused) -> None:
    await refuse(update, context, actor, refusal_text(actor.t, exc))


def wrap(text: str, width: int = WRAP) -> list[str]:
    """The person's lines, long ones cut into pieces of at most `width` characters."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        out.extend(line[i : i + width] for i in range(0, max(len(line), 1), width))
    return out


def card(
    t: Translator,
    *,
    name: str,
    branch: str,
    year: int,
    post: str,
    duties: str,
    commitments: Sequence[str],
) -> list[str]:
    """The pledge as lines of HTML: every piece of user text escaped, markup within lines."""
    lines = [
        t._("<b>{name}</b> · pledge {year}", name=name, year=year),
        t._(
            "<b>Identity</b>: party member, {branch}; post in the social organisation: {post}",
            branch=branch,
            post=post,
        ),
        t._("<b>Duties</b>:"),
        *(escape(line) for line in wrap(duties)),
        t._("<b>Commitments</b>:"),
    ]
    lines += [f"{i}. {escape(c)}" for i, c in enumerate(commitments, start=1)]
    return lines


async def pledge_card(
    s: AsyncSession, t: Translator, pledge: Pledge, *, member: Member | None = None
) -> list[str]:
    member = member or await svc.member_of(s, pledge)
    return card(
        t,
        name=member.name,
        branch=await svc.branch_name(s, member),
        year=pledge.year,
        post=pledge.post,
        duties=pledge.duties,
        commitments=pledge.commitments,
    )


async def notify(context: BotContext, member: Member, text: str) -> None:
    """Tell one member about their pledge; a blocked chat must not undo the review."""
    try:
        await send_to(context, member.telegram_user_id, text)
    except (Forbidden, BadRequest) as exc:
        log.info("pledge notice not delivered to a member: %s", exc.message)


# ---------------------------------------------------------------- member: the form


def _question(t: Translator, step: str, branch: str) -> str:
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


PREVIEW_BUTTONS = ((N_("Submit"), "submit"), (N_("Edit"), "edit"), (N_("Cancel"), "cancel"))


async def _preview(
    update: Update, context: BotContext, s: AsyncSession, actor: Actor, state: FormState
) -> None:
    """Show the whole pledge with 提交 / 修改 / 取消; keeps a first pledge as a draft."""
    t, member = actor.t, actor.member
    assert member is not None
    d = state.data
    now = context.clock.now()
    await svc.save_draft(
        s,
        member=member,
        post=d["post"],
        duties=d["duties"],
        commitments=d["commitments"],
        now=now,
        tz=context.settings.tz,
    )
    await forms.advance(s, state=state, step="preview", now=now)
    await s.commit()
    pledge = await svc.current(s, member=member, now=now, tz=context.settings.tz)
    lines = card(
        t,
        name=member.name,
        branch=await svc.branch_name(s, member),
        year=pledge.year if pledge else svc.pledge_year(now, context.settings.tz),
        post=d["post"],
        duties=d["duties"],
        commitments=d["commitments"],
    )
    lines += ["", t._("Please check your pledge, then press Submit.")]
    keyboard = [[button(t.label(label), "plf", action) for label, action in PREVIEW_BUTTONS]]
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], keyboard)


async def pledge_command(update: Update, context: BotContext) -> None:
    """Member: write the pledge, see it, or add a progress note (/pledge note …)."""
    args = command_args(context)
    now, tz = context.clock.now(), context.settings.tz
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_member:
            await not_allowed(update, context, actor)
            return
        t = actor.t
        if args and args[0].lower() in ("note", "践诺"):
            await _add_note(update, context, s, actor, args[1:])
            return
        pledge = await svc.current(s, member=actor.member, now=now, tz=tz) if actor.member else None
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
        if (
            state is not None
            and state.form == FORM
            and not await _form_still_open(s, actor, now=now, tz=tz)
        ):
            state = None
        if state is not None and state.form == FORM:
            if state.step == "preview":
                await _preview(update, context, s, actor, state)
            else:
                branch = await svc.branch_name(s, actor.member) if actor.member else ""
                await reply(update, context, _question(t, state.step, branch))
            return
        if pledge is None or pledge.status == PledgeStatus.draft:
            try:
                await svc.start_form(s, member=actor.member, now=now, tz=tz)
            except Refused as exc:
                await _refused(update, context, actor, exc)
                return
            if pledge is not None:  # a draft: pick up where the member left it
                state = await forms.start(
                    s,
                    telegram_user_id=actor.telegram_user_id,
                    form=FORM,
                    step="preview",
                    now=now,
                    data={
                        "post": pledge.post,
                        "duties": pledge.duties,
                        "commitments": list(pledge.commitments),
                    },
                )
                await _preview(update, context, s, actor, state)
                return
            await forms.start(
                s, telegram_user_id=actor.telegram_user_id, form=FORM, step="post", now=now
            )
            await s.commit()
            assert actor.member is not None
            branch = await svc.branch_name(s, actor.member)
            await reply(
                update,
                context,
                t._(
                    "Let us write your pledge for {year}: identity, duties, commitments. "
                    "It takes three short answers.",
                    year=svc.pledge_year(now, tz),
                )
                + "\n\n"
                + _question(t, "post", branch),
            )
            return
        lines = await _member_view(s, t, pledge, actor.member, year=svc.pledge_year(now, tz))
        buttons: Keyboard = []
        if pledge.status in (PledgeStatus.submitted, PledgeStatus.returned):
            buttons = [[button(t.label("Edit"), "plf", "revise")]]
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], buttons)


async def _form_still_open(s: AsyncSession, actor: Actor, *, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the open pledge form may still be submitted; a form that may not is closed."""
    try:
        await svc.start_form(s, member=actor.member, now=now, tz=tz)
    except Refused:
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
        return False
    return True


async def _member_view(
    s: AsyncSession, t: Translator, pledge: Pledge, member: Member | None, *, year: int
) -> list[str]:
    lines = await pledge_card(s, t, pledge, member=member)
    lines += ["", t._("Status: {status}", status=t._(STATUS_NAMES[pledge.status]))]
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
    notes = await svc.notes(s, pledge=pledge)
    if notes:
        lines += ["", t._("<b>Progress notes</b>")]
        lines += [
            t._("{date}: {text}", date=t.date(n.noted_on), text=Html(escape_wrapped(n.text)))
            for n in notes
        ]
    if pledge.status == PledgeStatus.approved:
        lines += ["", t._("Add a progress note: /pledge note followed by the text.")]
    return lines


def escape_wrapped(text: str) -> str:
    return escape_lines(wrap(text))


def escape_lines(lines: Sequence[str]) -> str:
    return "\n".join(escape(line) for line in lines)


async def _add_note(
    update: Update, context: BotContext, s: AsyncSession, actor: Actor, words: list[str]
) -> None:
    message = update.effective_message
    assert message is not None
    # The note as typed (line breaks kept), after the "/pledge note" words.
    pieces = (message.text or "").split(maxsplit=2)
    body = pieces[2] if len(pieces) > 2 else ""
    try:
        note, added = await svc.add_note(
            s, member=actor.member, text=body, now=context.clock.now(), tz=context.settings.tz
        )
    except Refused as exc:
        await _refused(update, context, actor, exc)
        return
    await s.commit()
    t = actor.t
    if not added:
        await reply(update, context, t._("This note was already recorded today."))
        return
    await reply(
        update, context, t._("Progress note recorded for {date}.", date=t.date(note.noted_on))
    )


async def form_text(update: Update, context: BotContext, state: FormState) -> None:
    """The member typed an answer while writing the pledge."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id) or state
        if not actor.is_member or state.form != FORM:
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await not_allowed(update, context, actor)
            return
        t = actor.t
        try:
            await svc.start_form(s, member=actor.member, now=now, tz=context.settings.tz)
        except Refused as exc:
            # Approved while the member was editing: what they type now cannot change it.
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await reply(update, context, refusal_text(t, exc))
            return
        if state.step == "preview":
            await reply(update, context, t._("Please use the buttons under your pledge."))
            await _preview(update, context, s, actor, state)
            return
        try:
            if state.step == "post":
                value: object = svc.validate_post(text)
            elif state.step == "duties":
                value = svc.validate_duties(text)
            else:
                value = svc.parse_commitments(text)
        except Refused as exc:
            await reply(update, context, refusal_text(t, exc))
            return
        data = {state.step: value}
        order = ("post", "duties", "commitments")
        following = order[order.index(state.step) + 1] if state.step != "commitments" else None
        if state.data.get("back") == "preview" or following is None:
            await forms.advance(s, state=state, step="preview", now=now, **data)
            await _preview(update, context, s, actor, state)
            return
        await forms.advance(s, state=state, step=following, now=now, **data)
        await s.commit()
        assert actor.member is not None
        branch = await svc.branch_name(s, actor.member)
    await reply(update, context, _question(t, following, branch))


async def form_button(update: Update, context: BotContext) -> None:
    """提交 / 修改 / 取消 under the preview, and 修改 on a submitted pledge."""
    parts = callback_parts(update, "plf", 1)
    now, tz = context.clock.now(), context.settings.tz
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        if parts is None:
            await stale_button(update, actor)
            return
        action = parts[0]
        if not actor.is_member:
            await not_allowed(update, context, actor)
            return
        if action == "revise":
            try:
                pledge = await svc.start_form(s, member=actor.member, now=now, tz=tz)
            except Refused as exc:
                await _refused(update, context, actor, exc)
                return
            if pledge is None:
                await stale_button(update, actor)
                return
            await forms.start(
                s,
                telegram_user_id=actor.telegram_user_id,
                form=FORM,
                step="preview",
                now=now,
                data={
                    "post": pledge.post,
                    "duties": pledge.duties,
                    "commitments": list(pledge.commitments),
                },
            )
            await s.commit()
            await answer(update)
            await reply(
                update, context, t._("Which part do you want to change?"), _edit_keyboard(t)
            )
            return
        state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
        if state is None or state.form != FORM or state.step != "preview":
            if action == "submit" and actor.member is not None:
                pledge = await svc.current(s, member=actor.member, now=now, tz=tz)
                if pledge is not None and pledge.status != PledgeStatus.draft:
                    await answer(update, t.label("Your pledge was already submitted."), alert=True)
                    return
            await stale_button(update, actor)
            return
        if action == "cancel":
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await answer(update)
            await edit_pressed(
                update,
                context,
                t._("Cancelled. Send /pledge when you want to continue; nothing was submitted."),
            )
            return
        if action == "edit":
            await answer(update)
            await reply(
                update, context, t._("Which part do you want to change?"), _edit_keyboard(t)
            )
            return
        if action in ("post", "duties", "commitments"):
            await forms.advance(s, state=state, step=action, now=now, back="preview")
            await s.commit()
            assert actor.member is not None
            branch = await svc.branch_name(s, actor.member)
            await answer(update)
            await edit_pressed(update, context, _question(t, action, branch))
            return
        if action != "submit":
            await stale_button(update, actor)
            return
        d = state.data
        try:
            result = await svc.submit(
                s,
                member=actor.member,
                post=d.get("post", ""),
                duties=d.get("duties", ""),
                commitments=d.get("commitments", []),
                now=now,
                tz=tz,
                compose=lambda secretary, pledge: _heads_up(context, secretary, actor),
            )
        except Refused as exc:
            if exc.code == "already_approved":
                # The form can never be submitted now; /pledge shows what was approved.
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            await _refused(update, context, actor, exc)
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
    context.outbox.wake()
    await answer(update)
    # The preview loses its buttons, so it cannot be submitted twice by mistake.
    await set_pressed_buttons(update, context, [])
    if result.duplicate:
        await reply(update, context, t._("Your pledge was already submitted; nothing changed."))
        return
    if actor.is_secretary:
        text = t._(
            "Submitted. The committee reviews the pledges of secretaries; "
            "you will get a message when it is reviewed. Send /pledge to see it."
        )
    else:
        text = t._(
            "Submitted. Your branch secretary will review your pledge; "
            "you will get a message when it is reviewed. Send /pledge to see it."
        )
    await reply(update, context, text)


def _edit_keyboard(t: Translator) -> Keyboard:
    return [
        [
            button(t.label("Identity"), "plf", "post"),
            button(t.label("Duties"), "plf", "duties"),
            button(t.label("Commitments"), "plf", "commitments"),
        ]
    ]


def _heads_up(context: BotContext, secretary: Member, actor: Actor) -> OutgoingMessage:
    t = translator_for(context, secretary)
    assert actor.member is not None
    return OutgoingMessage(
        t._(
            "{name} submitted a pledge for review. Send /pledges to review it.",
            name=actor.member.name,
        )
    )


async def me_section(s: AsyncSession, context: BotContext, actor: Actor) -> str | None:
    """This year's pledge status in /me."""
    if not actor.is_member or actor.member is None:
        return None
    now, tz = context.clock.now(), context.settings.tz
    pledge = await svc.current(s, member=actor.member, now=now, tz=tz)
    t = actor.t
    if pledge is None:
        return t._("Pledge {year}: not written yet (/pledge)", year=svc.pledge_year(now, tz))
    return t._("Pledge {year}: {status}", year=pledge.year, status=t._(STATUS_NAMES[pledge.status]))


# ---------------------------------------------------------------- secretary: review


def _review_keyboard(t: Translator, pledge: Pledge) -> Keyboard:
    return [
        [
            button(t.label("Approve"), "plv", pledge.id, pledge.version, "ok"),
            button(t.label("Return"), "plv", pledge.id, pledge.version, "ret"),
        ]
    ]


async def _send_next_review(
    update: Update, context: BotContext, s: AsyncSession, actor: Actor, *, quiet: bool = False
) -> None:
    """The oldest pledge in the reviewer's queue; `quiet` says nothing when it is empty."""
    t = actor.t
    waiting = await svc.pending(
        s, actor=actor.member, now=context.clock.now(), tz=context.settings.tz
    )
    if not waiting:
        if not quiet:
            await reply(update, context, t._("No pledges are waiting for review."))
        return
    pledge = waiting[0]
    lines = await pledge_card(s, t, pledge)
    assert pledge.submitted_at is not None
    lines += [
        "",
        t._(
            "Version {version}, submitted {when}. {n} waiting for review.",
            version=pledge.version,
            when=t.datetime(pledge.submitted_at, "short"),
            n=len(waiting),
        ),
    ]
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], _review_keyboard(t, pledge))


async def pledges_command(update: Update, context: BotContext) -> None:
    """Secretary: coverage and the next review (/pledges publish, /pledges rate); admin:
    overview and the next secretary's pledge to review."""
    args = [a.lower() for a in command_args(context)]
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if actor.is_admin:
            year = int(args[0]) if args and args[0].isdigit() and len(args[0]) == 4 else None
            await _admin_overview(update, context, s, actor, year)
            if year is None:
                await _send_next_review(update, context, s, actor, quiet=True)
            return
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        if args and args[0] in ("publish", "公示"):
            await _publish_preview(update, context, s, actor)
            return
        if args and args[0] in ("rate", "评诺"):
            await _send_next_rating(update, context, s, actor)
            return
        if args:
            await reply(
                update,
                context,
                actor.t._("Use /pledges, /pledges publish or /pledges rate."),
            )
            return
        await _coverage(update, context, s, actor)
        await _send_next_review(update, context, s, actor)


async def _coverage(update: Update, context: BotContext, s: AsyncSession, actor: Actor) -> None:
    t = actor.t
    try:
        cov = await svc.coverage(
            s, actor=actor.member, now=context.clock.now(), tz=context.settings.tz
        )
    except Refused as exc:
        await _refused(update, context, actor, exc)
        return
    lines = [_coverage_line(t, cov)]
    missing = cov.missing
    buttons: Keyboard = []
    if missing:
        # Names in short lines, so a branch of hundreds is split between them, never inside one.
        names = ["、".join(m.name for m in missing[i : i + 10]) for i in range(0, len(missing), 10)]
        lines.append(
            t._("Not submitted yet ({n}): {names}", n=len(missing), names=Html(escape_lines(names)))
        )
        buttons = [[button(t.label("Remind them"), "plc", "remind")]]
    else:
        lines.append(t._("Everyone has submitted."))
    lines += [
        "",
        t._("/pledges publish sends the approved pledges to the branch."),
        t._("/pledges rate rates the approved pledges at year end."),
    ]
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], buttons)


def _coverage_line(t: Translator, cov: svc.Coverage) -> str:
    total = len(cov.people)
    submitted = total - len(cov.missing)
    return t._(
        "<b>{branch}</b> · pledges {year}: {submitted} of {total} submitted; "
        "{approved} approved, {waiting} waiting for review, {returned} returned.",
        branch=cov.branch.name,
        year=cov.year,
        submitted=submitted,
        total=total,
        approved=cov.count(PledgeStatus.approved),
        waiting=cov.count(PledgeStatus.submitted),
        returned=cov.count(PledgeStatus.returned),
    )


async def review_button(update: Update, context: BotContext) -> None:
    """通过 / 退回 under a pledge waiting for review."""
    parts = callback_parts(update, "plv", 3)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        pledge_id = parse_id(parts[0]) if parts else None
        version = parse_id(parts[1]) if parts else None
        if parts is None or pledge_id is None or version is None or parts[2] not in ("ok", "ret"):
            await stale_button(update, actor)
            return
        if not (actor.is_secretary or actor.is_admin):
            await not_allowed(update, context, actor)
            return
        if parts[2] == "ret":
            try:
                pledge = await svc.check_reviewable(
                    s, actor=actor.member, pledge_id=pledge_id, version=version
                )
            except Refused as exc:
                await _refused(update, context, actor, exc)
                return
            await forms.start(
                s,
                telegram_user_id=actor.telegram_user_id,
                form=RETURN_FORM,
                step="comment",
                now=now,
                data={"pledge_id": pledge_id, "version": version},
            )
            await s.commit()
            member = await svc.member_of(s, pledge)
            await answer(update)
            await reply(
                update,
                context,
                t._(
                    "Why are you returning {name}’s pledge? Type a comment; "
                    "{name} will receive it. Send /cancel to stop.",
                    name=member.name,
                ),
            )
            return
        try:
            pledge = await svc.approve(
                s, actor=actor.member, pledge_id=pledge_id, version=version, now=now
            )
        except Refused as exc:
            await _refused(update, context, actor, exc)
            return
        await s.commit()
        member = await svc.member_of(s, pledge)
        lines = await pledge_card(s, t, pledge, member=member)
        mt = translator_for(context, member)
        if actor.is_admin:
            member_text = mt._(
                "Your pledge for {year} was approved by the committee. Send /pledge to see "
                "it; add progress notes with /pledge note followed by the text.",
                year=pledge.year,
            )
        else:
            member_text = mt._(
                "Your pledge for {year} was approved by the branch. "
                "Send /pledge to see it; add progress notes with /pledge note followed by the text.",
                year=pledge.year,
            )
        await answer(update, t.label("Approved."))
        await edit_pressed(update, context, _last_part([*lines, "", t._("✅ Approved.")]))
        await notify(context, member, member_text)
        await _send_next_review(update, context, s, actor)


def _last_part(lines: list[str]) -> str:
    return split_text("\n".join(lines))[-1]


async def return_text(update: Update, context: BotContext, state: FormState) -> None:
    """The secretary typed the comment for returning a pledge."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        pledge_id = state.data.get("pledge_id")
        version = state.data.get("version")
        reviewer = actor.is_secretary or actor.is_admin
        if not reviewer or not isinstance(pledge_id, int) or not isinstance(version, int):
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await not_allowed(update, context, actor)
            return
        try:
            pledge = await svc.return_pledge(
                s,
                actor=actor.member,
                pledge_id=pledge_id,
                version=version,
                comment=text,
                now=context.clock.now(),
            )
        except Refused as exc:
            if exc.code not in ("comment_empty", "comment_too_long"):
                # The pledge moved on; asking again would not help.
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            await reply(update, context, refusal_text(t, exc))
            return
        await forms.clear(s, telegram_user_id=actor.telegram_user_id)
        await s.commit()
        member = await svc.member_of(s, pledge)
        mt = translator_for(context, member)
        await reply(update, context, t._("Returned to {name} with your comment.", name=member.name))
        if actor.is_admin:
            member_text = mt._(
                "Your pledge for {year} was returned by the committee with this comment:\n"
                "{comment}\n\nSend /pledge, press Edit, fix it and submit it again.",
                year=pledge.year,
                comment=pledge.review_comment or "",
            )
        else:
            member_text = mt._(
                "Your pledge for {year} was returned by the branch secretary with this comment:\n"
                "{comment}\n\nSend /pledge, press Edit, fix it and submit it again.",
                year=pledge.year,
                comment=pledge.review_comment or "",
            )
        await notify(context, member, member_text)
        await _send_next_review(update, context, s, actor)


async def remind_button(update: Update, context: BotContext) -> None:
    """Remind everyone who has not submitted (each at most once a day)."""
    parts = callback_parts(update, "plc", 1)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        if parts is None or parts[0] != "remind":
            await stale_button(update, actor)
            return
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        year = svc.pledge_year(now, context.settings.tz)
        try:
            result = await svc.remind_missing(
                s,
                actor=actor.member,
                now=now,
                tz=context.settings.tz,
                compose=lambda m: _reminder(context, m, year),
            )
        except Refused as exc:
            await _refused(update, context, actor, exc)
            return
        await s.commit()
    context.outbox.wake()
    if result.sent == 0:
        text = t.label("Everyone on the list was already reminded today.")
    elif result.already:
        text = t.label(
            "Reminded {n}; {k} were already reminded today.", n=result.sent, k=result.already
        )
    else:
        text = t.label("Reminded {n}.", n=result.sent)
    await answer(update, text, alert=True)


def _reminder(context: BotContext, member: Member, year: int) -> OutgoingMessage:
    t = translator_for(context, member)
    return OutgoingMessage(
        t._(
            "A reminder from your branch: please write your pledge for {year} "
            "(identity, duties, commitments). Send /pledge to start.",
            year=year,
        )
    )


# ---------------------------------------------------------------- secretary: 公示


async def _publish_preview(
    update: Update, context: BotContext, s: AsyncSession, actor: Actor
) -> None:
    t = actor.t
    try:
        cov, public, new = await svc.approved_for_publishing(
            s, actor=actor.member, now=context.clock.now(), tz=context.settings.tz
        )
    except Refused as exc:
        await _refused(update, context, actor, exc)
        return
    if not public:
        await reply(update, context, refusal_text(t, Refused("nothing_to_publish")))
        return
    if new == 0:
        await reply(update, context, refusal_text(t, Refused("already_published")))
        return
    await reply(
        update,
        context,
        t._(
            "Publication: {n} approved pledges ({new} not published before) will be sent to "
            "the {people} people of {branch}.",
            n=len(public),
            new=new,
            people=len(cov.people),
            branch=cov.branch.name,
        ),
        [[button(t.label("Send now"), "plp", "go"), button(t.label("Cancel"), "plp", "no")]],
    )


def publication(
    t: Translator, branch: str, year: int, pledges: Sequence[svc.PublicPledge]
) -> list[str]:
    """The 公示 message in one person's language, split to fit Telegram's limit."""
    lines: list[str] = []
    for p in pledges:
        lines += [
            "",
            *card(
                t,
                name=p.name,
                branch=branch,
                year=year,
                post=p.post,
                duties=p.duties,
                commitments=p.commitments,
            ),
        ]
    head = t._("<b>Publication: pledges of {branch}, {year}</b>", branch=branch, year=year)
    room = TEXT_MAX_CHARS - len(head) - 20
    bodies = split_text("\n".join(lines).strip("\n"), room)
    if len(bodies) == 1:
        return [f"{head}\n\n{bodies[0]}"]
    return [f"{head} ({i}/{len(bodies)})\n\n{b}" for i, b in enumerate(bodies, start=1)]


async def publish_button(update: Update, context: BotContext) -> None:
    """确认发送 / 取消 under the 公示 preview."""
    parts = callback_parts(update, "plp", 1)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        if parts is None or parts[0] not in ("go", "no"):
            await stale_button(update, actor)
            return
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        if parts[0] == "no":
            await answer(update)
            await edit_pressed(update, context, t._("Cancelled; nothing was sent."))
            return
        assert actor.member is not None
        branch = await svc.branch_name(s, actor.member)
        year = svc.pledge_year(now, context.settings.tz)
        # The same words for everyone who reads the language: written once per language,
        # since a branch of hundreds would otherwise hold the bot up for seconds.
        written: dict[str, list[OutgoingMessage]] = {}

        def compose(m: Member, public: list[svc.PublicPledge]) -> list[OutgoingMessage]:
            mt = translator_for(context, m)
            if mt.locale not in written:
                written[mt.locale] = [
                    OutgoingMessage(text) for text in publication(mt, branch, year, public)
                ]
            return written[mt.locale]

        try:
            result = await svc.publish(
                s, actor=actor.member, now=now, tz=context.settings.tz, compose=compose
            )
        except Refused as exc:
            await _refused(update, context, actor, exc)
            return
        await s.commit()
    context.outbox.wake()
    await answer(update)
    await edit_pressed(
        update,
        context,
        t._(
            "Publication sent: {n} pledges to {people} people.",
            n=result.pledges,
            people=result.recipients,
        ),
    )


# ---------------------------------------------------------------- secretary: 评诺


def _rating_keyboard(t: Translator, pledge: Pledge) -> Keyboard:
    row = [
        button(t.label(RATING_NAMES[rating]), "plr", pledge.id, code)
        for code, rating in RATING_CODES.items()
    ]
    return [row[:2], row[2:]]


async def _send_next_rating(
    update: Update, context: BotContext, s: AsyncSession, actor: Actor
) -> None:
    t = actor.t
    try:
        left = await svc.rateable(
            s, actor=actor.member, now=context.clock.now(), tz=context.settings.tz
        )
    except Refused as exc:
        await _refused(update, context, actor, exc)
        return
    if not left:
        await reply(update, context, t._("Every approved pledge of this year is rated."))
        return
    pledge = left[0]
    lines = await pledge_card(s, t, pledge)
    notes = await svc.notes(s, pledge=pledge)
    if notes:
        lines += ["", t._("<b>Progress notes</b>")]
        lines += [
            t._("{date}: {text}", date=t.date(n.noted_on), text=Html(escape_wrapped(n.text)))
            for n in notes
        ]
    lines += ["", t._("Rate this pledge ({n} left).", n=len(left))]
    parts = split_text("\n".join(lines))
    for part in parts[:-1]:
        await reply(update, context, part)
    await reply(update, context, parts[-1], _rating_keyboard(t, pledge))


async def rate_button(update: Update, context: BotContext) -> None:
    """A rating pressed (then a comment is asked), or 不写评语 to rate without one."""
    parts = callback_parts(update, "plr", 2)
    now = context.clock.now()
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        t = actor.t
        pledge_id = parse_id(parts[0]) if parts else None
        if parts is None or pledge_id is None or parts[1] not in (*RATING_CODES, "skip"):
            await stale_button(update, actor)
            return
        if not actor.is_secretary:
            await not_allowed(update, context, actor)
            return
        try:
            pledge = await svc.check_rateable(s, actor=actor.member, pledge_id=pledge_id)
        except Refused as exc:
            await _refused(update, context, actor, exc)
            return
        member = await svc.member_of(s, pledge)
        if parts[1] == "skip":
            state = await forms.current(s, telegram_user_id=actor.telegram_user_id)
            if (
                state is None
                or state.form != RATE_FORM
                or state.data.get("pledge_id") != pledge_id
                or state.data.get("rating") not in RATING_CODES
            ):
                if pledge.rating is not None:
                    await answer(update, t.label("This rating is already recorded."), alert=True)
                else:
                    await stale_button(update, actor)
                return
            await answer(update)
            await _finish_rating(
                update, context, s, actor, pledge, RATING_CODES[state.data["rating"]], None
            )
            return
        if pledge.rating is not None:
            # Like 通过 pressed twice: a rating, once recorded, is not changed by an old card.
            await answer(
                update,
                t.label(
                    "This pledge is already rated: {rating}; nothing was changed.",
                    rating=t.label(RATING_NAMES[pledge.rating]),
                ),
                alert=True,
            )
            return
        rating = RATING_CODES[parts[1]]
        await forms.start(
            s,
            telegram_user_id=actor.telegram_user_id,
            form=RATE_FORM,
            step="comment",
            now=now,
            data={"pledge_id": pledge_id, "rating": parts[1]},
        )
        await s.commit()
        await answer(update)
        await reply(
            update,
            context,
            t._(
                "{name}: {rating}. Type a comment for {name}, or press No comment.",
                name=member.name,
                rating=t._(RATING_NAMES[rating]),
            ),
            [[button(t.label("No comment"), "plr", pledge_id, "skip")]],
        )


async def rate_text(update: Update, context: BotContext, state: FormState) -> None:
    """The secretary typed the comment that goes with a rating."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        pledge_id = state.data.get("pledge_id")
        code = state.data.get("rating")
        if not actor.is_secretary or not isinstance(pledge_id, int) or code not in RATING_CODES:
            await forms.clear(s, telegram_user_id=actor.telegram_user_id)
            await s.commit()
            await not_allowed(update, context, actor)
            return
        try:
            svc.validate_comment(text, required=False)
            pledge = await svc.check_rateable(s, actor=actor.member, pledge_id=pledge_id)
        except Refused as exc:
            if exc.code != "comment_too_long":
                await forms.clear(s, telegram_user_id=actor.telegram_user_id)
                await s.commit()
            await reply(update, context, refusal_text(actor.t, exc))
            return
        await _finish_rating(update, context, s, actor, pledge, RATING_CODES[code], text)


async def _finish_rating(
    update: Update,
    context: BotContext,
    s: AsyncSession,
    actor: Actor,
    pledge: Pledge,
    rating: PledgeRating,
    comment: str | None,
) -> None:
    t = actor.t
    assert pledge.id is not None
    try:
        pledge, changed = await svc.rate(
            s,
            actor=actor.member,
            pledge_id=pledge.id,
            rating=rating,
            comment=comment,
            now=context.clock.now(),
        )
    except Refused as exc:
        await _refused(update, context, actor, exc)
        return
    await forms.clear(s, telegram_user_id=actor.telegram_user_id)
    await s.commit()
    member = await svc.member_of(s, pledge)
    if not changed:
        await reply(update, context, t._("This rating is already recorded."))
    else:
        await reply(
            update,
            context,
            t._("Rated {name}: {rating}.", name=member.name, rating=t._(RATING_NAMES[rating])),
        )
        mt = translator_for(context, member)
        text = mt._(
            "Your pledge for {year} was rated: {rating}.",
            year=pledge.year,
            rating=mt._(RATING_NAMES[rating]),
        )
        if pledge.rating_comment:
            text += "\n" + mt._("Comment: {comment}", comment=pledge.rating_comment)
        await notify(context, member, text)
    await _send_next_rating(update, context, s, actor)


# ---------------------------------------------------------------- admin


async def _admin_overview(
    update: Update, context: BotContext, s: AsyncSession, actor: Actor, year: int | None
) -> None:
    t = actor.t
    rows = await svc.overview(
        s, actor=actor.member, now=context.clock.now(), tz=context.settings.tz, year=year
    )
    if not rows:
        await reply(update, context, t._("No branches yet."))
        return
    lines = [t._("<b>Pledges {year}</b> by branch", year=rows[0].year)]
    for cov in rows:
        ratings = cov.ratings
        lines += [
            "",
            _coverage_line(t, cov),
            t._(
                "Ratings: Excellent {e} · Satisfactory {s} · Basically satisfactory {b} · "
                "Unsatisfactory {u} · not rated {none}",
                e=ratings[PledgeRating.excellent],
                s=ratings[PledgeRating.satisfactory],
                b=ratings[PledgeRating.basic],
                u=ratings[PledgeRating.unsatisfactory],
                none=cov.count(PledgeStatus.approved) - sum(ratings.values()),
            ),
        ]
    # 评诺 of a year often ends in the next January: the year before is one command away.
    lines += ["", t._("Another year: /pledges {year}", year=rows[0].year - 1)]
    for part in split_text("\n".join(lines)):
        await reply(update, context, part)


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    add_form(app, FORM, form_text)
    add_form(app, RETURN_FORM, return_text)
    add_form(app, RATE_FORM, rate_text)
    register_me_section(app, me_section)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("pledge", pledge_command, filters=private))
    app.add_handler(CommandHandler("pledges", pledges_command, filters=private))
    app.add_handler(CallbackQueryHandler(form_button, pattern=r"^plf:"))
    app.add_handler(CallbackQueryHandler(review_button, pattern=r"^plv:"))
    app.add_handler(CallbackQueryHandler(remind_button, pattern=r"^plc:"))
    app.add_handler(CallbackQueryHandler(publish_button, pattern=r"^plp:"))
    app.add_handler(CallbackQueryHandler(rate_button, pattern=r"^plr:"))
