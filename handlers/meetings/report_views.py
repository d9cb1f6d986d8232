"""三会一课 reports in the reader's language: /meetings, /attendance, the marking list, /me."""

from __future__ import annotations

from dataclasses import asdict

from bot.delivery.message import Button, Keyboard
from bot.i18n import N_, Translator, escape
from bot.models import Attendance, Meeting, MeetingKind, MeetingStatus, Rsvp
from bot.services.meetings.attendance import MeetingReport, Outcome, PeriodReport, Tally
from bot.services.meetings.manage import Counts
from handlers.home.buttons import RunCommand
from handlers.home.views import PERIODS, command_button, period_row
from handlers.meetings.buttons import Mark, MarkOpen, MarkPage, MinutesFile, ReschedulePick
from handlers.meetings.views import kind_name, leave_status, meeting_summary
from handlers.paging import Page, page_of, paged_keyboard

MARK_PAGE = 20  # two buttons a row: 40 buttons a page

OUTCOME_TITLES = (
    (Outcome.present, N_("Present")),
    (Outcome.late, N_("Late")),
    (Outcome.leave, N_("On leave")),
    (Outcome.absent, N_("Absent")),
    (Outcome.attending, N_("Will attend")),
    (Outcome.no_answer, N_("No answer")),
)
MARK_ICONS = {Outcome.present: "✓", Outcome.late: "✓", Outcome.absent: "✗", Outcome.leave: "◇"}


def status_line(t: Translator, a: Attendance) -> str:
    """Where the member stands for one of their meetings."""
    if a.checked_in_at is not None:
        if a.late:
            return t._("You checked in at {time} (late).", time=t.time(a.checked_in_at))
        return t._("You checked in at {time}.", time=t.time(a.checked_in_at))
    if a.rsvp == Rsvp.attend:
        return t._("Your answer: you will attend.")
    if a.rsvp == Rsvp.leave:
        return t._(
            "Your answer: leave requested ({status}).", status=leave_status(t, a.leave_status)
        )
    return t._("You have not answered yet.")


def meeting_line(t: Translator, m: Meeting) -> str:
    line = t._(
        "#{id} {kind} — {when}, {place}",
        id=m.id,
        kind=kind_name(t, m.kind),
        when=t.datetime(m.starts_at, "short"),
        place=m.place or t.label("place not set"),
    )
    if m.status == MeetingStatus.cancelled:
        line += " " + t._("(cancelled)")
    return line


def branch_listing(t: Translator, rows: list[Meeting], counts: dict[int, Counts]) -> list[str]:
    """The secretary's /meetings: each meeting with how its invitees answered."""
    lines = [t._("<b>Meetings</b> (the last 30 days and upcoming)")]
    for m in rows:
        lines.append(meeting_line(t, m))
        lines.append(
            t._(
                "   invited {invited} · attend {attend} · leave {leave} · checked in {checked_in}",
                **asdict(counts[m.id or 0]),
            )
        )
        if m.checkin_code and m.status == MeetingStatus.scheduled:
            lines.append(t._("   check-in code: <b>{code}</b>", code=m.checkin_code))
    if rows:
        hint = t.label("Details: /attendance <id>. Change: /reschedule, /cancelmeeting, /minutes.")
        lines += ["", escape(hint)]
    else:
        lines.append(t._("No meetings."))
    return lines


def member_listing(t: Translator, mine: list[tuple[Meeting, Attendance]]) -> list[str]:
    """A member's /meetings: each meeting with their own answer."""
    lines = [t._("<b>Your meetings</b> (the last 30 days and upcoming)")]
    for m, a in mine:
        lines.append(meeting_line(t, m))
        if m.status == MeetingStatus.scheduled:
            lines.append("   " + status_line(t, a))
    if not mine:
        lines.append(t._("No meetings."))
    return lines


def _pieces(text: str, limit: int = 3000) -> list[str]:
    """The lines of a long text, each cut so that it stays under `limit` once escaped.

    split_text cuts an over-long line anywhere, which can split "&amp;" and make
    Telegram refuse the whole message; cutting before escaping cannot.
    """
    out: list[str] = []
    for line in text.split("\n"):
        piece, size = "", 0
        for ch in line:
            width = len(escape(ch))
            if size + width > limit:
                out.append(piece)
                piece, size = "", 0
            piece, size = piece + ch, size + width
        out.append(piece)
    return out


