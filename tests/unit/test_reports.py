"""Reports services: who sees which scope, the oversight glue, no telegram imports."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.models import Branch, HealthLevel, Member, Role
from bot.services import reports
from bot.services.errors import Refused
from bot.services.oversight.indicators import Finding, Thresholds
from bot.services.periods import quarter_period
from bot.services.reports.oversight_glue import BranchStanding, OversightSection

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_services_import_no_telegram() -> None:
    modules = ["oversight_glue", "records", "scope", "summary", "exports"]
    code = "; ".join(
        [f"import bot.services.reports.{m}" for m in modules]
        + ["import sys", "assert 'telegram' not in sys.modules"]
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def _people(s: AsyncSession) -> tuple[Member, Member, Member]:
    one = Branch(name="阳光 支部", created_at=NOW)
    two = Branch(name="星火支部", created_at=NOW)
    s.add_all([one, two])
    await s.flush()
    admin = Member(telegram_user_id=1, name="管理员", role=Role.admin, joined_at=NOW)
    sec = Member(
        telegram_user_id=2, name="书记", role=Role.secretary, branch_id=one.id, joined_at=NOW
    )
    member = Member(telegram_user_id=3, name="党员", branch_id=one.id, joined_at=NOW)
    s.add_all([admin, sec, member])
    await s.flush()
    return admin, sec, member


async def test_scope_rules(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as s:
        admin, sec, member = await _people(s)
        scope, rest = await reports.resolve(s, actor=admin, words=["2026-Q4"])
        assert scope.committee
        assert rest == ["2026-Q4"]
        scope, rest = await reports.resolve(s, actor=admin, words=["阳光", "支部", "本月"])
        assert (scope.name, rest) == ("阳光 支部", ["本月"])
        scope, rest = await reports.resolve(s, actor=sec, words=[])
        assert scope.name == "阳光 支部"
        assert rest == []
        with pytest.raises(Refused) as refused:
            await reports.resolve(s, actor=sec, words=["星火支部", "2026"])
        assert refused.value.code == "other_branch"
        with pytest.raises(Refused):
            await reports.resolve(s, actor=member, words=[])


async def test_an_empty_period_is_empty(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as s:
        _admin, sec, _member = await _people(s)
        scope, _ = await reports.resolve(s, actor=sec, words=[])
        rep = await reports.report(
            s,
            scope=scope,
            period=quarter_period(2026, 4),
            tz=ZoneInfo("Asia/Shanghai"),
            now=NOW,
            thresholds=Thresholds.from_settings(Settings.model_construct()),
        )
        assert rep.empty
        assert rep.pledges.members == 2
        assert rep.oversight is None  # levels are the committee's part only


def _flags(*groups: str) -> tuple[Finding, ...]:
    return tuple(Finding(g, g, True) for g in groups)


def test_branches_needing_attention_most_come_first() -> None:
    """预警 before 关注; within a level, more indicator groups flagged first."""
    yellow, red, green = HealthLevel.yellow, HealthLevel.red, HealthLevel.green
    section = OversightSection(
        standings=[
            BranchStanding(1, "甲", yellow, _flags("role", "role")),  # two findings, one group
            BranchStanding(2, "乙", red, _flags("term")),
            BranchStanding(3, "丙", green),
            BranchStanding(4, "丁", red, _flags("term", "idle", "role")),
            *(BranchStanding(10 + i, f"支部{i:02d}", yellow, _flags("term")) for i in range(12)),
        ]
    )
    top = section.needing_attention(10)
    assert [s.branch for s in top[:3]] == ["丁", "乙", "甲"]
    assert len(top) == 10
    assert all(s.level != green for s in top)
