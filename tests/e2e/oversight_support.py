"""Facts for the oversight tests, written straight into the tables other capabilities own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

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
        people = list(
            await s.exec(select(Member).where(Member.branch_id == bid, Member.role != Role.admin))
        )
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
