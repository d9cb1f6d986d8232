"""/export's workbook: one sheet per kind of record, streamed (handlers.reports.xlsx).

Rows arrive in batches from the database and go straight into the sheet's XML in the
zip, so a committee-wide year never sits in memory. A branch's export is written in the
bot's process, batch by batch; the committee's in a process of its own
(handlers.reports.worker).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any, cast
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.models import MeetingKind
from bot.services.reports import records
from bot.services.reports.oversight_glue import BranchStanding, CalendarEntry, OversightSection
from bot.services.reports.training_glue import TrainingRow
from handlers.meetings.views import LEAVE_NAMES, kind_name
from handlers.notices.views import plain
from handlers.pledges import views as pledges
from handlers.reports import views, xlsx
from handlers.training.views import ROLES  # /hours' words for whose target


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: int
    time: bool = False  # UTC seconds since 1970 (records.Seconds), shown as local time


class Sheet:
    """One sheet: bold frozen header, widths, autofilter; past Excel's 1,048,576 rows the
    rows go on in a sheet of the same name with (2), (3) …"""

    def __init__(self, book: xlsx.Book, title: str, columns: Sequence[Column]) -> None:
        self.book, self.title, self.columns, self.parts = book, title, columns, 1
        self.part = self._open(title)

    def _open(self, title: str) -> xlsx.Sheet:
        times = [j for j, c in enumerate(self.columns) if c.time]
        header, widths = [c.header for c in self.columns], [c.width for c in self.columns]
        return self.book.sheet(title, header, widths, times)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        while rows:
            done = self.part.write(rows)
            rows = rows[done:]
            if rows:
                self.parts += 1
                self.part = self._open(f"{self.title} ({self.parts})")

    def close(self) -> None:
        self.part.close()


def _yes(t: Translator, value: bool | None) -> str:
    return "" if value is None else t.label("yes") if value else t.label("no")


def _label(t: Translator, names: dict[Any, str], value: Any) -> str:
    return t.label(names[value]) if value is not None else ""


def _meeting(t: Translator, r: records.MeetingRow) -> list[Any]:
    minutes = r.minutes or (t.label("file: {name}", name=r.minutes_file) if r.minutes_file else "")
    return [
        r.branch,
        r.meeting_id,
        kind_name(t, r.kind),
        r.starts_at,
        r.place,
        r.first_topic,
        _yes(t, r.first_topic_studied),
        minutes,
        t.label("cancelled") if r.cancelled else "",
    ]


def _attendance(t: Translator) -> Callable[[records.AttendanceRow], Sequence[Any]]:
    """The attendance row maker: every word looked up once (a committee's year is
    360,000 rows)."""
    kinds = {k: kind_name(t, k) for k in MeetingKind}
    outcomes = {k: t.label(v) for k, v in views.OUTCOME_NAMES.items()}
    leaves = {k.value: t.label(v) for k, v in LEAVE_NAMES.items()}  # by stored word
    yes, no = t.label("yes"), t.label("no")

    def row(r: records.AttendanceRow) -> Sequence[Any]:
        return (
            r.branch, r.meeting_id, kinds[r.kind], r.starts_at, r.member, outcomes[r.outcome],
            r.leave_reason, leaves.get(r.leave_status) if r.leave_status else None,
            r.checked_in_at, (yes if r.late else no) if r.checked_in_at else None,
        )  # fmt: skip

    return row


def _as_is(r: Sequence[Any]) -> Sequence[Any]:
    """Study and receipt rows: their fields are the sheet's columns, in order."""
    return r


def _pledge(t: Translator, r: records.PledgeRow) -> list[Any]:
    status = _label(t, pledges.STATUS_NAMES, r.status) if r.status else t.label("not started")
    return [
        r.branch,
        r.member,
        r.year,
        status,
        r.post or "",
        r.submitted_at,
        _label(t, pledges.RATING_NAMES, r.rating),
        r.rating_comment or "",
    ]


