"""Facts for the oversight tests, written straight into the tables other capabilities own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Attendance, Branch, Meeting, MeetingKind, Member, Role
from tests.harness import Harness

TZ = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """A Shanghai wall-clock time as aware UTC."""
    return datetime(*args, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


async def branch_id(h: Harness, name: str) -> int:
    async with h.sessions() as s:
        branch = (await s.exec(select(Branch).where(Branch.name == name))).one()
        assert branch.id is not None
        return branch.id


async def _people(s: AsyncSession, bid: int) -> list[Member]:
    """The branch's people (secretary and members), as the tests add facts for them."""
    query = select(Member).where(Member.branch_id == bid, Member.role != Role.admin)
    return list(await s.exec(query))


async def backdate_branch(h: Harness, name: str, at: datetime) -> None:
    async with h.sessions() as s:
        branch = (await s.exec(select(Branch).where(Branch.name == name))).one()
        branch.created_at = at
        s.add(branch)
        await s.commit()


async def add_meeting(
    h: Harness,
    name: str,
    kind: MeetingKind,
    starts_at: datetime,
    *,
    held: bool = True,
    checkins: int = 0,
) -> int:
    """A meeting of the branch; held ones get minutes (or check-ins when asked)."""
    bid = await branch_id(h, name)
    async with h.sessions() as s:
        meeting = Meeting(
            branch_id=bid,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            created_at=starts_at - timedelta(days=7),
            minutes_text="会议记录" if held and not checkins else None,
        )
        s.add(meeting)
        await s.flush()
        assert meeting.id is not None
        people = await _people(s, bid)
        for i, m in enumerate(people):
            assert m.id is not None
            s.add(
                Attendance(
                    meeting_id=meeting.id,
                    member_id=m.id,
                    checked_in_at=starts_at if held and i < checkins else None,
                )
            )
        await s.commit()
        return meeting.id


async def add_term(h: Harness, name: str, starts: str, years: int = 3) -> None:
    from datetime import date

    from bot.models import BranchTerm

    bid = await branch_id(h, name)
    start = date.fromisoformat(starts)
    async with h.sessions() as s:
        s.add(
            BranchTerm(
                branch_id=bid,
                starts_on=start,
                years=years,
                ends_on=start.replace(year=start.year + years),
                recorded_at=h.clock.now(),
            )
        )
        await s.commit()


async def _for_each(h: Harness, name: str, row: Callable[[int, int], SQLModel]) -> None:
    """Add `row(member_id, branch_id)` for each person of the branch."""
    bid = await branch_id(h, name)
    async with h.sessions() as s:
        for m in await _people(s, bid):
            assert m.id is not None
            s.add(row(m.id, bid))
        await s.commit()


async def add_pledges(h: Harness, name: str, year: int = 2026) -> None:
    from bot.models import Pledge, PledgeStatus

    now = h.clock.now()
    await _for_each(
        h,
        name,
        lambda member_id, bid: Pledge(
            member_id=member_id,
            branch_id=bid,
            year=year,
            post="岗位",
            duties="职责",
            status=PledgeStatus.approved,
            created_at=now,
            updated_at=now,
        ),
    )


async def add_hours(h: Harness, name: str, tenths: int = 600, *, year: int = 2026) -> None:
    """An approved 外部培训记录 of `tenths` for every member of the branch (default 60 学时:
    every role's yearly target)."""
    from datetime import date

    from bot.models import RecordState, TrainingRecord

    await _for_each(
        h,
        name,
        lambda member_id, bid: TrainingRecord(
            member_id=member_id,
            branch_id=bid,
            title="年度集中轮训",
            held_on=date(year, 6, 1),
            hours_tenths=tenths,
            state=RecordState.approved,
            created_at=h.clock.now(),
        ),
    )


async def healthy_branch(
    h: Harness, name: str, *, without: frozenset[MeetingKind] = frozenset(), hours: bool = True
) -> None:
    """A branch that kept every rule up to November 2026, but the kinds `without`, and
    whose members have their year's 学时 (unless not `hours`)."""
    await backdate_branch(h, name, local(2026, 1, 1))
    for kind, at, checkins in (
        (MeetingKind.assembly, local(2026, 7, 15, 14), 99),
        (MeetingKind.lecture, local(2026, 8, 15, 14), 99),
        (MeetingKind.theme_day, local(2026, 10, 20, 14), 0),
        (MeetingKind.committee, local(2026, 10, 10, 14), 0),
    ):
        if kind not in without:
            await add_meeting(h, name, kind, at, checkins=checkins)
    await add_term(h, name, "2025-01-01")
    await add_pledges(h, name)
    if hours:
        await add_hours(h, name)