def _outcome_lines(t: Translator, report: MeetingReport) -> list[str]:
    lines = []
    for key, title in OUTCOME_TITLES:
        rows = report.by(key)
        if not rows:
            continue
        lines.append(t._("<b>{title}</b> ({n}):", title=t.label(title), n=len(rows)))
        for r in rows:
            a, name = r.attendance, r.member.name
            if key in (Outcome.present, Outcome.late) and a.checked_in_at:
                lines.append(t._("• {name} — {time}", name=name, time=t.time(a.checked_in_at)))
            elif key == Outcome.leave:
                reason, status = a.leave_reason or "", leave_status(t, a.leave_status)
                lines.append(
                    t._("• {name} — {reason} ({status})", name=name, reason=reason, status=status)
                )
            else:
                lines.append(t._("• {name}", name=name))
    return lines


def _minutes_lines(t: Translator, m: Meeting) -> list[str]:
    studied = {True: t.label("yes"), False: t.label("no"), None: t.label("not recorded")}
    lines = [t._("First agenda item studied: {answer}", answer=studied[m.first_topic_studied])]
    if m.minutes_filename:
        lines.append(t._("Minutes: document “{name}”", name=m.minutes_filename))
    if m.minutes_text:
        first, *rest = _pieces(m.minutes_text)
        lines.append(t._("Minutes: {text}", text=first))
        lines += [escape(piece) for piece in rest]
    if not m.minutes_filename and not m.minutes_text:
        lines.append(t._("Minutes: not recorded yet (/minutes {id})", id=m.id))
    return lines


def meeting_report(t: Translator, report: MeetingReport) -> str:
    """One meeting: who came, who was late, on leave, absent; the minutes."""
    m = report.meeting
    lines = [t._("<b>Attendance</b>"), meeting_summary(t, m)]
    if m.status == MeetingStatus.cancelled:
        lines.append(t._("(cancelled)"))
    return "\n".join([*lines, "", *_outcome_lines(t, report), "", *_minutes_lines(t, m)])


def meeting_label(t: Translator, m: Meeting, when: str) -> str:
    """A meeting on a button: its number, kind and `when` (a date, or date and time)."""
    return t.label("#{id} {kind} {when}", id=m.id, kind=kind_name(t, m.kind), when=when)


def meeting_buttons(t: Translator, page: Page[Meeting]) -> Keyboard:
    """/meetings: a button per meeting opening its details (/attendance <id>), paged."""

    def item(m: Meeting) -> Button:
        label = meeting_label(t, m, t.date(m.starts_at, "short"))
        return command_button(label, "attendance", str(m.id), back="meetings")

    return paged_keyboard(page, item, lambda n: RunCommand(command="meetings", arg=str(n)))


def period_buttons(t: Translator, *, branch: str | None = None) -> Keyboard:
    """/attendance: the periods and the meetings, as buttons; an admin's name the
    `branch` (its picker token) and offer the other branches instead of the meetings."""
    periods = period_row(t, "attendance", branch or "", periods=PERIODS[:3])
    if branch is None:
        return [periods, [command_button(t.label("Choose a meeting"), "meetings")]]
    return [periods, [command_button(t.label("Another branch"), "attendance")]]


def meeting_report_buttons(t: Translator, report: MeetingReport, secretary: bool) -> Keyboard:
    m = report.meeting
    assert m.id is not None
    rows: Keyboard = []
    if secretary and m.status == MeetingStatus.scheduled:
        rows.append([MarkOpen(m.id, 0).button(t.label("Mark present / absent"))])
    if secretary:
        change = [command_button(t.label("Record minutes"), "minutes", str(m.id))]
        if m.status == MeetingStatus.scheduled:
            change.append(command_button(t.label("Call off"), "cancelmeeting", str(m.id)))
        rows.append(change)
    if m.minutes_media_id:
        rows.append([MinutesFile(m.id).button(t.label("Minutes document"))])
    return rows


def _tally(t: Translator, x: Tally) -> str:
    return t._(
        "invited {invited} · present {present} (late {late}) · leave {leave} · absent {absent} · {rate}",
        invited=x.invited, present=x.present, late=x.late, leave=x.leave, absent=x.absent,
        rate=t.percent(x.rate),
    )  # fmt: skip


