"""Dates, times and periods as people type them: the one parser for every capability.

Everything typed is local time in the configured zone; what is stored is aware UTC.
Every parser raises `Refused` with a code the handlers' refusal tables know, and the
text as typed (cut to 40 characters) so the answer can quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.services.errors import Refused

PeriodKind = Literal["month", "quarter", "year"]

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TIME = re.compile(r"^(\d{1,2})\s*[:：点]\s*(\d{2})\s*分?$")


def _quoted(text: str) -> str:
    return text.strip()[:40]


def parse_date(text: str) -> date:
    """`YYYY-MM-DD` (also 2026/12/01, 2026年12月1日); impossible dates are refused."""
    match = _DATE.match(text.strip().replace("\u3000", " "))
    if match is None:
        raise Refused("bad_date_format", text=_quoted(text))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Refused("bad_date", text=_quoted(text)) from None


def parse_time(text: str) -> time:
    """`HH:MM` on a 24-hour clock (also 14：30, 14点30分); 25:00 is refused."""
    match = _TIME.match(text.strip().replace("\u3000", " "))
    if match is None:
        raise Refused("bad_time_format", text=_quoted(text))
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise Refused("bad_time", text=_quoted(text))
    return time(hour, minute)


def parse_minute_of_day(text: str) -> int:
    """'09:00' → minutes after midnight (540)."""
    at = parse_time(text)
    return at.hour * 60 + at.minute


def hhmm(minutes: int) -> str:
    """540 → '09:00'."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """`YYYY-MM-DD HH:MM` in the configured zone → aware UTC."""
    raw = " ".join(text.replace("\u3000", " ").split())
    day_part, _sep, time_part = raw.rpartition(" ")
    if not day_part:
        raise Refused("time_format", text=_quoted(text))
    try:
        day, at = parse_date(day_part), parse_time(time_part)
    except Refused as exc:
        code = "time_invalid" if exc.code in ("bad_date", "bad_time") else "time_format"
        raise Refused(code, text=_quoted(text)) from None
    return local_to_utc(day, at, tz)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of local dates; `label` as the person may type it again."""

    first: date
    last: date
    label: str
    kind: PeriodKind = "month"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to that after the last."""
        start = datetime.combine(self.first, time(), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def next(self) -> Period:
        return period_of(self.kind, self.last + timedelta(days=1))

    def previous(self) -> Period:
        return period_of(self.kind, self.first - timedelta(days=1))


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def _month_end(year: int, month: int) -> date:
    if month == 12:  # also keeps 9999-12 from overflowing into year 10000
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), _month_end(year, month), f"{year:04d}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    return Period(
        date(year, first_month, 1),
        _month_end(year, first_month + 2),
        f"{year:04d}-Q{quarter}",
        "quarter",
    )


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), f"{year:04d}", "year")


def period_of(kind: PeriodKind, day: date) -> Period:
    """The calendar month, quarter or year that holds `day`."""
    if kind == "month":
        return month_period(day.year, day.month)
    if kind == "quarter":
        return quarter_period(day.year, quarter_of(day.month))
    return year_period(day.year)


_NAMED: dict[str, tuple[PeriodKind, int]] = {
    "this month": ("month", 0),
    "month": ("month", 0),
    "本月": ("month", 0),
    "this-month": ("month", 0),
    "last month": ("month", -1),
    "上月": ("month", -1),
    "上个月": ("month", -1),
    "this quarter": ("quarter", 0),
    "quarter": ("quarter", 0),
    "本季度": ("quarter", 0),
    "this-quarter": ("quarter", 0),
    "last quarter": ("quarter", -1),
    "上季度": ("quarter", -1),
    "上个季度": ("quarter", -1),
    "this year": ("year", 0),
    "year": ("year", 0),
    "本年": ("year", 0),
    "今年": ("year", 0),
    "last year": ("year", -1),
    "去年": ("year", -1),
}


def parse_period(text: str, today: date, *, years: bool = True) -> Period:
    """`this month`, `last quarter`, `YYYY-MM`, `YYYY-Qn` or (with `years`) `YYYY`."""
    raw = " ".join(text.strip().lower().split())
    if raw in _NAMED:
        kind, step = _NAMED[raw]
        period = period_of(kind, today)
        return period.previous() if step < 0 else period
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and year >= 1:
            return month_period(year, month)
    if (match := re.fullmatch(r"(\d{4})-?q([1-4])", raw)) and int(match[1]) >= 1:
        return quarter_period(int(match[1]), int(match[2]))
    if years and (match := re.fullmatch(r"(\d{4})", raw)) and int(match[1]) >= 1:
        return year_period(int(match[1]))
    raise Refused("bad_period", text=_quoted(text))
