"""诉求: working days for the 受理 limit, the rates, and the rules the services keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import make_sessions
from bot.delivery.message import OutgoingMessage
from bot.models import (
    Branch,
    Delivery,
    DeliveryBatch,
    Member,
    Request,
    RequestKind,
    RequestRating,
    RequestState,
    Role,
)
from bot.services import access, fanout
from bot.services import requests as svc
from bot.services.errors import Refused
from bot.services.requests.rates import rates_of
from tests.harness import START

TZ = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (local(2026, 11, 27), 2, local(2026, 12, 1)),  # Friday → Tuesday
        (local(2026, 11, 28), 2, local(2026, 12, 1)),  # Saturday → Tuesday
        (local(2026, 11, 29), 2, local(2026, 12, 1)),  # Sunday → Tuesday
        (local(2026, 11, 30), 2, local(2026, 12, 2)),  # Monday → Wednesday
        (local(2026, 12, 3), 1, local(2026, 12, 4)),  # Thursday → Friday
    ],
)
def test_working_days_skip_weekends(start: datetime, days: int, due: datetime) -> None:
    assert svc.add_working_days(start, days, tz=TZ) == due


def test_holidays_are_skipped() -> None:
    holidays = {date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)}
    # Wednesday 30 September; Thursday and Friday are holidays, then the weekend, Monday too.
    due = svc.add_working_days(local(2026, 9, 30), 2, tz=TZ, holidays=holidays)
    assert due == local(2026, 10, 7)


def test_local_midnight_is_kept() -> None:
    # 00:30 in Shanghai is the previous day in UTC: the days are counted where people live.
    start = local(2026, 12, 4, 0).replace(minute=30)
    assert svc.add_working_days(start, 1, tz=TZ) == local(2026, 12, 7, 0).replace(minute=30)


# hypothesis takes naive bounds and makes naive values; the test makes them UTC.
FIRST, LAST = datetime(2000, 1, 1), datetime(2100, 1, 1)  # noqa: DTZ001


@given(st.datetimes(min_value=FIRST, max_value=LAST), st.integers(1, 30))
def test_limit_lands_on_a_working_day_after_start(naive: datetime, days: int) -> None:
    start = naive.replace(tzinfo=UTC)
    due = svc.add_working_days(start, days, tz=TZ)
    assert due > start
    assert svc.is_working_day(due.astimezone(TZ).date())
    assert (due - start) >= timedelta(days=days)
    assert due.astimezone(TZ).time() == start.astimezone(TZ).time()


def request(**kw: object) -> Request:
    values: dict[str, object] = {
        "branch_id": 1,
        "number": 1,
        "member_id": 1,
        "kind": RequestKind.issue,
        "text": "x",
        "created_at": START,
        "accept_due_at": START + timedelta(days=4),
        "resolve_due_at": START + timedelta(days=15),
        "updated_at": START,
    }
    values.update(kw)
    return Request(**values)  # type: ignore[arg-type]


def test_rates_of_one_request() -> None:
    late = request(responded_at=START + timedelta(days=5))
    assert rates_of(late, START + timedelta(days=6)).accepted_in_time == 0
    assert rates_of(late, START + timedelta(days=6)).response_due == 1
    waiting = request()
    assert rates_of(waiting, START + timedelta(days=1)).response_due == 0  # still in time
    assert rates_of(waiting, START + timedelta(days=4)).response_due == 1  # limit passed
    done = request(
        responded_at=START + timedelta(hours=1),
        resolved_at=START + timedelta(days=3),
        rating=RequestRating.fair,
    )
    r = rates_of(done, START + timedelta(days=30))
    assert (r.accepted_in_time, r.resolved, r.rated, r.satisfied) == (1, 1, 1, 1)
    assert r.average_days_to_resolve == pytest.approx(3.0)


def test_rates_add_up() -> None:
    now = START + timedelta(days=30)
    rows = [
        request(
            responded_at=START,
            resolved_at=START + timedelta(days=2),
            rating=RequestRating.satisfied,
        ),
        request(
            responded_at=START,
            resolved_at=START + timedelta(days=4),
            rating=RequestRating.dissatisfied,
        ),
        request(responded_at=START + timedelta(days=10)),
        request(),
    ]
    r = svc.total(rates_of(x, now) for x in rows)
    assert r.received == 4
    assert r.response_rate == pytest.approx(2 / 4)
    assert r.resolution_rate == pytest.approx(2 / 4)
    assert r.satisfaction_rate == pytest.approx(1 / 2)
    assert r.average_days_to_resolve == pytest.approx(3.0)
    empty = svc.RequestRates()
    assert empty.response_rate is None
    assert empty.satisfaction_rate is None
    assert empty.average_days_to_resolve is None


def compose(member: Member, change: svc.Change) -> list[OutgoingMessage]:
    return [OutgoingMessage(text=f"{change.event}:{change.card.number}")]


async def people(engine: AsyncEngine) -> tuple[Member, Member, Member, Member, int, int]:
    """Two branches: a member and a secretary in the first, a secretary in the second, an admin."""
    async with make_sessions(engine)() as s:
        one = Branch(name="一支部", created_at=START)
        two = Branch(name="二支部", created_at=START)
        s.add_all([one, two])
        await s.flush()
        assert one.id is not None
        assert two.id is not None
        rows = [
            Member(telegram_user_id=1, branch_id=one.id, name="党员", joined_at=START),
            Member(
                telegram_user_id=2,
                branch_id=one.id,
                name="书记",
                role=Role.secretary,
                joined_at=START,
            ),
            Member(
                telegram_user_id=3,
                branch_id=two.id,
                name="二书记",
                role=Role.secretary,
                joined_at=START,
            ),
            Member(telegram_user_id=4, name="管理员", role=Role.admin, joined_at=START),
        ]
        s.add_all(rows)
        await s.commit()
        for m in rows:
            await s.refresh(m)
        return rows[0], rows[1], rows[2], rows[3], one.id, two.id


async def test_rates_by_branch_and_rules(engine: AsyncEngine) -> None:
    member, secretary, other, _admin, one, two = await people(engine)
    limits = svc.Limits(tz=TZ)
    sessions = make_sessions(engine)
    async with sessions() as s:
        first = await svc.submit(
            s,
            actor=member,
            kind=RequestKind.help,
            text=" 原样 <保存> ",
            limits=limits,
            compose=compose,
            now=START,
        )
        second = await svc.submit(
            s,
            actor=member,
            kind=RequestKind.issue,
            text="第二条",
            limits=limits,
            compose=compose,
            now=START,
        )
        await s.commit()
    assert (first.card.number, second.card.number) == (1, 2)
    assert first.card.text == " 原样 <保存> "
    assert first.told == 1
    async with sessions() as s:
        with pytest.raises(Refused) as exc:
            await svc.accept(s, actor=other, request_id=first.card.id, compose=compose, now=START)
        assert exc.value.code == "unknown_request"
        with pytest.raises(Refused) as exc:
            await svc.accept(s, actor=member, request_id=first.card.id, compose=compose, now=START)
        assert exc.value.code == "own_request"
        await svc.accept(s, actor=secretary, request_id=first.card.id, compose=compose, now=START)
        await s.commit()
    async with sessions() as s:
        with pytest.raises(Refused) as exc:
            await svc.accept(
                s, actor=secretary, request_id=first.card.id, compose=compose, now=START
            )
        assert exc.value.code == "already_accepted"
        await svc.resolve(
            s,
            actor=secretary,
            request_id=first.card.id,
            reply="好了",
            compose=compose,
            now=START + timedelta(days=2),
        )
        await svc.rate(
            s,
            actor=member,
            request_id=first.card.id,
            rating=RequestRating.satisfied,
            limits=limits,
            compose=compose,
            now=START + timedelta(days=3),
        )
        await s.commit()
    since, until = START - timedelta(days=1), START + timedelta(days=1)
    async with sessions() as s:
        rates = await svc.rates_by_branch(
            s, branch_ids=[one, two], since=since, until=until, now=START + timedelta(days=10)
        )
    assert rates[two] == svc.RequestRates()
    r = rates[one]
    assert (r.received, r.response_due, r.accepted_in_time) == (2, 2, 1)
    assert (r.resolved, r.rated, r.satisfied) == (1, 1, 1)
    assert r.average_days_to_resolve == pytest.approx(2.0)
    async with sessions() as s:
        request_row = await s.get(Request, first.card.id)
        assert request_row is not None
        assert request_row.state == RequestState.closed


async def test_a_taken_number_is_retried(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    member, *_ = await people(engine)
    limits = svc.Limits(tz=TZ)
    sessions = make_sessions(engine)
    async with sessions() as s:
        await svc.submit(
            s,
            actor=member,
            kind=RequestKind.issue,
            text="一",
            limits=limits,
            compose=compose,
            now=START,
        )
        await s.commit()
    from bot.services.requests import flow

    numbers = iter([1, 2])  # as if another process had taken 1 a moment ago

    async def stale(session: object, branch_id: int) -> int:
        return next(numbers)

    monkeypatch.setattr(flow, "_next_number", stale)
    async with sessions() as s:
        outcome = await svc.submit(
            s,
            actor=member,
            kind=RequestKind.issue,
            text="二",
            limits=limits,
            compose=compose,
            now=START,
        )
        await s.commit()
    assert outcome.card.number == 2


def test_holidays_setting_parses() -> None:
    from typing import Any

    from bot.config import ConfigError, Settings, load_settings

    settings = Settings(_env_file=None, requests_holidays="2026-10-01, 2026-10-02")  # type: ignore[call-arg]
    assert settings.requests_holidays == (date(2026, 10, 1), date(2026, 10, 2))
    assert Settings(_env_file=None, requests_holidays="").requests_holidays == ()  # type: ignore[call-arg]
    limits = svc.Limits.from_settings(settings)
    assert date(2026, 10, 1) in limits.holidays
    kwargs: dict[str, Any] = {"_env_file": None, "requests_holidays": "1 October"}
    with pytest.raises(ConfigError, match="REQUESTS_HOLIDAYS"):
        load_settings(**kwargs)


def test_longest_request_fits_one_message() -> None:
    from bot.i18n import Catalogs
    from bot.models.requests import REASON_MAX, TEXT_MAX
    from handlers.callbacks import LARGEST_ID
    from handlers.requests import views

    t = Catalogs.load().translator("zh_CN", TZ)
    steps = [svc.Step("resolved", START, "书" * 64, None) for _ in range(12)]
    card = svc.Card(
        id=LARGEST_ID,
        number=10**6,
        branch_id=1,
        branch_name="支" * 100,
        kind=RequestKind.suggestion,
        text="字" * TEXT_MAX,
        state=RequestState.reopened,
        member_id=1,
        member_name="名" * 64,
        handler_id=2,
        handler_name="办" * 64,
        created_at=START,
        accept_due_at=START,
        resolve_due_at=START,
        accepted_at=START,
        resolved_at=None,
        forward_reason="因" * REASON_MAX,
        reply="答" * TEXT_MAX,
        rating=None,
        reopen_reason="退" * REASON_MAX,
        reopened=True,
        escalated=True,
        file_id="f",
        media_kind="photo",
        reply_file_id="g",
        reply_media_kind="document",
        history=steps,
    )
    text, _keyboard = views.detail(t, card, frozenset())
    assert len(text) <= 4096


def test_who_leads_a_branch() -> None:
    admin = Member(telegram_user_id=1, name="管理员", role=Role.admin, joined_at=START)
    secretary = Member(
        telegram_user_id=2, name="书记", role=Role.secretary, branch_id=1, joined_at=START
    )
    member = Member(telegram_user_id=3, name="党员", role=Role.member, branch_id=1, joined_at=START)
    unplaced = Member(telegram_user_id=4, name="书记二", role=Role.secretary, joined_at=START)
    assert access.leads(admin, 1)
    assert access.leads(admin, None)
    assert access.leads(secretary, 1)
    assert not access.leads(secretary, 2)
    assert not access.leads(secretary, None)
    assert not access.leads(member, 1)
    assert not access.leads(unplaced, None)


@dataclass(frozen=True)
class CardStub:
    id: int


async def test_later_parts_go_as_the_capabilitys_file(engine: AsyncEngine) -> None:
    member, secretary, _, admin, _, _ = await people(engine)

    def two_for_the_member(
        person: Member, change: fanout.Change[svc.Event, CardStub]
    ) -> list[OutgoingMessage]:
        text = OutgoingMessage(text="text")
        return [text, OutgoingMessage(text="file")] if person.id == member.id else [text]

    sessions = make_sessions(engine)
    async with sessions() as s:
        card = CardStub(id=7)
        told = await fanout.send(
            s,
            capability="requests",
            recipients=[member, secretary, member],
            change=fanout.Change[svc.Event, CardStub](svc.Event.resolved, card),
            compose=two_for_the_member,
            now=START,
            actor_id=admin.id,
        )
        await s.commit()
        batches = list(await s.exec(select(DeliveryBatch).order_by(col(DeliveryBatch.id))))
        counts = [
            len(list(await s.exec(select(Delivery).where(Delivery.batch_id == b.id))))
            for b in batches
        ]
    assert told == 2
    assert [(b.kind, b.subject_id, b.created_by) for b in batches] == [
        ("requests.resolved", 7, admin.id),
        ("requests.file", 7, admin.id),
    ]
    assert counts == [2, 1]


def test_a_sent_file_fits_its_column_and_is_a_photo_or_a_document() -> None:
    assert fanout.SentFile.of(None, "photo") is None
    assert fanout.SentFile.of("", "photo") is None
    long = fanout.SentFile.of("x" * 300, "photo")
    assert long == fanout.SentFile("x" * 255, "photo")
    # Form data comes back from JSON: anything but a photo is sent on as a document.
    assert fanout.SentFile.of("id", "video") == fanout.SentFile("id", "document")
    assert fanout.SentFile.of("id", None) == fanout.SentFile("id", "document")
