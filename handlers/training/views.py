"""教育培训 in the reader's language: 学时 tables, records, previews and the messages out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Translator
from bot.models import Member, RecordState
from bot.services import training as svc
from bot.services.training import format_tenths as h
from bot.services.training import percent
from handlers.common import with_cancel_hint
from handlers.home.buttons import RunCommand
from handlers.home.views import command_button
from handlers.paging import page_of, paged_keyboard
from handlers.shape import Refusals
from handlers.training.buttons import AddStep, Decide, HoursPage, OpenRecord, ShowCertificate

STATES = {
    RecordState.pending: N_("waiting for approval"),
    RecordState.approved: N_("approved"),
    RecordState.returned: N_("returned"),
}
ROLES = {
    svc.TargetRole.member: N_("member"),
    svc.TargetRole.committee: N_("committee member"),
    svc.TargetRole.secretary: N_("secretary"),
}
PAGE = 30
RECORDS_PAGE = 10  # records a page of /training shows

REFUSALS = Refusals(
    {
        "hours_invalid": N_(
            "“{value}” is not a number of hours. Type it like 2 or 1.5 (one decimal at most)."
        ),
        "hours_too_many": N_("At most {limit} hours fit in one record."),
        "title_empty": N_("Please type the title of the training."),
        "title_too_long": N_("The title is {length} characters; at most {limit} fit."),
        "organiser_empty": N_("Please type who organised the training."),
        "organiser_too_long": N_("That is {length} characters; at most {limit} fit."),
        "comment_empty": N_("Please type why you return the record."),
        "comment_too_long": N_("The comment is {length} characters; at most {limit} fit."),
        "bad_date_format": N_("“{text}” is not a date. Type it like 2026-11-20."),
        "bad_date": N_("There is no {text} on the calendar."),
        "date_future": N_("{day} has not come yet. Record training once it has been held."),
        "date_too_old": N_("{day} is too long ago; only this year and last year count."),
        "form_gone": N_("This form is no longer open. Send /training add to start again."),
        "unknown_record": N_("This record does not exist, or it is not yours to see."),
        "own_record": N_("Nobody approves their own record; it goes to someone else."),
        "not_yours_to_decide": N_(
            "This record is not yours to decide: a secretary's records are decided by the "
            "committee's admins."
        ),
        "already_decided": N_("This record has already been decided."),
        "no_certificate": N_("This record has no certificate attached."),
        "target_role_unknown": N_(
            "“{value}” is not a role. Use 党员, 支委 or 书记 (member, committee, secretary)."
        ),
        "unknown_meeting": N_("There is no meeting #{id} in your branch."),
        "not_a_course_kind": N_("Meeting #{id} is not a 党课 or 培训 session."),
        "meeting_cancelled": N_("Meeting #{id} was cancelled."),
        "course_name_empty": N_("Please give the course a name."),
        "course_name_too_long": N_("The name is {length} characters; at most {limit} fit."),
        "course_form_gone": N_("This is no longer open. Send /course to start again."),
        "unknown_branch": N_("There is no branch called “{name}”. /course lists every branch."),
    }
)


def hours_word(t: Translator, tenths: int) -> str:
    return t._("{n} hours", n=h(tenths))


# --- the /training add form -------------------------------------------------------------


def add_prompt(t: Translator) -> str:
    question = t._(
        "Record training you took outside the bot. Your secretary approves it, then its "
        "hours count.\n\nWhat was the training called?"
    )
    return with_cancel_hint(t, question)


def date_prompt(t: Translator) -> str:
    return t._("On which day was it held? Type it like 2026-11-20.")


def hours_prompt(t: Translator) -> str:
    return t._("How many training hours? Type them like 2 or 1.5.")


def organiser_prompt(t: Translator) -> str:
    return t._("Who organised it?")


def file_prompt(t: Translator) -> tuple[str, Keyboard]:
    text = t._(
        "If you have a certificate, send a photo or document of it now. Otherwise press Skip."
    )
    return text, [[AddStep(action="skip").button(t.label("Skip"))]]


def preview(t: Translator, data: Mapping[str, Any]) -> tuple[str, Keyboard]:
    secretary = bool(data.get("secretary_training"))
    lines = [
        t._("Please check the external training record:"),
        "",
        t._("Title: {title}", title=str(data.get("title", ""))),
        t._("Date: {day}", day=str(data.get("held_on", ""))),
        t._("Hours: {hours}", hours=hours_word(t, int(data.get("hours_tenths", 0)))),
        t._("Organiser: {who}", who=str(data.get("organiser", ""))),
        t._("Certificate: {state}", state=t.label("attached") if data.get("file_id") else "—"),
    ]
    if secretary:
        lines.append(t._("✓ Counts as secretary training."))
    lines += ["", t._("Type a new title to change it, or send another certificate.")]
    mark = "☑" if secretary else "☐"
    keyboard: Keyboard = [
        [AddStep(action="secretary").button(f"{mark} " + t.label("Secretary training"))],
        [
            AddStep(action="submit").button(t.label("Submit")),
            AddStep(action="cancel").button(t.label("Cancel")),
        ],
    ]
    return "\n".join(lines), keyboard


def card_text(t: Translator, card: svc.Card) -> str:
    lines = [
        t._("External training record #{id} of {member}", id=card.id, member=card.member_name),
        t._("Title: {title}", title=card.title),
        t._("Date: {day}", day=t.date(card.held_on, "medium")),
        t._("Hours: {hours}", hours=hours_word(t, card.hours_tenths)),
        t._("Organiser: {who}", who=card.organiser),
        t._("State: {state}", state=t.label(STATES[card.state])),
    ]
    if card.secretary_training:
        lines.append(t._("✓ Counts as secretary training."))
    if card.decided_by:
        lines.append(t._("Decided by: {who}", who=card.decided_by))
    if card.comment:
        lines.append(t._("Comment: {comment}", comment=card.comment))
    return "\n".join(lines)


def card_buttons(
    t: Translator, card: svc.Card, *, may_decide: bool, certificate: bool = True
) -> Keyboard:
    rows: Keyboard = []
    if may_decide and card.state == RecordState.pending:
        rows.append(
            [
                Decide(record_id=card.id, action="approve").button(t.label("Approve")),
                Decide(record_id=card.id, action="return").button(t.label("Return")),
            ]
        )
    if certificate and card.has_file:
        rows.append([ShowCertificate(record_id=card.id).button(t.label("Certificate"))])
    return rows


def submitted(t: Translator, outcome: svc.Outcome) -> str:
    c = outcome.card
    return t._(
        "✅ External training record #{id} submitted: {title}, {day}, {hours}. "
        "Sent to {n} person(s) for approval.",
        id=c.id,
        title=c.title,
        day=t.date(c.held_on, "medium"),
        hours=hours_word(t, c.hours_tenths),
        n=outcome.told,
    )


def _record_words(c: svc.Card) -> dict[str, object]:
    """What a message says of a record it names: {id}, {member} and {title}."""
    return {"id": c.id, "member": c.member_name, "title": c.title}


def decided(t: Translator, outcome: svc.Outcome) -> str:
    c = outcome.card
    if c.state == RecordState.approved:
        return t._(
            "✅ Approved record #{id} of {member}: {title}, {hours}; it counts now.",
            hours=hours_word(t, c.hours_tenths),
            **_record_words(c),
        )
    return t._(
        "↩️ Returned record #{id} of {member} ({title}) with your comment: {comment}",
        comment=c.comment or "",
        **_record_words(c),
    )


def comment_prompt(t: Translator, card: svc.Card) -> str:
    return t._(
        "Why do you return record #{id} ({title})? Type a comment for {member}.",
        **_record_words(card),
    )


def _record_line(t: Translator, c: svc.Card, waiting: bool) -> str:
    if waiting:
        return t._("#{id} {member}: {title}", **_record_words(c))
    return t._(
        "#{id} {title} · {hours} · {state}",
        id=c.id,
        title=c.title,
        hours=hours_word(t, c.hours_tenths),
        state=t.label(STATES[c.state]),
    )


def records_list(
    t: Translator, found: svc.Records, number: int = 0, *, can_add: bool = True
) -> tuple[str, Keyboard]:
    """/training: those waiting for one's decision, then one's own, a page at a time, a
    button each (opening the record), and (for who may) 记录外部培训."""
    items = [(c, True) for c in found.waiting] + [(c, False) for c in found.mine]
    page = page_of(items, number, RECORDS_PAGE)
    lines: list[str] = []
    waiting = [c for c, w in page.items if w]
    if waiting:
        lines += [t._("Waiting for your decision:")]
        lines += [_record_line(t, c, True) for c in waiting]
        lines.append("")
    lines.append(t._("Your external training records:"))
    if not found.mine:
        lines.append(t._("None yet."))
    lines += [_record_line(t, c, False) for c, w in page.items if not w]
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    if can_add:
        lines += ["", t._("Send /training add to record training you took outside.")]

    def item(entry: tuple[svc.Card, bool]) -> Button:
        c = entry[0]
        return OpenRecord(record_id=c.id).button(t.label("Open #{id}", id=c.id))

    keyboard = paged_keyboard(
        page,
        item,
        lambda n: RunCommand(command="training", arg=f"page {n}"),
        columns=2,
        footer=[[command_button(t.label("Record outside training"), "training", "add")]]
        if can_add
        else [],
    )
    return "\n".join(lines), keyboard


# --- /hours ------------------------------------------------------------------------------


def _progress(t: Translator, tally: svc.Tally) -> str:
    return t._(
        "{done} of {target} hours ({percent} %)",
        done=h(tally.total),
        target=h(tally.target),
        percent=percent(tally.total, tally.target),
    )


def own_hours(t: Translator, own: svc.OwnHours) -> str:
    tally = own.tally
    lines = [
        t._("📚 Your training hours in {year}", year=own.year),
        "",
        t._("党课 and 培训 sessions attended: {hours}", hours=hours_word(t, tally.meeting)),
        t._("Study items completed: {hours}", hours=hours_word(t, tally.study)),
        t._("External training (approved): {hours}", hours=hours_word(t, tally.external)),
        "",
        t._(
            "Total: {progress} of your yearly target as {role}.",
            progress=_progress(t, tally),
            role=t.label(ROLES[tally.role]),
        ),
    ]
    if tally.behind:
        lines.append(
            t._("⚠️ Behind: by today {hours} were due.", hours=hours_word(t, tally.expected))
        )
    if own.pending:
        lines.append(t._("{n} external record(s) waiting for approval.", n=own.pending))
    if own.secretary is not None:
        lines.append(secretary_rule_line(t, own.secretary))
    return "\n".join(lines)


def secretary_rule_line(t: Translator, s: svc.SecretaryStatus) -> str:
    if s.trained:
        return t._("✓ Secretary training recorded.")
    return t._(
        "Secretary training needed by {due} (appointed {since}).",
        due=t.date(s.due_on, "medium"),
        since=t.date(s.appointed_on, "medium"),
    )


def branch_hours(t: Translator, found: svc.BranchHours, number: int) -> tuple[str, Keyboard]:
    page = page_of(found.rows, number, PAGE)
    behind = found.behind
    lines = [
        t._("📚 Training hours of {branch} in {year}", branch=found.branch_name, year=found.year),
        t._(
            "{behind} of {n} behind the share of the yearly target due by today.",
            behind=len(behind),
            n=len(found.rows),
        ),
        "",
    ]
    for r in page.items:
        mark = "⚠️ " if r.behind else ""
        lines.append(f"{mark}" + t._("{name}: {progress}", name=r.name, progress=_progress(t, r)))
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    nav = page.nav(lambda n: HoursPage(scope="branch", page=n))
    return "\n".join(lines), [nav] if nav else []


def committee_hours(t: Translator, found: svc.CommitteeHours, number: int) -> tuple[str, Keyboard]:
    page = page_of(found.branches, number, PAGE)
    lines = [t._("📚 Training hours of every branch in {year}", year=found.year), ""]
    for b in page.items:
        i = b.indicator
        lines.append(
            t._(
                "{branch}: {on_track} of {n} on track ({coverage} %), {reached} reached the target",
                branch=b.name,
                on_track=i.on_track,
                n=i.members,
                coverage=i.coverage,
                reached=i.reached,
            )
        )
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    lines.append("")
    if found.overdue:
        lines.append(t._("⚠️ Secretaries past the 6-month training rule:"))
        for s, branch in found.overdue[:50]:
            lines.append(
                t._(
                    "{name} ({branch}), appointed {since}, due {due}",
                    name=s.name,
                    branch=branch,
                    since=t.date(s.appointed_on, "medium"),
                    due=t.date(s.due_on, "medium"),
                )
            )
    else:
        lines.append(t._("Every new secretary has secretary training within 6 months."))
    nav = page.nav(lambda n: HoursPage(scope="committee", page=n))
    return "\n".join(lines), [nav] if nav else []


# --- /targets and /course ----------------------------------------------------------------


def targets(t: Translator, found: svc.Targets, *, changed: bool = False) -> str:
    lines = [t._("✅ Yearly target changed.") if changed else t._("Yearly targets:")]
    for role in svc.TargetRole:
        lines.append(
            t._(
                "{role}: {hours}",
                role=t.label(ROLES[role]),
                hours=hours_word(t, found.of_role(role)),
            )
        )
    lines += [
        "",
        t._(
            "To change one: /targets {syntax}, e.g. /targets 党员 32",
            syntax=t.label("<党员|支委|书记> <hours>"),
        ),
    ]
    return "\n".join(lines)


def course_usage(t: Translator) -> str:
    return t._(
        "Usage: /course {syntax}, e.g. /course 12 书记示范班 书记",
        syntax=t.label("<meeting id> <name> [书记]"),
    )


def course_set(t: Translator, course: svc.Course) -> str:
    text = t._(
        "✅ Meeting #{id} ({when}) is the course “{name}”; attending counts {hours}.",
        id=course.meeting_id,
        when=t.datetime(course.starts_at, "short"),
        name=course.name,
        hours=hours_word(t, course.hours_tenths),
    )
    if course.secretary_training:
        text += "\n" + t._("✓ Counts as secretary training.")
    return text


# --- messages to other people (outbox) ---------------------------------------------------

NEWS = {
    svc.Event.submitted: N_("📚 {member} ({branch}) asks you to approve external training:"),
    svc.Event.approved: N_("✅ Your external training record #{id} was approved by {who}."),
    svc.Event.returned: N_("↩️ Your external training record #{id} was returned by {who}."),
}


def news(t: Translator, recipient: Member, item: svc.News) -> list[OutgoingMessage]:
    card = item.card
    head = t._(
        NEWS[item.event],
        member=card.member_name,
        branch=card.branch_name,
        id=card.id,
        who=card.decided_by or "",
    )
    # The certificate follows as a message of its own, so no button to send it again.
    keyboard = card_buttons(
        t, card, may_decide=item.event == svc.Event.submitted, certificate=False
    )
    messages = [OutgoingMessage(text=head + "\n\n" + card_text(t, card), buttons=keyboard)]
    if item.attachment is not None:
        messages.append(
            OutgoingMessage(
                text=t._("📎 Certificate of record #{id}", id=card.id),
                media_id=item.attachment.media_id,
                media_kind=item.attachment.media_kind,
            )
        )
    return messages


def behind(t: Translator, item: svc.Behind) -> OutgoingMessage:
    tally = item.tally
    return OutgoingMessage(
        text=t._(
            "📚 A reminder: you have {progress} of your training target for {year}. "
            "Courses, study items and approved outside training count. Send /hours for details.",
            progress=_progress(t, tally),
            year=item.year,
        )
    )


def rule_warning(t: Translator, item: svc.RuleWarning) -> OutgoingMessage:
    s = item.status
    return OutgoingMessage(
        text=t._(
            "⚠️ {name} ({branch}) became secretary on {since} and has no secretary training "
            "recorded by {due}. Attend a course marked as secretary training, or record one "
            "with /training add.",
            name=s.name,
            branch=item.branch_name,
            since=t.date(s.appointed_on, "medium"),
            due=t.date(s.due_on, "medium"),
        )
    )
