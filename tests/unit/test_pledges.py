"""Pledges: parsing commitments (hypothesis) and the service rules (versions, reviews, ratings)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import make_sessions
from bot.models import (
    Branch,
    Member,
    Pledge,
    PledgeEvent,
    PledgeRating,
    PledgeStatus,
    PledgeVersion,
    Role,
)
from bot.services import pledges as svc
from bot.services.errors import Refused
from tests.harness import START

TZ = ZoneInfo("Asia/Shanghai")
APPROVED, RETURNED = PledgeStatus.approved, PledgeStatus.returned


async def reviewed(
    s: AsyncSession, status: PledgeStatus, comment: str | None = None, **pressed: Any
) -> Pledge:
    """通过 (APPROVED) or 退回 (RETURNED, with a comment), as the reviewer's buttons call it."""
    return (await svc.review(s, status=status, comment=comment, **pressed)).pledge


# One commitment as a person would type it: one line, no surrounding blanks, no list marker.
commitment = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=svc.COMMITMENT_MAX,
    )
    .map(str.strip)
    .filter(lambda c: bool(c) and len(c.splitlines()) == 1 and svc.strip_marker(c) == c)
)
commitments = st.lists(commitment, min_size=1, max_size=svc.COMMITMENTS_MAX)
marker = st.sampled_from(["{n}. ", "{n}.", "{n}、", "{n}) ", "({n}) ", "（{n}）", "- ", "• ", "* "])


@given(commitments)
@example(["2026年完成10.5小时志愿服务", "*带头*学习", "8:30 到岗"])
def test_one_per_line_round_trips(items: list[str]) -> None:
    assert svc.parse_commitments("\n".join(items)) == items


@given(commitments, marker, st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_numbered_lines_lose_only_their_numbers(items: list[str], mark: str, sep: str) -> None:
    # "1.0" is a number, not item "0" numbered 1: without a blank the reading is ambiguous.
    assume(not (mark == "{n}." and any(c[0].isdigit() for c in items)))
    typed = sep.join(mark.format(n=i) + c for i, c in enumerate(items, start=1))
    assert svc.parse_commitments(typed) == items


@given(st.text(max_size=3000))
def test_parse_never_returns_what_it_forbids(text: str) -> None:
    try:
        items = svc.parse_commitments(text)
    except Refused as exc:
        refused = exc.code
    else:
        refused = ""
    if refused:
        assert refused in ("commitments_empty", "commitments_too_many", "commitment_too_long")
        return
    assert 1 <= len(items) <= svc.COMMITMENTS_MAX
    for item in items:
        assert item
        assert item == item.strip()
        assert len(item) <= svc.COMMITMENT_MAX
        assert len(item.splitlines()) == 1
        assert item in text  # kept exactly as typed, never rewritten


@given(st.lists(commitment, min_size=svc.COMMITMENTS_MAX + 1, max_size=30))
def test_more_than_ten_is_refused_with_the_count(items: list[str]) -> None:
    with pytest.raises(Refused) as exc:
        svc.parse_commitments("\n".join(items))
    assert exc.value.code == "commitments_too_many"
    assert exc.value.params["count"] == len(items)


def test_empty_and_too_long_name_the_problem() -> None:
    with pytest.raises(Refused, match="commitments_empty"):
        svc.parse_commitments(" \n\t\n1. \n")
    with pytest.raises(Refused) as exc:
        svc.parse_commitments("ok\n" + "x" * 201)
    assert exc.value.params == {"number": 2, "length": 201, "limit": 200}
    assert svc.parse_commitments("x" * 200) == ["x" * 200]


def test_year_is_the_local_year() -> None:
    new_year_shanghai = START.replace(month=12, day=31, hour=16, minute=30)  # 00:30 on 1 Jan
    assert svc.pledge_year(new_year_shanghai, TZ) == 2027
    assert svc.pledge_year(new_year_shanghai, ZoneInfo("UTC")) == 2026


async def _people(engine: AsyncEngine) -> tuple[Member, Member, Member]:
    sessions = make_sessions(engine)
    async with sessions() as s:
        one, two = Branch(name="一支部", created_at=START), Branch(name="二支部", created_at=START)
        s.add_all([one, two])
        await s.flush()
        people = [
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
                name="别支部书记",
                role=Role.secretary,
                joined_at=START,
            ),
        ]
        s.add_all(people)
        await s.commit()
        for p in people:
            await s.refresh(p)
    return people[0], people[1], people[2]


