"""The health indicators' rules, one by one (bot/services/oversight/indicators.py)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.models import HealthLevel
from bot.services.oversight.calendar import reminder_slot
from bot.services.oversight.digest import due_week, week_label
from bot.services.oversight.indicators import BranchFacts, Thresholds, findings, level_of
from bot.services.periods import month_period

TODAY = date(2026, 11, 27)
TH = Thresholds.from_settings(Settings.model_construct())  # the defaults, whatever the environment
OK = BranchFacts(
    members=10,
    committee=3,
    secretaries=1,
    missed={},
    days_since_held=10,
    attendance=0.9,
    study=0.8,
    pledges=0.9,
    satisfaction=None,
    secretary_idle_days=1,
    term_ends_on=date(2028, 1, 1),
    term_known=True,
    blocked=0,
)


def level(facts: BranchFacts, today: date = TODAY) -> HealthLevel:
    return level_of([f for f in findings(facts, TH, today) if f.flagged])


def flagged(facts: BranchFacts, today: date = TODAY) -> set[str]:
    return {f.code for f in findings(facts, TH, today) if f.flagged}


def test_a_branch_with_everything_in_order_is_green() -> None:
    assert level(OK) == HealthLevel.green
    assert flagged(OK) == set()


def test_committee_rules() -> None:
    assert flagged(replace(OK, secretaries=0)) == {"no_secretary"}
    assert flagged(replace(OK, committee=2)) == {"committee_small"}
    # Below 7 members a small committee is fine.
    assert flagged(replace(OK, members=6, committee=1)) == set()
    assert flagged(replace(OK, members=7, committee=2)) == {"committee_small"}


def test_thresholds_are_inclusive_where_the_issue_says_below() -> None:
    assert flagged(replace(OK, attendance=0.6)) == set()
    assert flagged(replace(OK, attendance=0.59)) == {"attendance"}
    assert flagged(replace(OK, study=0.5)) == set()
    assert flagged(replace(OK, study=0.49)) == {"study"}
    assert flagged(replace(OK, days_since_held=59)) == set()
    assert flagged(replace(OK, days_since_held=60)) == {"idle"}
    assert flagged(replace(OK, secretary_idle_days=30)) == {"secretary_idle"}
    assert flagged(replace(OK, attendance=None, study=None, days_since_held=None)) == set()


def test_pledge_coverage_counts_only_after_31_march() -> None:
    low = replace(OK, pledges=0.5)
    assert flagged(low, date(2026, 3, 31)) == set()
    assert flagged(low, date(2026, 4, 1)) == {"pledges"}


def test_levels() -> None:
    assert level(replace(OK, blocked=2)) == HealthLevel.yellow
    assert level(replace(OK, missed={"committee": "2026-10"})) == HealthLevel.yellow
    # Two indicators → red; two findings of one indicator (作用不发挥) count once.
    assert level(replace(OK, blocked=1, missed={"committee": "2026-10"})) == HealthLevel.red
    assert level(replace(OK, attendance=0.1, study=0.1)) == HealthLevel.yellow
    # A missed 党员大会 or an overdue 换届 alone → red; an unknown term → yellow.
    assert level(replace(OK, missed={"assembly": "2026-Q3"})) == HealthLevel.red
    assert level(replace(OK, term_ends_on=date(2026, 11, 26))) == HealthLevel.red
    assert level(replace(OK, term_ends_on=date(2026, 11, 27))) == HealthLevel.green
    assert level(replace(OK, term_known=False, term_ends_on=None)) == HealthLevel.yellow


def test_findings_round_trip_as_data() -> None:
    from bot.services.oversight.indicators import Finding

    for f in findings(replace(OK, missed={"assembly": "2026-Q3"}), TH, TODAY):
        back = Finding.from_data(f.to_data())
        assert (back.code, back.value, back.threshold, back.detail) == (
            f.code,
            f.value,
            f.threshold,
            f.detail,
        )


def test_reminder_slots_at_the_edges() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    _start, end = month_period(2026, 12).bounds(tz)  # 2027-01-01 00:00 Shanghai
    assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert reminder_slot(end, datetime(2026, 12, 21, 15, 59, tzinfo=UTC)) is None
    assert reminder_slot(end, datetime(2026, 12, 21, 16, tzinfo=UTC)) == "10d"
    assert reminder_slot(end, datetime(2026, 12, 28, 16, tzinfo=UTC)) == "3d"
    assert reminder_slot(end, end) is None


def test_digest_week_and_time() -> None:
    from datetime import time
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    nine = time(9, 0)
    # Monday 2026-11-30 09:00 Shanghai is 01:00 UTC.
    assert due_week(datetime(2026, 11, 30, 0, 59, tzinfo=UTC), tz, weekday=0, at=nine) is None
    assert due_week(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), tz, weekday=0, at=nine) == "2026-W49"
    # Sunday night still belongs to that week; Monday 00:30 local is the next, not yet due.
    assert due_week(datetime(2026, 12, 6, 15, 59, tzinfo=UTC), tz, weekday=0, at=nine) == "2026-W49"
    assert due_week(datetime(2026, 12, 6, 16, 30, tzinfo=UTC), tz, weekday=0, at=nine) is None
    assert week_label(date(2027, 1, 1)) == "2026-W53"


def test_thresholds_are_the_health_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for key in [k for k in os.environ if k.upper().startswith("HEALTH_")]:
        monkeypatch.delenv(key)
    assert Thresholds.from_settings(load_settings()) == TH  # no .env, no HEALTH_*: the defaults
    settings = load_settings(
        health_committee_min=5, health_pledge_after="04-30", health_training_min=0.7
    )
    got = Thresholds.from_settings(settings)
    assert (got.committee_min, got.pledge_after, got.training_min) == (5, "04-30", 0.7)
    assert got.idle_days == settings.health_idle_days == 60
