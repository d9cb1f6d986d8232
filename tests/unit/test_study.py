"""Study services: push-time rules, input parsing, one batch for 5,000 members, records once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from bot.db import make_sessions
from bot.i18n import Catalogs
from bot.models import Branch, Delivery, DeliveryBatch, Member, Role, StudyRecord
from bot.services import study
from bot.services.errors import Refused
from bot.services.periods import parse_minute_of_day
from bot.services.study import StudyRules, split_title_url
from handlers.study.views import push_compose

TZ = ZoneInfo("Asia/Shanghai")
RULES = StudyRules(tz=TZ)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("published", "study_minute", "expected"),
    [
        # Before the study time: that day's study time.
        (local(2026, 11, 27, 8, 15), 9 * 60, local(2026, 11, 27, 9, 0)),
        # During the day after the study time: right away.
        (local(2026, 11, 27, 14, 3), 9 * 60, local(2026, 11, 27, 14, 3)),
        # Evening quiet hours: the next morning's study time.
        (local(2026, 11, 27, 22, 0), 9 * 60, local(2026, 11, 28, 9, 0)),
        (local(2026, 11, 27, 23, 59), 9 * 60, local(2026, 11, 28, 9, 0)),
        # Small hours: the same morning's study time.
        (local(2026, 11, 28, 3, 0), 9 * 60, local(2026, 11, 28, 9, 0)),
        # A study time inside the quiet hours is moved to their end.
        (local(2026, 11, 28, 3, 0), 7 * 60, local(2026, 11, 28, 8, 0)),
        (local(2026, 11, 27, 21, 59), 9 * 60, local(2026, 11, 27, 21, 59)),
        # A late study time (21:30) the same evening.
        (local(2026, 11, 27, 12, 0), 21 * 60 + 30, local(2026, 11, 27, 21, 30)),
    ],
)
def test_push_time(published: datetime, study_minute: int, expected: datetime) -> None:
    assert RULES.push_time(published, study_minute) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.integers(0, 24 * 60 - 1),
    st.integers(0, 24 * 60 - 1),
    st.integers(0, 24 * 60 - 1),
)
def test_push_time_is_never_quiet_nor_early(
    published: datetime, study_minute: int, quiet_start: int, quiet_end: int
) -> None:
    rules = StudyRules(tz=TZ, quiet_start=quiet_start, quiet_end=quiet_end)
    push = rules.push_time(published, study_minute)
    assert push >= published
    assert not rules.is_quiet(push)
    assert push - published <= timedelta(days=2)


@pytest.mark.parametrize(
    ("raw", "minutes"),
    [("09:00", 540), ("9:05", 545), ("23:59", 1439), ("00:00", 0), ("08：30", 510)],
)
def test_parse_hhmm(raw: str, minutes: int) -> None:
    assert parse_minute_of_day(raw) == minutes


@given(st.text(max_size=10))
def test_parse_hhmm_refuses_or_parses(raw: str) -> None:
    try:
        m = parse_minute_of_day(raw)
    except Refused as exc:
        code = exc.code
    else:
        code = "ok"
        assert 0 <= m < 24 * 60
    assert code in ("ok", "bad_time", "bad_time_format")


def test_split_title_url() -> None:
    assert split_title_url(["学习", "讲话", "https://e.org/a"]) == ("学习 讲话", "https://e.org/a")
    assert split_title_url(["学习", "讲话"]) == ("学习 讲话", None)
    assert split_title_url([]) == ("", None)


@given(st.text(max_size=1200))
def test_reflection_limit(text: str) -> None:
    if len(text) > 1000:
        with pytest.raises(Refused) as exc:
            study.validate_reflection(text)
        assert exc.value.code == "reflection_too_long"
        assert exc.value.params == {"limit": 1000, "length": len(text)}
    elif not text.strip():
        with pytest.raises(Refused, match="reflection_empty"):
            study.validate_reflection(text)
    else:
        assert study.validate_reflection(text) == text  # exactly as typed


async def test_push_to_5000_members_is_one_batch(engine: AsyncEngine) -> None:
    sessions = make_sessions(engine)
    now = local(2026, 11, 27, 10, 0)
    catalogs = Catalogs.load("zh_CN")
    async with sessions() as s:
        branch = Branch(name="大支部", created_at=now)
        s.add(branch)
        await s.flush()
        secretary = Member(
            telegram_user_id=1, branch_id=branch.id, name="书记", role=Role.secretary, joined_at=now
        )
        s.add(secretary)
        await s.flush()
        await s.execute(
            Member.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "telegram_user_id": 10_000 + i,
                    "branch_id": branch.id,
                    "name": f"党员{i}",
                    "role": "member",
                    "status": "active",
                    "is_committee": False,
                    "joined_at": now,
                    "locale": "en" if i % 2 else None,
                }
                for i in range(5000)
            ],
        )
        item = await study.start_draft(s, actor=secretary, title="大规模推送", url=None, now=now)
        assert item.id is not None
        done = await study.publish(
            s,
            actor=secretary,
            item_id=item.id,
            now=now,
            rules=RULES,
            compose=push_compose(catalogs, TZ),
        )
        await s.commit()
        assert done.pushed_now == 5001
        batches = list(await s.exec(select(DeliveryBatch)))
        assert len(batches) == 1
        assert batches[0].kind == "study.push"
        assert batches[0].total == 5001
        assert (await s.exec(select(func.count()).select_from(Delivery))).one() == 5001
        en = (await s.exec(select(Delivery).where(Delivery.chat_id == 10_001))).one()
        assert en.payload["buttons"][0][0]["text"] == "Studied"
        # Pushing again finds nothing due: the push is claimed once.
        assert (
            await study.push_due(
                s, now=now + timedelta(hours=1), rules=RULES, compose=push_compose(catalogs, TZ)
            )
            == []
        )


async def test_mark_done_twice_records_once(engine: AsyncEngine) -> None:
    sessions = make_sessions(engine)
    now = local(2026, 11, 27, 10, 0)
    catalogs = Catalogs.load("zh_CN")
    async with sessions() as s:
        branch = Branch(name="支部", created_at=now)
        s.add(branch)
        await s.flush()
        secretary = Member(
            telegram_user_id=1, branch_id=branch.id, name="书记", role=Role.secretary, joined_at=now
        )
        member = Member(telegram_user_id=2, branch_id=branch.id, name="党员", joined_at=now)
        s.add_all([secretary, member])
        await s.flush()
        item = await study.start_draft(s, actor=secretary, title="t", url=None, now=now)
        assert item.id is not None
        await study.publish(
            s,
            actor=secretary,
            item_id=item.id,
            now=now,
            rules=RULES,
            compose=push_compose(catalogs, TZ),
        )
        await s.commit()
    async with sessions() as s1, sessions() as s2:
        _, first = await study.mark_done(s1, member=member, item_id=item.id, now=now)
        await s1.commit()
        _, second = await study.mark_done(s2, member=member, item_id=item.id, now=now)
        await s2.commit()
    assert (first, second) == (True, False)
    async with sessions() as s:
        assert (await s.exec(select(func.count()).select_from(StudyRecord))).one() == 1
        # A member of no branch in scope is refused.
        stranger = Member(telegram_user_id=3, name="外人", joined_at=now)
        s.add(stranger)
        await s.flush()
        with pytest.raises(Refused) as exc:
            await study.mark_done(s, member=stranger, item_id=item.id, now=now)
        assert exc.value.code == "not_in_scope"