def period_report(t: Translator, branch: str, report: PeriodReport) -> str:
    """A period: meetings held, by kind, by member, in total."""
    lines = [
        t._("<b>Attendance {period}</b> — {branch}", period=report.period.label, branch=branch),
        t.n_("{n} meeting held", "{n} meetings held", report.meetings),
    ]
    if not report.meetings:
        return "\n".join(lines)
    lines += ["", t._("<b>By kind</b>")]
    for kind in MeetingKind:
        if kind in report.by_kind:
            n = report.meetings_by_kind.get(kind, 0)
            head = t._("• {kind} ({n}): ", kind=kind_name(t, kind), n=n)
            lines.append(head + _tally(t, report.by_kind[kind]))
    lines += ["", t._("<b>By member</b>")]
    for member, x in report.by_member:
        lines.append(t._("• {name}: ", name=member.name) + _tally(t, x))
    lines += ["", t._("Total: ") + _tally(t, report.total)]
    return "\n".join(lines)


def mark_page(t: Translator, report: MeetingReport, number: int) -> tuple[str, Keyboard]:
    """A page of invitees, each with a button to mark present and one to mark absent."""
    meeting_id = report.meeting.id
    assert meeting_id is not None
    page = page_of(report.rows, number, MARK_PAGE)
    text = t._(
        "Mark who was present at meeting #{id} (✓ present, ✗ absent, ◇ on leave). Page {page} of {pages}.",
        id=meeting_id, page=page.number + 1, pages=page.pages,
    )  # fmt: skip
    keyboard: Keyboard = []
    for r in page.items:
        attendance_id = r.attendance.id
        assert attendance_id is not None
        icon = MARK_ICONS.get(r.outcome, "·")
        keyboard.append(
            [
                Mark(attendance_id, "p", page.number).button(f"{icon} {r.member.name}"),
                Mark(attendance_id, "a", page.number).button(t.label("Absent")),
            ]
        )
    if nav := page.nav(lambda n: MarkPage(meeting_id, n)):
        keyboard.append(nav)
    return text, keyboard


def marked_toast(t: Translator, name: str, present: bool) -> str:
    if present:
        return t.label("{name}: present", name=name)
    return t.label("{name}: absent", name=name)


def year_record(t: Translator, year: int, record: dict[MeetingKind, Tally]) -> str:
    """The /me part: the member's meetings this year, attended of invited, by kind."""
    lines = [t._("<b>Meetings in {year}</b>", year=str(year))]
    if not record:
        lines.append(t._("No meetings held yet this year."))
    for kind in MeetingKind:
        if kind in record:
            x = record[kind]
            lines.append(
                t._(
                    "• {kind}: attended {present} of {invited} (leave {leave})",
                    kind=kind_name(t, kind),
                    present=x.present,
                    invited=x.invited,
                    leave=x.leave,
                )
            )
    return "\n".join(lines)


def reschedule_list(t: Translator, page: Page[Meeting]) -> tuple[str, Keyboard]:
    """/reschedule without arguments: the meetings still to come, a button each."""
    if not page.items:
        return t._("No meeting is coming up that could be moved."), []

    def item(m: Meeting) -> Button:
        label = meeting_label(t, m, t.datetime(m.starts_at, "short"))
        return ReschedulePick(meeting_id=m.id or 0).button(label)

    text = t._("Which meeting do you want to move?")
    caption = page.caption(t)
    keyboard = paged_keyboard(
        page, item, lambda n: RunCommand(command="reschedule", arg=f"page {n}")
    )
    return (text + "\n" + caption if caption else text), keyboard


def meeting_words(t: Translator, m: Meeting) -> dict[str, object]:
    """What a step's question says of its meeting: {kind}, {id} and {when}."""
    return {"kind": kind_name(t, m.kind), "id": m.id, "when": t.datetime(m.starts_at, "short")}


def reschedule_date_ask(t: Translator, m: Meeting, example: str) -> str:
    return t._(
        "Move {kind} #{id} (now {when}).\n"
        "Type the new date as YYYY-MM-DD, e.g. {example}, or send /cancel.",
        example=example,
        **meeting_words(t, m),
    )


def reschedule_time_ask(t: Translator, m: Meeting, day: str) -> str:
    return t._(
        "Move {kind} #{id} to {day}: type the new start time as HH:MM, e.g. 14:30, "
        "or send /cancel. It keeps its length.",
        day=day,
        **meeting_words(t, m),
    )
