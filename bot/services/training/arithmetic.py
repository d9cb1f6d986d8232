"""学时 in tenths of an hour: parsing what people type, and the arithmetic on it."""

from __future__ import annotations

import re
from datetime import date

from bot.services.errors import Refused

# One record of outside training is at most a long course's day-by-day total.
HOURS_MAX_TENTHS = 2000
HOURS_TEXT = re.compile(r"^\s*(\d{1,4})(?:[.．](\d))?\s*(?:学时|小时|h|hours?)?\s*$", re.IGNORECASE)
BEHIND_SHARE = 0.75  # reminders go to members below this share of their target


def tenths_of_minutes(minutes: int) -> int:
    """A meeting's length in tenths of an hour, to the nearest tenth (6 minutes), halves up."""
    return max(0, (minutes + 3) // 6)


def parse_hours(text: str) -> int:
    """'2', '1.5', '1.5学时' → tenths; refuses zero, more than one decimal, too many."""
    match = HOURS_TEXT.match(text.replace(",", "."))
    if match is None:
        raise Refused("hours_invalid", value=text.strip()[:20])
    tenths = int(match.group(1)) * 10 + int(match.group(2) or 0)
    if tenths <= 0:
        raise Refused("hours_invalid", value=text.strip()[:20])
    if tenths > HOURS_MAX_TENTHS:
        raise Refused("hours_too_many", limit=HOURS_MAX_TENTHS // 10)
    return tenths


def format_tenths(tenths: int) -> str:
    """35 → '3.5', 320 → '32' (no trailing '.0')."""
    whole, tenth = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{whole}" if tenth == 0 else f"{sign}{whole}.{tenth}"


def percent(done: int, target: int) -> int:
    """Whole percent of the target reached (100 when there is no target)."""
    if target <= 0:
        return 100
    return min(999, done * 100 // target)


def expected_by(target: int, day: date) -> int:
    """The share of the yearly target due by `day` (pro rata to the day of the year)."""
    year_days = (date(day.year, 12, 31) - date(day.year, 1, 1)).days + 1
    elapsed = (day - date(day.year, 1, 1)).days + 1
    return target * elapsed // year_days


def below_share(done: int, target: int, share: float = BEHIND_SHARE) -> bool:
    """Below `share` of the target, computed in integers (75 % of 320 is 240)."""
    return done * 100 < target * round(share * 100)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
