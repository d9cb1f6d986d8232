"""The scene of the several-workers test and benchmark: one branch, and everything the
jobs find due at once when the bot processes start.

Written straight into the database (joining 2,000 people one by one through the bot is
not what is measured), at `T0`, a Monday morning late in December, so that every kind
of timed work is due: a scheduled notice that needs 收到, a meeting's 1-hour reminder
(签到 open), a 第一议题 item's push and its nudge, the training reminders (behind target;
the secretary past the 6-month rule), the oversight calendar reminder (the month ends
in 4 days, no 党员大会 held) and the weekly digest. A second scheduled notice is held
back until `release_later`, so that a job also comes due after a worker is killed.

The bot processes see `T0` through tests/clockshift (their clock moved, not stopped).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from bot.db import Sessions
from bot.models import (
    Attendance,
    Branch,
    Delivery,
    DeliveryBatch,
    Meeting,
    MeetingKind,
    Member,
    Notice,
    NoticeReceipt,
    NoticeStatus,
    Role,
    StudyItem,
    StudyStatus,
    StudyTarget,
)
from simulator import SimMessage, SimUser
from tests.procs import ROOT

# Monday 2026-12-28 10:00 in Asia/Shanghai.
T0 = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
ADMIN = 1000
SECRETARY = 1001
NOTICE = "请各位党员于本周内完成年度党费核对，收到请确认。"
LATER = "元旦期间请注意安全，收到请确认。"
# What every member gets from the jobs, each exactly once (kind of the outbox batch).
MEMBER_KINDS = (
    "notice",
    "meeting.reminder",
    "study.push",
    "study.nudge",
    "training.behind",
)
SECRETARY_KINDS = ("oversight.calendar", "training.secretary_rule")
ADMIN_KINDS = ("oversight.digest", "training.secretary_rule")


def settings(job_interval: int) -> dict[str, str]:
    """What makes the jobs look often (every `job_interval` seconds), in every process."""
    every = str(job_interval)
    return {
        "ADMIN_IDS": str(ADMIN),
        "STUDY_JOB_INTERVAL_SECONDS": every,
        "OVERSIGHT_JOB_INTERVAL_SECONDS": every,
        "TRAINING_JOB_INTERVAL_SECONDS": every,
    }


def shifted_clock(at: datetime = T0) -> tuple[float, dict[str, str]]:
    """(seconds added to real time, the bot processes' environment) for a clock at `at` now."""
    shift = (at - datetime.now(UTC)).total_seconds()
    path = os.pathsep.join([str(ROOT / "tests" / "clockshift"), str(ROOT)])
    return shift, {"PYTHONPATH": path, "DANGJIAN_TEST_CLOCK_SHIFT": repr(shift)}


def shifted_now(shift: float) -> datetime:
    """The bot processes' `now`."""
    return datetime.now(UTC) + timedelta(seconds=shift)


@dataclass
class Scene:
    members: list[int]
    meeting_id: int = 0
    notice_id: int = 0
    later_id: int = 0
    member_ids: dict[int, int] = field(default_factory=dict)  # chat → member id


async def seed(sessions: Sessions, members: list[int], now: datetime = T0) -> Scene:
    scene = Scene(members)
    long_ago = now - timedelta(days=400)
    async with sessions() as s:
        branch = Branch(name="第一党支部", created_at=long_ago)
        s.add(branch)
        await s.flush()
        admin = Member(telegram_user_id=ADMIN, name="管理员", role=Role.admin, joined_at=long_ago)
        secretary = Member(
            telegram_user_id=SECRETARY,
            branch_id=branch.id,
            name="第一党支部书记",
            role=Role.secretary,
            joined_at=long_ago,
            secretary_since=now - timedelta(days=300),
        )
        people = [
            Member(telegram_user_id=c, branch_id=branch.id, name=f"党员{c}", joined_at=long_ago)
            for c in members
        ]
        s.add_all([admin, secretary, *people])
        await s.flush()
        scene.member_ids = {m.telegram_user_id: m.id or 0 for m in people}
        meeting = Meeting(
            branch_id=branch.id or 0,
            kind=MeetingKind.assembly,
            starts_at=now + timedelta(minutes=20),
            ends_at=now + timedelta(minutes=80),
            place="党员活动室",
            created_by=secretary.id,
            created_at=now - timedelta(hours=2),
        )
        s.add(meeting)
        await s.flush()
        s.add_all(Attendance(meeting_id=meeting.id or 0, member_id=m.id or 0) for m in [*people])
        notices = [
            Notice(
                text=text,
                requires_ack=True,
                status=status,
                send_at=now - timedelta(minutes=1),
                created_by=admin.id or 0,
                created_at=now - timedelta(hours=1),
            )
            for text, status in ((NOTICE, NoticeStatus.scheduled), (LATER, NoticeStatus.draft))
        ]
        item = StudyItem(
            title="学习贯彻全会精神",
            summary="第一议题",
            status=StudyStatus.published,
            created_by=admin.id,
            created_at=now - timedelta(days=1),
            published_at=now - timedelta(days=1),
            due_at=now + timedelta(hours=12),
        )
        s.add_all([*notices, item])
        await s.flush()
        s.add(
            StudyTarget(
                item_id=item.id or 0, branch_id=branch.id or 0, push_at=now - timedelta(minutes=1)
            )
        )
        await s.commit()
        scene.meeting_id = meeting.id or 0
        scene.notice_id, scene.later_id = (n.id or 0 for n in notices)
    return scene


async def release_later(sessions: Sessions, scene: Scene, now: datetime) -> None:
    """The second notice becomes due now (as if its author had scheduled it for now)."""
    async with sessions() as s:
        await s.execute(
            update(Notice)
            .where(col(Notice.id) == scene.later_id)
            .values(status=NoticeStatus.scheduled, send_at=now)
        )
        await s.commit()


async def enqueued(sessions: Sessions) -> Counter[tuple[str, int | None, int]]:
    """How many outbox rows each (kind, subject, chat) has: 1 each when no job ran twice."""
    async with sessions() as s:
        rows = await s.exec(
            select(DeliveryBatch.kind, DeliveryBatch.subject_id, Delivery.chat_id).join(
                DeliveryBatch, col(DeliveryBatch.id) == col(Delivery.batch_id)
            )
        )
        return Counter((k, subject, chat) for k, subject, chat in rows.all())


async def recorded(sessions: Sessions, scene: Scene) -> tuple[Counter[int], Counter[int]]:
    """Per member id: rows with 收到 recorded on the notice, and rows checked in."""
    async with sessions() as s:
        acks = await s.exec(
            select(NoticeReceipt.member_id).where(
                NoticeReceipt.notice_id == scene.notice_id,
                col(NoticeReceipt.acked_at).is_not(None),
            )
        )
        checked = await s.exec(
            select(Attendance.member_id).where(
                Attendance.meeting_id == scene.meeting_id,
                col(Attendance.checked_in_at).is_not(None),
            )
        )
        return Counter(acks.all()), Counter(checked.all())


def _received(user: SimUser, *, text: str = "", button: str = "") -> SimMessage | None:
    for m in user.bot_messages:
        if text in m.text and (not button or button in m.flat_buttons):
            return m
    return None


async def answer_and_check_in(
    people: list[SimUser], twice: set[int], patience: float = 180
) -> Counter[int]:
    """Each person presses 收到 on the notice and 签到 on the meeting reminder as soon as
    both have reached them; those in `twice` press 签到 a second time straight away (the
    balancer passes it to another worker). Returns the presses made per person."""
    presses: Counter[int] = Counter()
    waiting = list(people)
    deadline = asyncio.get_running_loop().time() + patience
    while waiting:
        for p in list(waiting):
            notice = _received(p, text=NOTICE, button="收到")
            reminder = _received(p, text="提醒", button="签到")
            if notice is None or reminder is None:
                continue
            await p.press("收到", notice)
            for _ in range(2 if p.user_id in twice else 1):
                await p.press("签到", reminder)
            presses[p.user_id] = 3 if p.user_id in twice else 2
            waiting.remove(p)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(waiting)} people never got both messages")
        await asyncio.sleep(0.1)
    return presses


def answered(people: list[SimUser], presses: Counter[int]) -> bool:
    return all(len(p.callback_answers) >= presses[p.user_id] for p in people)