def columns(t: Translator, *spec: tuple[str, int] | tuple[str, int, bool]) -> list[Column]:
    return [Column(t.label(c[0]), *c[1:]) for c in spec]


async def _fill(
    sheet: Sheet, batches: AsyncIterator[Sequence[Any]], row: Callable[[Any], Sequence[Any]]
) -> None:
    async for batch in batches:
        # In the loop, not in a thread: a thread fighting the event loop and the database
        # driver's thread for the GIL made a committee export twice as slow (measured).
        # Between batches the loop runs others; a batch of 2,000 rows takes ~10 ms.
        sheet.write([row(r) for r in batch])
    sheet.close()


@dataclass(frozen=True, slots=True)
class Sources:
    """The streams of one export (bot.services.reports.records), already scoped."""

    meetings: AsyncIterator[list[records.MeetingRow]]
    attendance: AsyncIterator[list[records.AttendanceRow]]
    study: AsyncIterator[list[records.StudyRow]]
    pledges: AsyncIterator[list[records.PledgeRow]]
    notices: list[records.NoticeRow]
    receipts: AsyncIterator[list[records.ReceiptRow]]
    training: list[TrainingRow]
    oversight: OversightSection | None


class _Memo:
    """The reader's translator with each plain label looked up once per workbook.

    A committee's year is hundreds of thousands of rows, each naming a kind and an outcome.
    """

    def __init__(self, t: Translator) -> None:
        self._t = t
        self._labels: dict[str, str] = {}

    def label(self, msgid: str, /, **kwargs: Any) -> str:
        if kwargs:
            return self._t.label(msgid, **kwargs)
        found = self._labels.get(msgid)
        if found is None:
            found = self._labels[msgid] = self._t.label(msgid)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._t, name)


Spec = tuple[tuple[str, int] | tuple[str, int, bool], ...]  # (header msgid, width[, TIME])
TIME = True  # the column holds records.Seconds
MEETINGS: Spec = (
    (N_("Branch"), 22), (N_("Meeting"), 9), (N_("Kind"), 14), (N_("Time"), 17, TIME),
    (N_("Place"), 20), (N_("First agenda item"), 30), (N_("First agenda item studied"), 12),
    (N_("Minutes"), 40), (N_("Cancelled"), 10),
)  # fmt: skip
ATTENDANCE: Spec = (
    (N_("Branch"), 22), (N_("Meeting"), 9), (N_("Kind"), 14), (N_("Time"), 17, TIME),
    (N_("Name"), 14), (N_("Attendance"), 10), (N_("Leave reason"), 30), (N_("Leave"), 12),
    (N_("Checked in at"), 17, TIME), (N_("Late"), 8),
)  # fmt: skip
STUDY: Spec = (
    (N_("Branch"), 22), (N_("Item"), 8), (N_("Title"), 36), (N_("Name"), 14),
    (N_("Studied at"), 17, TIME), (N_("Reflection"), 60),
)  # fmt: skip
PLEDGES: Spec = (
    (N_("Branch"), 22), (N_("Name"), 14), (N_("Year"), 8), (N_("Status"), 14),
    (N_("Post"), 20), (N_("Submitted at"), 17, TIME), (N_("Rating"), 12), (N_("Rating comment"), 30),
)  # fmt: skip
NOTICES: Spec = (
    (N_("Notice"), 9), (N_("Created at"), 17, TIME), (N_("Text"), 50), (N_("Needs confirmation"), 12),
    (N_("Recipients"), 11), (N_("Confirmed"), 11),
)  # fmt: skip
RECEIPTS: Spec = (
    (N_("Notice"), 9), (N_("Branch"), 22), (N_("Name"), 14), (N_("Confirmed at"), 17, TIME),
    (N_("Reminded at"), 17, TIME),
)  # fmt: skip
TRAINING: Spec = (
    (N_("Branch"), 22), (N_("Name"), 14), (N_("Target by"), 12), (N_("Year"), 8),
    (N_("Meetings (hours)"), 12), (N_("Study (hours)"), 12), (N_("Outside (hours)"), 12),
    (N_("Total (hours)"), 12), (N_("Yearly target"), 12), (N_("Due by now"), 12),
    (N_("Behind"), 8),
)  # fmt: skip
CALENDAR: Spec = (
    (N_("Branch"), 22), (N_("Meeting kind"), 16), (N_("Period"), 10), (N_("Ends on"), 12),
    (N_("Required"), 10), (N_("Held"), 8), (N_("Scheduled"), 10), (N_("Missing"), 10),
    (N_("Exempt"), 30),
)  # fmt: skip
LEVELS: Spec = ((N_("Branch"), 22), (N_("Level"), 10), (N_("Reasons"), 80))