async def test_review_cycle_keeps_every_version_and_who_did_what(engine: AsyncEngine) -> None:
    member, secretary, stranger = await _people(engine)
    sessions = make_sessions(engine)
    now = START
    async with sessions() as s:
        first = await svc.submit(
            s, member=member, text=svc.PledgeText("会长", "主持", ["一"]), now=now, tz=TZ
        )
        await s.commit()
        pid = first.pledge.id
        assert pid is not None
    async with sessions() as s:
        with pytest.raises(Refused, match="other_branch"):
            await reviewed(s, APPROVED, actor=stranger, pledge_id=pid, version=1, now=now)
        with pytest.raises(Refused, match="not_allowed"):
            await reviewed(s, APPROVED, actor=member, pledge_id=pid, version=1, now=now)
        with pytest.raises(Refused, match="comment_empty"):
            await reviewed(
                s, RETURNED, actor=secretary, pledge_id=pid, version=1, comment="  ", now=now
            )
        await reviewed(
            s, RETURNED, actor=secretary, pledge_id=pid, version=1, comment="再具体些", now=now
        )
        await s.commit()
    later = now + timedelta(hours=2)
    async with sessions() as s:
        again = await svc.submit(
            s, member=member, text=svc.PledgeText("会长", "主持", ["一", "二"]), now=later, tz=TZ
        )
        same = await svc.submit(
            s, member=member, text=svc.PledgeText("会长", "主持", ["一", "二"]), now=later, tz=TZ
        )
        assert (again.resubmitted, same.duplicate) == (True, True)
        await s.commit()
    async with sessions() as s:
        with pytest.raises(Refused, match="pledge_changed"):
            await reviewed(s, APPROVED, actor=secretary, pledge_id=pid, version=1, now=later)
        approved = await reviewed(s, APPROVED, actor=secretary, pledge_id=pid, version=2, now=later)
        await s.commit()
        assert approved.status == PledgeStatus.approved
    async with sessions() as s:
        with pytest.raises(Refused, match="already_approved"):
            await reviewed(s, APPROVED, actor=secretary, pledge_id=pid, version=2, now=later)
        with pytest.raises(Refused, match="already_approved"):
            await svc.submit(
                s, member=member, text=svc.PledgeText("x", "y", ["z"]), now=later, tz=TZ
            )
        _, changed = await svc.rate(
            s,
            actor=secretary,
            pledge_id=pid,
            rating=PledgeRating.excellent,
            comment=None,
            now=later,
        )
        assert changed
        _, changed = await svc.rate(
            s,
            actor=secretary,
            pledge_id=pid,
            rating=PledgeRating.excellent,
            comment="",
            now=later,
        )
        assert not changed
        await s.commit()
        versions = list(await s.exec(select(PledgeVersion).order_by(col(PledgeVersion.number))))
        assert [(v.number, v.commitments) for v in versions] == [(1, ["一"]), (2, ["一", "二"])]
        history = [
            (e.action, e.actor_id, e.version, e.comment)
            for e in await s.exec(select(PledgeEvent).order_by(col(PledgeEvent.id)))
        ]
        assert history == [
            ("submitted", member.id, 1, None),
            ("returned", secretary.id, 1, "再具体些"),
            ("resubmitted", member.id, 2, None),
            ("approved", secretary.id, 2, None),
            ("rated", secretary.id, 2, None),
        ]


