"""学时 arithmetic in tenths, targets by role, and the 6-month date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.models import Member, Role
from bot.services.errors import Refused
from bot.services.training.arithmetic import (
    add_months,
    below_share,
    expected_by,
    format_tenths,
    parse_hours,
    percent,
    tenths_of_minutes,
)
from bot.services.training.nudges import QuietHours
from bot.services.training.targets import TargetRole, Targets, role_of


@pytest.mark.parametrize(
    ("minutes", "tenths"),
    [(0, 0), (2, 0), (3, 1), (6, 1), (45, 8), (90, 15), (100, 17), (120, 20), (-5, 0)],
)
def test_meeting_minutes_to_tenths_round_half_up(minutes: int, tenths: int) -> None:
    assert tenths_of_minutes(minutes) == tenths


@pytest.mark.parametrize(
    ("text", "tenths"),
    [("2", 20), ("1.5", 15), ("1．5", 15), ("0.5学时", 5), (" 3.5 小时 ", 35), ("200", 2000)],
)
def test_parse_hours(text: str, tenths: int) -> None:
    assert parse_hours(text) == tenths


@pytest.mark.parametrize("text", ["", "0", "0.0", "1.25", "abc", "-1", "2.5.1"])
def test_parse_hours_refuses(text: str) -> None:
    with pytest.raises(Refused) as exc:
        parse_hours(text)
    assert exc.value.code == "hours_invalid"


def test_parse_hours_refuses_too_many() -> None:
    with pytest.raises(Refused) as exc:
        parse_hours("200.1")
    assert exc.value.code == "hours_too_many"


def test_format_and_sums_are_exact() -> None:
    assert format_tenths(35) == "3.5"
    assert format_tenths(320) == "32"
    assert format_tenths(0) == "0"
    # ten 0.1-hour items are exactly one hour, unlike 0.1 added ten times in floats
    assert format_tenths(sum([1] * 10)) == "1"


def test_percent_below_share_expected() -> None:
    assert percent(160, 320) == 50
    assert percent(5, 0) == 100
    assert below_share(239, 320)
    assert not below_share(240, 320)
    assert expected_by(365, date(2026, 1, 1)) == 1
    assert expected_by(320, date(2026, 12, 31)) == 320


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2026, 11, 27), 6) == date(2027, 5, 27)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_targets_follow_role_then_committee() -> None:
    targets = Targets()
    member = Member(telegram_user_id=1, name="a", role=Role.member)
    committee = Member(telegram_user_id=2, name="b", role=Role.member, is_committee=True)
    secretary = Member(telegram_user_id=3, name="c", role=Role.secretary)
    assert role_of(committee) == TargetRole.committee
    assert [targets.for_member(m) for m in (member, committee, secretary)] == [320, 560, 560]


def test_quiet_hours_span_midnight() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    tz, quiet = ZoneInfo("Asia/Shanghai"), QuietHours()
    assert quiet.is_quiet(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), tz)  # 22:00
    assert quiet.is_quiet(datetime(2026, 12, 1, 23, 59, tzinfo=UTC), tz)  # 07:59
    assert not quiet.is_quiet(datetime(2026, 12, 2, 0, 0, tzinfo=UTC), tz)  # 08:00