def _hours(tenths: int) -> float:
    return tenths / 10


def _training(t: Translator, r: TrainingRow) -> list[Any]:
    return [
        r.branch, r.member, t.label(ROLES[r.role]), r.year, _hours(r.meeting),
        _hours(r.study), _hours(r.external), _hours(r.total), _hours(r.target),
        _hours(r.expected), _yes(t, r.behind),
    ]  # fmt: skip


def _calendar(t: Translator, c: CalendarEntry) -> list[Any]:
    return [
        c.branch, kind_name(t, c.kind), c.period, c.due, c.required, c.held, c.scheduled,
        c.missing, c.exempt_reason or "",
    ]  # fmt: skip


def _standing(t: Translator, s: BranchStanding) -> list[Any]:
    return [s.branch, t.label(views.LEVEL_NAMES[s.level]), views.reasons_text(t, s)]


def _notice(t: Translator, n: records.NoticeRow) -> list[Any]:
    return [
        n.notice_id, n.created_at, plain(n.text, 200), _yes(t, n.requires_ack), n.recipients,
        n.confirmed,
    ]  # fmt: skip


def _sheet(t: Translator, book: xlsx.Book, title: str, spec: Spec) -> Sheet:
    return Sheet(book, t.label(title), columns(t, *spec))


async def build(reader: Translator, tz: ZoneInfo, src: Sources, file: IO[bytes]) -> None:
    """The workbook written into `file` as it is made (never held in memory whole)."""
    t = cast(Translator, _Memo(reader))
    book = xlsx.Book(file, tz)
    await _write(t, book, src)
    book.close()


async def _write(t: Translator, book: xlsx.Book, src: Sources) -> None:
    streams: list[tuple[str, Spec, AsyncIterator[Sequence[Any]], Callable[..., Sequence[Any]]]] = [
        (N_("Meetings"), MEETINGS, src.meetings, functools.partial(_meeting, t)),
        (N_("Attendance"), ATTENDANCE, src.attendance, _attendance(t)),
        (N_("Study"), STUDY, src.study, _as_is),
        (N_("Pledges"), PLEDGES, src.pledges, functools.partial(_pledge, t)),
    ]
    for title, spec, batches, row in streams:
        await _fill(_sheet(t, book, title, spec), batches, row)
    notices = _sheet(t, book, N_("Notices"), NOTICES)
    notices.write([_notice(t, n) for n in src.notices])
    notices.close()
    receipts = _sheet(t, book, N_("Receipts"), RECEIPTS)
    await _fill(receipts, src.receipts, _as_is)
    lists: list[tuple[str, Spec, Sequence[Any], Callable[..., list[Any]]]] = [
        (N_("Training hours"), TRAINING, src.training, _training)
    ]
    if src.oversight is not None:
        lists.append((N_("Calendar"), CALENDAR, src.oversight.calendar, _calendar))
        lists.append((N_("Levels"), LEVELS, src.oversight.standings, _standing))
    for title, spec, items, row in lists:
        sheet = _sheet(t, book, title, spec)
        sheet.write([row(t, x) for x in items])
        sheet.close()
