"""Working days for the 受理 limit: Saturdays, Sundays and the configured holidays are not."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: datetime, days: int, *, tz: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """The same local time `days` working days after `start` (aware UTC in, aware out).

    Friday 10:00 + 2 → Tuesday 10:00; Saturday 10:00 + 2 → Tuesday 10:00 as well, since
    Monday is the first working day after it. Local time, so a zone's midnight is kept.
    """
    local = start.astimezone(tz)
    day = local.date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(
        start.tzinfo
    )
