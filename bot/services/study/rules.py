"""When study messages may go out: the branch's study time, quiet hours, due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.services.periods import parse_minute_of_day

TITLE_MAX = 200
URL_MAX = 2000
SUMMARY_MAX = 2000
REFLECTION_MAX = 1000
# A study item carries 0–8 学时 (in tenths); 0.5 unless its publisher says otherwise.
HOURS_MAX_TENTHS = 80
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class StudyRules:
    """The settings that decide when study messages may go out."""

    tz: ZoneInfo
    quiet_start: int = 22 * 60
    quiet_end: int = 8 * 60
    default_minute: int = 9 * 60
    due_days: int = 7
    nudge_before: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> StudyRules:
        return cls(
            tz=settings.tz,
            quiet_start=parse_minute_of_day(settings.study_quiet_start),
            quiet_end=parse_minute_of_day(settings.study_quiet_end),
            default_minute=parse_minute_of_day(settings.study_default_time),
            due_days=settings.study_due_days,
            nudge_before=timedelta(hours=settings.study_nudge_hours_before),
        )

    def local_minute(self, when: datetime) -> int:
        local = when.astimezone(self.tz)
        return local.hour * 60 + local.minute

    def is_quiet(self, when: datetime) -> bool:
        return self.is_quiet_minute(self.local_minute(when))

    def is_quiet_minute(self, m: int) -> bool:
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start > self.quiet_end:  # spans midnight, e.g. 22:00–08:00
            return m >= self.quiet_start or m < self.quiet_end
        return self.quiet_start <= m < self.quiet_end

    def at(self, when: datetime, minute: int, days: int = 0) -> datetime:
        """The local day of `when` (+days) at `minute`, as an aware datetime."""
        day = when.astimezone(self.tz).date() + timedelta(days=days)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.tz)

    def push_time(self, published_at: datetime, study_minute: int) -> datetime:
        """When a branch gets an item: its study time that day, or now if that has passed;
        never in quiet hours (then the next morning's study time, at the end of quiet hours
        at the earliest)."""
        candidate = max(published_at, self.at(published_at, study_minute))
        if not self.is_quiet(candidate):
            return candidate
        quiet_ends = self.at(candidate, self.quiet_end)
        if quiet_ends <= candidate:
            quiet_ends = self.at(candidate, self.quiet_end, days=1)
        morning = self.at(quiet_ends, study_minute)
        if morning < quiet_ends or self.is_quiet(morning):
            return quiet_ends
        return morning
