"""Parsers of the meetings capability: kinds, dates, times, durations, periods.

Dates, times and periods are read by the shared bot/services/periods.py; these tests keep
checking them as the meetings capability uses them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import Attendance, MeetingKind
from bot.services import periods
from bot.services.errors import Refused
from bot.services.meetings import answers, drafts, reminders

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("党员大会", MeetingKind.assembly),
        ("支部党员大会", MeetingKind.assembly),
        ("支委会", MeetingKind.committee),
        ("党小组会", MeetingKind.group),
        ("党课", MeetingKind.lecture),
        ("Assembly", MeetingKind.assembly),
        (" lecture ", MeetingKind.lecture),
        ("party  group meeting", MeetingKind.group),
    ],
)
def test_kinds(text: str, kind: MeetingKind) -> None:
    assert drafts.parse_kind(text) == kind


@pytest.mark.parametrize("text", ["", "党委会", "meeting", "支委", "assemblies"])
def test_unknown_kind(text: str) -> None:
    with pytest.raises(Refused) as exc:
        drafts.parse_kind(text)
    assert exc.value.code == "bad_kind"


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_every_real_date_parses(d: date) -> None:
    assert periods.parse_date(d.isoformat()) == d
    assert periods.parse_date(f"{d.year}-{d.month}-{d.day}") == d


@given(st.integers(1000, 9999), st.integers(1, 12), st.integers(29, 31))
def test_impossible_dates_are_refused_not_crashing(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        real = date(year, month, day)
    except ValueError:
        with pytest.raises(Refused) as exc:
            periods.parse_date(text)
        assert exc.value.code == "bad_date"
    else:
        assert periods.parse_date(text) == real


def test_february_30() -> None:
    with pytest.raises(Refused) as exc:
        periods.parse_date("2026-02-30")
    assert exc.value.code == "bad_date"


@given(st.text(max_size=30))
def test_any_text_as_date_is_refused_or_a_date(text: str) -> None:
    code = None
    try:
        assert isinstance(periods.parse_date(text), date)
    except Refused as exc:
        code = exc.code
    assert code in (None, "bad_date", "bad_date_format")


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_time_of_day_parses(hour: int, minute: int) -> None:
    assert periods.parse_time(f"{hour:02d}:{minute:02d}") == time(hour, minute)
    assert periods.parse_time(f"{hour}：{minute:02d}") == time(hour, minute)


@given(st.integers(24, 99), st.integers(0, 99))
def test_hours_past_23_are_refused(hour: int, minute: int) -> None:
    with pytest.raises(Refused) as exc:
        periods.parse_time(f"{hour}:{minute:02d}")
    assert exc.value.code == "bad_time"


@given(st.text(max_size=20))
def test_any_text_as_time_is_refused_or_a_time(text: str) -> None:
    code = None
    try:
        assert isinstance(periods.parse_time(text), time)
    except Refused as exc:
        code = exc.code
    assert code in (None, "bad_time", "bad_time_format")


def test_25_00() -> None:
    with pytest.raises(Refused) as exc:
        periods.parse_time("25:00")
    assert exc.value.code == "bad_time"


@pytest.mark.parametrize(
    ("text", "minutes"), [("90", 90), ("2h", 120), ("1.5h", 90), ("45m", 45), ("3小时", 180)]
)
def test_durations(text: str, minutes: int) -> None:
    assert drafts.parse_duration(text) == minutes


@given(st.text(max_size=12))
def test_any_duration_is_in_range_or_refused(text: str) -> None:
    try:
        minutes = drafts.parse_duration(text)
    except Refused as exc:
        code = exc.code
        minutes = drafts.DEFAULT_DURATION_MINUTES
    else:
        code = "bad_duration"
    assert code == "bad_duration"
    assert drafts.DURATION_MIN <= minutes <= drafts.DURATION_MAX


def test_periods() -> None:
    today = date(2026, 11, 27)
    assert periods.parse_period("this month", today) == periods.Period(
        date(2026, 11, 1), date(2026, 11, 30), "2026-11"
    )
    assert periods.parse_period("本季度", today) == periods.Period(
        date(2026, 10, 1), date(2026, 12, 31), "2026-Q4", "quarter"
    )
    assert periods.parse_period("2026-02", today).last == date(2026, 2, 28)
    assert periods.parse_period("2028-02", today).last == date(2028, 2, 29)
    assert periods.parse_period("2026-q1", today).last == date(2026, 3, 31)
    # The shared parser also reads "last month" (and a year, which /attendance takes
    # as a meeting number before it gets here).
    assert periods.parse_period("last month", today).label == "2026-10"
    for bad in ("2026-13", "2026-Q5", "last week", "Q4"):
        with pytest.raises(Refused):
            periods.parse_period(bad, today)


@given(st.integers(1, 9999), st.integers(1, 12))
def test_month_periods_cover_the_month(year: int, month: int) -> None:
    p = periods.parse_period(f"{year:04d}-{month:02d}", date(2026, 1, 1))
    assert p.first == date(year, month, 1)
    assert p.last == date.max or (p.last + timedelta(days=1)).day == 1
    assert p.last.month == month


@given(st.integers(1, 9999), st.integers(1, 4))
def test_quarter_periods_are_three_months(year: int, quarter: int) -> None:
    p = periods.parse_period(f"{year:04d}-Q{quarter}", date(2026, 1, 1))
    assert p.first.month == 3 * quarter - 2
    assert p.last.month == 3 * quarter
    assert p.label == f"{year:04d}-Q{quarter}"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_this_month_and_quarter_contain_today(today: date) -> None:
    for text in ("this month", "this quarter"):
        p = periods.parse_period(text, today)
        assert p.first <= today <= p.last


def test_local_times_are_stored_utc() -> None:
    starts = periods.local_to_utc(date(2026, 12, 1), time(14, 30), TZ)
    assert starts == datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    with pytest.raises(Refused) as exc:
        drafts.starts_in_future(date(2026, 12, 1), time(14, 30), TZ, starts)
    assert exc.value.code == "in_past"


def test_reminder_slot_follows_the_start() -> None:
    a = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    assert reminders.reminder_slot(60, a) != reminders.reminder_slot(60, a + timedelta(days=1))
    assert len(reminders.reminder_slot(1440, a)) <= 32


def test_leave_token_names_one_request() -> None:
    at = datetime(2026, 11, 27, 2, 0, 0, 123456, tzinfo=UTC)

    def row(when: datetime, reason: str, id_: int = 7) -> Attendance:
        return Attendance(id=id_, meeting_id=1, member_id=2, answered_at=when, leave_reason=reason)

    token = answers.leave_token(row(at, "出差"))
    assert len(token) == 12
    assert token.isalnum()
    # The same request read back in another zone (e.g. from PostgreSQL) keeps its token.
    assert answers.leave_token(row(at.astimezone(TZ), "出差")) == token
    assert answers.leave_token(row(at, "生病")) != token
    assert answers.leave_token(row(at + timedelta(microseconds=1), "出差")) != token
    assert answers.leave_token(row(at, "出差", id_=8)) != token
    assert len(f"ml:{10**11}:ok:{token}".encode()) <= 64  # Telegram's callback data limit
