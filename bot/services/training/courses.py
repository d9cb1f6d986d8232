"""Courses: a 培训 (or 党课) meeting named 党课开讲啦, 学习大讲堂, 书记示范班 …"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Meeting, MeetingStatus, Member, TrainingCourse
from bot.services import access, audit
from bot.services.errors import Refused, clean_text
from bot.services.training.arithmetic import tenths_of_minutes
from bot.services.training.hours import COURSE_KINDS

NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Course:
    """What /course set, for the confirmation."""

    meeting_id: int
    name: str
    secretary_training: bool
    starts_at: datetime
    hours_tenths: int


async def set_course(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    name: str,
    secretary_training: bool,
    now: datetime,
) -> Course:
    """Name a 培训/党课 meeting of one's branch as a course (again to change it)."""
    leader = access.require_leader(actor)
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or not access.leads(leader, meeting.branch_id):
        raise Refused("unknown_meeting", id=meeting_id)
    if meeting.kind not in COURSE_KINDS:
        raise Refused("not_a_course_kind", id=meeting_id)
    if meeting.status != MeetingStatus.scheduled:
        raise Refused("meeting_cancelled", id=meeting_id)
    name = clean_text(name, NAME_MAX, "course_name_too_long", empty="course_name_empty")
    course = await session.get(TrainingCourse, meeting_id)
    if course is None:
        course = TrainingCourse(meeting_id=meeting_id, name=name, set_at=now)
    course.name, course.secretary_training = name, secretary_training
    course.set_by, course.set_at = leader.id, now
    session.add(course)
    details = {"name": name, "secretary": secretary_training}
    await audit.entry(
        session, by=leader, action="training.course", about=meeting, now=now, details=details
    )
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    return Course(
        meeting_id, name, secretary_training, meeting.starts_at, tenths_of_minutes(minutes)
    )