async def test_form_list_is_checked_again_on_submit(engine: AsyncEngine) -> None:
    member, _, _ = await _people(engine)
    async with make_sessions(engine)() as s:
        for bad, code in (
            ([], "commitments_empty"),
            (["a"] * 11, "commitments_too_many"),
            (["a" * 201], "commitment_too_long"),
            (["a\nb"], "commitments_invalid"),
        ):
            with pytest.raises(Refused) as exc:
                await svc.submit(
                    s, member=member, text=svc.PledgeText("p", "d", bad), now=START, tz=TZ
                )
            assert exc.value.code == code
        # A commitment that itself starts with a number survives being stored and resubmitted.
        done = await svc.submit(
            s, member=member, text=svc.PledgeText("p", "d", ["1. 再讲一遍"]), now=START, tz=TZ
        )
        assert done.pledge.commitments == ["1. 再讲一遍"]


def test_common_ways_of_numbering() -> None:
    typed = "1、2026年底前完成\n2) 8:30 到岗\n③ 服务会员\n（4）10.5 小时\n- 学习"
    assert svc.parse_commitments(typed) == [
        "2026年底前完成",
        "8:30 到岗",
        "服务会员",
        "10.5 小时",
        "学习",
    ]


async def test_review_is_never_ones_own_and_secretaries_go_to_the_committee(
    engine: AsyncEngine,
) -> None:
    member, secretary, stranger = await _people(engine)
    sessions = make_sessions(engine)
    async with sessions() as s:
        admin = Member(telegram_user_id=9, name="党委", role=Role.admin, joined_at=START)
        s.add(admin)
        own = await svc.submit(
            s, member=secretary, text=svc.PledgeText("书记", "全面", ["一"]), now=START, tz=TZ
        )
        theirs = await svc.submit(
            s, member=member, text=svc.PledgeText("会长", "主持", ["一"]), now=START, tz=TZ
        )
        await s.commit()
        await s.refresh(admin)
    own_id, member_id = own.pledge.id, theirs.pledge.id
    assert own_id is not None
    assert member_id is not None
    async with sessions() as s:
        assert [p.id for p in await svc.pending(s, actor=secretary, now=START, tz=TZ)] == [
            member_id
        ]
        assert [p.id for p in await svc.pending(s, actor=admin, now=START, tz=TZ)] == [own_id]
        assert await svc.pending(s, actor=stranger, now=START, tz=TZ) == []
        for actor, pid, code in (
            (secretary, own_id, "own_pledge"),
            (stranger, own_id, "other_branch"),
            (admin, member_id, "branch_reviews"),
        ):
            with pytest.raises(Refused) as exc:
                await reviewed(s, APPROVED, actor=actor, pledge_id=pid, version=1, now=START)
            assert exc.value.code == code
        approved = await reviewed(s, APPROVED, actor=admin, pledge_id=own_id, version=1, now=START)
        assert (approved.status, approved.reviewed_by) == (PledgeStatus.approved, admin.id)


async def test_last_years_returned_pledge_stays_current_through_january(
    engine: AsyncEngine,
) -> None:
    member, secretary, _ = await _people(engine)
    sessions = make_sessions(engine)
    december = START.replace(month=12, day=20)
    async with sessions() as s:
        first = await svc.submit(
            s, member=member, text=svc.PledgeText("会长", "主持", ["一"]), now=december, tz=TZ
        )
        assert first.pledge.id is not None
        await reviewed(
            s,
            RETURNED,
            actor=secretary,
            pledge_id=first.pledge.id,
            version=1,
            comment="再具体些",
            now=december,
        )
        await s.commit()
    # 00:30 on 2 January in Shanghai; 1 February is past the grace month.
    january = december.replace(year=2027, month=1, day=1, hour=16, minute=30)
    async with sessions() as s:
        carried = await svc.current(s, member=member, now=january, tz=TZ)
        assert carried is not None
        assert (carried.year, carried.status) == (2026, PledgeStatus.returned)
        assert await svc.current(s, member=member, now=january + timedelta(days=31), tz=TZ) is None
        again = await svc.submit(
            s, member=member, text=svc.PledgeText("会长", "主持", ["二"]), now=january, tz=TZ
        )
        assert (again.pledge.id, again.pledge.year, again.resubmitted) == (
            first.pledge.id,
            2026,
            True,
        )
