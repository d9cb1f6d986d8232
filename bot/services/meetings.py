"""三会一课: parsing what secretaries type, scheduling, answers, leave, 签到, reminders.

Every function takes an explicit session and `now`; the caller commits. Notices,
reminders and change notices go out through the outbox in the same transaction as the
change they announce, rendered in each invitee's language by `texts(locale)`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import outbox
from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Translator
from bot.models import (
    Attendance,
    Branch,
    CheckinBy,
    CheckinMethod,
    LeaveStatus,
    MediaFile,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Member,
    MemberStatus,
    PartyGroup,
    Role,
    Rsvp,
)
from bot.services import access, audit, once
from bot.services.errors import Refused

TextsFor = Callable[[str | None], Translator]

CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
MAX_CODE_TRIES = 5
DEFAULT_DURATION_MINUTES = 120
DURATION_MIN, DURATION_MAX = 15, 600
PLACE_MAX = 200
TOPIC_MAX = 300
REASON_MAX = 500
GROUP_NAME_MAX = 32
MINUTES_TEXT_MAX = 4000

KIND_NAMES = {
    MeetingKind.assembly: N_("general assembly"),
    MeetingKind.committee: N_("branch committee meeting"),
    MeetingKind.group: N_("party group meeting"),
    MeetingKind.lecture: N_("party lecture"),
    MeetingKind.theme_day: N_("party day"),
    MeetingKind.life_meeting: N_("organisational life meeting"),
    MeetingKind.member_review: N_("democratic review of members"),
    MeetingKind.training: N_("training session"),
}

# What people may type for a kind: the glossary's Chinese names and the code names.
_KIND_WORDS = {
    "党员大会": MeetingKind.assembly,
    "支部党员大会": MeetingKind.assembly,
    "支委会": MeetingKind.committee,
    "党小组会": MeetingKind.group,
    "党课": MeetingKind.lecture,
    "主题党日": MeetingKind.theme_day,
    "组织生活会": MeetingKind.life_meeting,
    "民主评议党员": MeetingKind.member_review,
    "民主评议": MeetingKind.member_review,
    "培训": MeetingKind.training,
    "party day": MeetingKind.theme_day,
    "theme_day": MeetingKind.theme_day,
    "organisational life meeting": MeetingKind.life_meeting,
    "life_meeting": MeetingKind.life_meeting,
    "democratic review of members": MeetingKind.member_review,
    "member_review": MeetingKind.member_review,
    "training session": MeetingKind.training,
    "training": MeetingKind.training,
    "assembly": MeetingKind.assembly,
    "general assembly": MeetingKind.assembly,
    "committee": MeetingKind.committee,
    "branch committee meeting": MeetingKind.committee,
    "group": MeetingKind.group,
    "party group meeting": MeetingKind.group,
    "lecture": MeetingKind.lecture,
    "party lecture": MeetingKind.lecture,
}


# --------------------------------------------------------------------------- parsing
def parse_kind(text: str) -> MeetingKind:
    kind = _KIND_WORDS.get(" ".join(text.strip().lower().split()))
    if kind is None:
        raise Refused("bad_kind", text=text.strip()[:40])
    return kind


_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")


def parse_date(text: str) -> date:
    """`YYYY-MM-DD`; 2026-02-30 and other impossible dates are refused."""
    match = _DATE.match(text.strip())
    if match is None:
        raise Refused("bad_date_format", text=text.strip()[:40])
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Refused("bad_date", text=text.strip()[:40]) from None


def parse_time(text: str) -> time:
    """`HH:MM` on a 24-hour clock; 25:00 is refused."""
    match = _TIME.match(text.strip())
    if match is None:
        raise Refused("bad_time_format", text=text.strip()[:40])
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise Refused("bad_time", text=text.strip()[:40])
    return time(hour, minute)


def parse_duration(text: str) -> int:
    """Minutes, typed as `90`, `90m`, `2h` or `1.5h`."""
    raw = text.strip().lower().replace("分钟", "m").replace("小时", "h")
    match = re.fullmatch(r"(\d{1,3}(?:\.\d)?)\s*(h|m|min)?", raw)
    if match is None:
        raise Refused("bad_duration")
    value = float(match[1])
    minutes = round(value * 60) if match[2] == "h" else round(value)
    if match[2] != "h" and "." in match[1]:
        raise Refused("bad_duration")
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        raise Refused("bad_duration")
    return minutes


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def starts_in_future(day: date, at: time, tz: ZoneInfo, now: datetime) -> datetime:
    starts = local_to_utc(day, at, tz)
    if starts <= now:
        raise Refused("in_past")
    return starts


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of local dates, `label` as the person may type it again."""

    first: date
    last: date
    label: str


def _quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def _month_end(year: int, month: int) -> date:
    if month == 12:  # also keeps 9999-12 from overflowing into year 10000
        return date(year, 12, 31)
    nxt = date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), _month_end(year, month), f"{year:04d}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    return Period(
        date(year, first_month, 1), _month_end(year, first_month + 2), f"{year:04d}-Q{quarter}"
    )


_THIS_MONTH = {"this month", "month", "本月", "this-month"}
_THIS_QUARTER = {"this quarter", "quarter", "本季度", "this-quarter"}


def parse_period(text: str, today: date) -> Period:
    """`this month`, `this quarter`, `YYYY-MM` or `YYYY-Qn`."""
    raw = " ".join(text.strip().lower().split())
    if raw in _THIS_MONTH:
        return month_period(today.year, today.month)
    if raw in _THIS_QUARTER:
        return quarter_period(today.year, _quarter_of(today.month))
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and year >= 1:
            return month_period(year, month)
    if (match := re.fullmatch(r"(\d{4})-?q([1-4])", raw)) and int(match[1]) >= 1:
        return quarter_period(int(match[1]), int(match[2]))
    raise Refused("bad_period", text=text.strip()[:40])


# --------------------------------------------------------------------------- people
async def branch_people(session: AsyncSession, branch_id: int) -> list[Member]:
    """Everyone of the branch who can be invited (not left), secretaries first."""
    rows = await session.exec(
        select(Member)
        .where(
            Member.branch_id == branch_id,
            Member.status != MemberStatus.left,
            col(Member.role).in_([Role.member, Role.secretary]),
        )
        .order_by(col(Member.role).desc(), col(Member.name), col(Member.id))
    )
    return list(rows)


async def groups_of(session: AsyncSession, branch_id: int) -> list[PartyGroup]:
    rows = await session.exec(
        select(PartyGroup)
        .where(PartyGroup.branch_id == branch_id)
        .order_by(col(PartyGroup.name), col(PartyGroup.id))
    )
    return list(rows)


async def create_group(
    session: AsyncSession, *, actor: Member | None, name: str, now: datetime
) -> PartyGroup:
    """A new 党小组 in the secretary's branch."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    name = name.strip()
    if not name:
        raise Refused("group_name_empty")
    if len(name) > GROUP_NAME_MAX or "\n" in name:
        raise Refused("group_name_too_long", limit=GROUP_NAME_MAX)
    assert secretary.branch_id is not None
    exists = (
        await session.exec(
            select(PartyGroup).where(
                PartyGroup.branch_id == secretary.branch_id, PartyGroup.name == name
            )
        )
    ).first()
    if exists is not None:
        raise Refused("group_exists", name=name)
    group = PartyGroup(branch_id=secretary.branch_id, name=name, created_at=now)
    session.add(group)
    await session.flush()
    await audit.record(
        session,
        actor_id=secretary.id,
        action="group.created",
        now=now,
        subject=f"group:{group.id}",
        details={"name": name},
    )
    return group


async def _own_person(session: AsyncSession, secretary: Member, member_id: int) -> Member:
    person = await session.get(Member, member_id)
    if (
        person is None
        or person.branch_id != secretary.branch_id
        or person.status == MemberStatus.left
    ):
        raise Refused("no_such_person")
    return person


async def set_committee(
    session: AsyncSession, *, actor: Member | None, member_id: int, on: bool, now: datetime
) -> Member:
    """Mark or unmark a person of the branch as 支委 (branch committee member)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    person = await _own_person(session, secretary, member_id)
    if person.is_committee != on:
        person.is_committee = on
        session.add(person)
        await audit.record(
            session,
            actor_id=secretary.id,
            action="committee.set" if on else "committee.unset",
            now=now,
            subject=f"member:{person.id}",
        )
    return person


async def set_group(
    session: AsyncSession,
    *,
    actor: Member | None,
    member_id: int,
    group_id: int | None,
    now: datetime,
) -> Member:
    """Put a person into a 党小组 of the branch (or take them out with None)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    person = await _own_person(session, secretary, member_id)
    if group_id is not None:
        group = await session.get(PartyGroup, group_id)
        if group is None or group.branch_id != secretary.branch_id:
            raise Refused("no_such_group")
    person.party_group_id = group_id
    session.add(person)
    await audit.record(
        session,
        actor_id=secretary.id,
        action="group.assigned",
        now=now,
        subject=f"member:{person.id}",
        details={"group": group_id},
    )
    return person


def default_invitees(
    people: Sequence[Member], kind: MeetingKind, group_id: int | None
) -> list[Member]:
    """支委会: the committee and the secretaries; 党小组会: one group; otherwise everyone."""
    if kind == MeetingKind.committee:
        return [p for p in people if p.is_committee or p.role == Role.secretary]
    if kind == MeetingKind.group:
        return [p for p in people if group_id is not None and p.party_group_id == group_id]
    return list(people)


# --------------------------------------------------------------------------- drafts
@dataclass(slots=True)
class Draft:
    """A meeting as the form holds it (JSON-friendly), before it is saved."""

    kind: MeetingKind | None = None
    group_id: int | None = None
    day: date | None = None
    at: time | None = None
    duration: int = DEFAULT_DURATION_MINUTES
    place: str = ""
    topic: str = ""
    checkin_by: CheckinBy = CheckinBy.button
    invitees: list[int] | None = None  # None: the kind's default

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        return cls(
            kind=MeetingKind(data["kind"]) if data.get("kind") else None,
            group_id=data.get("group_id"),
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
            at=time.fromisoformat(data["at"]) if data.get("at") else None,
            duration=int(data.get("duration") or DEFAULT_DURATION_MINUTES),
            place=data.get("place") or "",
            topic=data.get("topic") or "",
            checkin_by=CheckinBy(data.get("checkin_by") or CheckinBy.button),
            invitees=list(data["invitees"]) if data.get("invitees") is not None else None,
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value if self.kind else None,
            "group_id": self.group_id,
            "day": self.day.isoformat() if self.day else None,
            "at": self.at.strftime("%H:%M") if self.at else None,
            "duration": self.duration,
            "place": self.place,
            "topic": self.topic,
            "checkin_by": self.checkin_by.value,
            "invitees": self.invitees,
        }


def clean_text(raw: str, limit: int, code: str) -> str:
    text = raw.strip()
    if len(text) > limit:
        raise Refused(code, limit=limit, length=len(text))
    return text


async def draft_invitees(session: AsyncSession, *, branch_id: int, draft: Draft) -> list[Member]:
    """Who the draft invites now: the chosen people, or the kind's default."""
    people = await branch_people(session, branch_id)
    if draft.invitees is not None:
        chosen = set(draft.invitees)
        return [p for p in people if p.id in chosen]
    assert draft.kind is not None
    return default_invitees(people, draft.kind, draft.group_id)


async def quick_draft(
    session: AsyncSession, *, actor: Member | None, args: list[str], tz: ZoneInfo, now: datetime
) -> Draft:
    """`<kind> <YYYY-MM-DD> <HH:MM> [place]`; a 党小组会 names its group first when there are several."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    assert secretary.branch_id is not None
    if len(args) < 3:
        raise Refused("quick_usage")
    kind = parse_kind(args[0])
    day = parse_date(args[1])
    at = parse_time(args[2])
    starts_in_future(day, at, tz, now)
    rest = list(args[3:])
    group_id = None
    if kind == MeetingKind.group:
        groups = await groups_of(session, secretary.branch_id)
        named = [g for g in groups if rest and g.name == rest[0]]
        if named:
            group_id = named[0].id
            rest = rest[1:]
        elif len(groups) == 1:
            group_id = groups[0].id
        elif not groups:
            raise Refused("no_groups")
        else:
            raise Refused("which_group", groups="、".join(g.name for g in groups))
    place = clean_text(" ".join(rest), PLACE_MAX, "place_too_long")
    return Draft(kind=kind, group_id=group_id, day=day, at=at, place=place)


@dataclass
class TextsCache:
    """One translator per locale while rendering a fan-out."""

    texts: TextsFor
    default: str
    _cache: dict[str, Translator] = field(default_factory=dict)

    def __call__(self, locale: str | None) -> Translator:
        key = locale or self.default
        if key not in self._cache:
            self._cache[key] = self.texts(key)
        return self._cache[key]


def kind_name(t: Translator, kind: MeetingKind) -> str:
    return t.label(KIND_NAMES[kind])


def meeting_summary(t: Translator, meeting: Meeting, group: PartyGroup | None = None) -> str:
    """Kind, time, place and 第一议题 of a meeting in one reader's language (HTML)."""
    kind = kind_name(t, meeting.kind)
    if group is not None:
        kind = t.label("{kind} ({group})", kind=kind, group=group.name)
    lines = [
        t._("<b>{kind}</b> #{id}", kind=kind, id=meeting.id),
        t._(
            "Time: {start}–{end}",
            start=t.datetime(meeting.starts_at, "short"),
            end=t.time(meeting.ends_at),
        ),
        t._("Place: {place}", place=meeting.place or t.label("not set")),
        t._("First agenda item: {topic}", topic=meeting.first_topic or t.label("not set")),
    ]
    return "\n".join(lines)


def notice_buttons(t: Translator, meeting: Meeting) -> Keyboard:
    rows: Keyboard = [
        [
            Button(t.label("Attend"), data=f"mt:{meeting.id}:yes"),
            Button(t.label("Request leave"), data=f"mt:{meeting.id}:leave"),
        ]
    ]
    if meeting.checkin_by == CheckinBy.button:
        rows.append([Button(t.label("Check in"), data=f"mt:{meeting.id}:in")])
    return rows


def checkin_hint(t: Translator, meeting: Meeting) -> str:
    opens = meeting.starts_at - CHECKIN_OPENS_BEFORE
    if meeting.checkin_by == CheckinBy.code:
        return t._(
            "Check-in opens at {time}: send /checkin and the code given at the meeting.",
            time=t.time(opens),
        )
    return t._("Check-in opens at {time}: press “Check in” below.", time=t.time(opens))


async def _notify(
    session: AsyncSession,
    *,
    kind: str,
    meeting: Meeting,
    members: Iterable[Member],
    texts: TextsCache,
    headline: Callable[[Translator], str],
    with_buttons: bool,
    now: datetime,
    created_by: int | None,
) -> int:
    group = (
        await session.get(PartyGroup, meeting.party_group_id) if meeting.party_group_id else None
    )
    recipients = []
    for m in members:
        t = texts(m.locale)
        text = headline(t) + "\n\n" + meeting_summary(t, meeting, group)
        buttons: Keyboard = []
        if with_buttons:
            text += "\n\n" + checkin_hint(t, meeting)
            buttons = notice_buttons(t, meeting)
        recipients.append(
            outbox.Recipient(m.telegram_user_id, OutgoingMessage(text=text, buttons=buttons), m.id)
        )
    batch = await outbox.enqueue(
        session,
        kind=kind,
        recipients=recipients,
        now=now,
        subject_id=meeting.id,
        created_by=created_by,
    )
    return batch.total


def new_code() -> str:
    return f"{secrets.randbelow(900_000) + 100_000}"


async def schedule(
    session: AsyncSession,
    *,
    actor: Member | None,
    draft: Draft,
    tz: ZoneInfo,
    texts: TextsFor,
    default_locale: str,
    now: datetime,
) -> tuple[Meeting, int]:
    """Save the meeting, one Attendance per invitee, and a notice to each in the outbox."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    assert secretary.branch_id is not None
    if draft.kind is None or draft.day is None or draft.at is None:
        raise Refused("draft_incomplete")
    starts = starts_in_future(draft.day, draft.at, tz, now)
    if draft.kind == MeetingKind.group:
        group = await session.get(PartyGroup, draft.group_id) if draft.group_id else None
        if group is None or group.branch_id != secretary.branch_id:
            raise Refused("no_such_group")
    invitees = await draft_invitees(session, branch_id=secretary.branch_id, draft=draft)
    if not invitees:
        raise Refused("no_invitees")
    meeting = Meeting(
        branch_id=secretary.branch_id,
        kind=draft.kind,
        party_group_id=draft.group_id if draft.kind == MeetingKind.group else None,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=draft.duration),
        place=draft.place,
        first_topic=draft.topic,
        checkin_by=draft.checkin_by,
        checkin_code=new_code() if draft.checkin_by == CheckinBy.code else None,
        created_by=secretary.id,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    await session.execute(
        Attendance.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "meeting_id": meeting.id,
                "member_id": m.id,
                "late": False,
                "marked_absent": False,
                "code_tries": 0,
            }
            for m in invitees
        ],
    )
    sent = await _notify(
        session,
        kind="meeting.notice",
        meeting=meeting,
        members=invitees,
        texts=TextsCache(texts, default_locale),
        headline=lambda t: t._("📣 <b>Meeting notice</b>"),
        with_buttons=True,
        now=now,
        created_by=secretary.id,
    )
    await audit.record(
        session,
        actor_id=secretary.id,
        action="meeting.scheduled",
        now=now,
        subject=f"meeting:{meeting.id}",
        details={"kind": draft.kind.value, "invitees": len(invitees)},
    )
    return meeting, sent


# --------------------------------------------------------------------------- invitees act
@dataclass(slots=True)
class Invitation:
    meeting: Meeting
    attendance: Attendance


async def invitation(
    session: AsyncSession, *, member: Member | None, meeting_id: int, lock: bool = False
) -> Invitation:
    """The member's invitation to a meeting; refuses strangers and forged ids."""
    if member is None or member.status == MemberStatus.left:
        raise Refused("not_invited")
    query = (
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(Meeting.id == meeting_id, Attendance.member_id == member.id)
    )
    if lock:
        query = query.with_for_update()
    row = (await session.exec(query)).first()
    if row is None:
        raise Refused("not_invited")
    return Invitation(*row)


def _open_for_answers(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now >= meeting.starts_at:
        raise Refused("answers_closed")


async def attend(
    session: AsyncSession, *, member: Member | None, meeting_id: int, now: datetime
) -> tuple[Invitation, bool]:
    """出席; returns (invitation, changed). An answer may change until the start."""
    inv = await invitation(session, member=member, meeting_id=meeting_id, lock=True)
    _open_for_answers(inv.meeting, now)
    a = inv.attendance
    if a.rsvp == Rsvp.attend:
        return inv, False
    a.rsvp, a.answered_at = Rsvp.attend, now
    a.leave_reason = a.leave_status = a.leave_decided_by = None
    session.add(a)
    return inv, True


async def can_request_leave(
    session: AsyncSession, *, member: Member | None, meeting_id: int, now: datetime
) -> Invitation:
    """Checks before asking for a reason: invited, not started, not already on leave."""
    inv = await invitation(session, member=member, meeting_id=meeting_id)
    _open_for_answers(inv.meeting, now)
    if inv.attendance.rsvp == Rsvp.leave:
        raise Refused("leave_already", status=inv.attendance.leave_status or "")
    return inv


async def request_leave(
    session: AsyncSession,
    *,
    member: Member | None,
    meeting_id: int,
    reason: str,
    now: datetime,
) -> Invitation:
    """请假 with a reason; the secretary decides."""
    inv = await can_request_leave(session, member=member, meeting_id=meeting_id, now=now)
    reason = reason.strip()
    if not reason:
        raise Refused("reason_empty")
    if len(reason) > REASON_MAX:
        raise Refused("reason_too_long", limit=REASON_MAX, length=len(reason))
    a = inv.attendance
    a.rsvp, a.answered_at = Rsvp.leave, now
    a.leave_reason, a.leave_status, a.leave_decided_by = reason, LeaveStatus.pending, None
    session.add(a)
    return inv


async def decider_of(session: AsyncSession, meeting: Meeting) -> Member | None:
    """Who gets the leave request: the secretary who scheduled it, else one of the branch."""
    creator = await session.get(Member, meeting.created_by) if meeting.created_by else None
    if (
        creator is not None
        and creator.role == Role.secretary
        and creator.branch_id == meeting.branch_id
        and creator.status != MemberStatus.left
    ):
        return creator
    return (
        await session.exec(
            select(Member)
            .where(
                Member.branch_id == meeting.branch_id,
                Member.role == Role.secretary,
                Member.status != MemberStatus.left,
            )
            .order_by(col(Member.id))
        )
    ).first()


def leave_token(a: Attendance) -> str:
    """A short digest naming one leave request of an attendance row (for 批准 / 不批准).

    A withdrawn and renewed request reuses the row, so the id alone would let the first
    request's message decide the second; the request's time and reason tell them apart.
    """
    at = a.answered_at.astimezone(UTC).isoformat() if a.answered_at else ""
    raw = f"{a.id}|{at}|{a.leave_reason or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


@dataclass(slots=True)
class LeaveDecision:
    meeting: Meeting
    attendance: Attendance
    member: Member
    changed: bool


async def decide_leave(
    session: AsyncSession,
    *,
    actor: Member | None,
    attendance_id: int,
    token: str,
    approve: bool,
    now: datetime,
) -> LeaveDecision:
    """批准 / 不批准 the pending leave request `token` names, of the secretary's own branch."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    a = (
        await session.exec(
            select(Attendance).where(Attendance.id == attendance_id).with_for_update()
        )
    ).first()
    meeting = await session.get(Meeting, a.meeting_id) if a else None
    if a is None or meeting is None or meeting.branch_id != secretary.branch_id:
        raise Refused("no_such_request")
    member = await session.get(Member, a.member_id)
    assert member is not None
    if a.rsvp != Rsvp.leave or a.leave_status is None:
        raise Refused("leave_withdrawn")
    if token != leave_token(a):
        raise Refused("leave_superseded")
    if a.leave_status != LeaveStatus.pending:
        return LeaveDecision(meeting, a, member, changed=False)
    a.leave_status = LeaveStatus.approved if approve else LeaveStatus.rejected
    a.leave_decided_by = secretary.id
    session.add(a)
    await audit.record(
        session,
        actor_id=secretary.id,
        action="leave.approved" if approve else "leave.rejected",
        now=now,
        subject=f"attendance:{a.id}",
    )
    return LeaveDecision(meeting, a, member, changed=True)


@dataclass(slots=True)
class CheckIn:
    meeting: Meeting
    at: datetime
    late: bool
    recorded: bool  # False: it had been recorded before


def _check_window(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    opens = meeting.starts_at - CHECKIN_OPENS_BEFORE
    if now < opens:
        raise Refused("checkin_not_open", opens=opens)
    if now >= meeting.ends_at:
        raise Refused("checkin_closed")


async def _record_checkin(
    session: AsyncSession, inv: Invitation, method: CheckinMethod, now: datetime
) -> CheckIn:
    late = now > inv.meeting.starts_at
    # A conditional UPDATE: of two racing presses exactly one finds the row still open.
    result = await session.execute(
        update(Attendance)
        .where(col(Attendance.id) == inv.attendance.id, col(Attendance.checked_in_at).is_(None))
        .values(checked_in_at=now, method=method, late=late, marked_absent=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) == 1:
        return CheckIn(inv.meeting, now, late, recorded=True)
    await session.refresh(inv.attendance)
    at = inv.attendance.checked_in_at or now
    return CheckIn(inv.meeting, at, inv.attendance.late, recorded=False)


async def check_in_button(
    session: AsyncSession, *, member: Member | None, meeting_id: int, now: datetime
) -> CheckIn:
    """签到 by button, once; a second press reports the first."""
    inv = await invitation(session, member=member, meeting_id=meeting_id)
    if inv.attendance.checked_in_at is not None:
        return CheckIn(inv.meeting, inv.attendance.checked_in_at, inv.attendance.late, False)
    if inv.meeting.checkin_by == CheckinBy.code:
        raise Refused("use_code")
    _check_window(inv.meeting, now)
    return await _record_checkin(session, inv, CheckinMethod.button, now)


_CODE = re.compile(r"^\d{4,6}$")


async def check_in_code(
    session: AsyncSession, *, member: Member | None, code: str, now: datetime
) -> CheckIn:
    """`/checkin <code>` for the member's meeting whose check-in window is open now."""
    if member is None or member.status == MemberStatus.left:
        raise Refused("not_invited")
    code = code.strip()
    if not _CODE.match(code):
        raise Refused("code_format")
    rows = (
        await session.exec(
            select(Meeting, Attendance)
            .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
            .where(
                Attendance.member_id == member.id,
                Meeting.status == MeetingStatus.scheduled,
                Meeting.checkin_by == CheckinBy.code,
                col(Meeting.starts_at) <= now + CHECKIN_OPENS_BEFORE,
                col(Meeting.ends_at) > now,
            )
            .order_by(col(Meeting.starts_at))
        )
    ).all()
    if not rows:
        raise Refused("no_open_meeting")
    for meeting, a in rows:
        if a.checked_in_at is not None and meeting.checkin_code == code:
            return CheckIn(meeting, a.checked_in_at, a.late, recorded=False)
    candidates = [(m, a) for m, a in rows if a.checked_in_at is None]
    if not candidates:
        meeting, a = rows[0]
        assert a.checked_in_at is not None
        return CheckIn(meeting, a.checked_in_at, a.late, recorded=False)
    for meeting, a in candidates:
        if a.code_tries < MAX_CODE_TRIES and meeting.checkin_code == code:
            return await _record_checkin(session, Invitation(meeting, a), CheckinMethod.code, now)
    if all(a.code_tries >= MAX_CODE_TRIES for _, a in candidates):
        raise Refused("code_locked")
    meeting, a = next((m, x) for m, x in candidates if x.code_tries < MAX_CODE_TRIES)
    left = MAX_CODE_TRIES - a.code_tries - 1
    await session.execute(
        update(Attendance)
        .where(col(Attendance.id) == a.id)
        .values(code_tries=Attendance.code_tries + 1)
    )
    raise Refused("code_wrong", left=left)


async def _meeting_of_branch(session: AsyncSession, secretary: Member, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.branch_id != secretary.branch_id:
        raise Refused("no_such_meeting", id=meeting_id)
    return meeting


async def mark(
    session: AsyncSession,
    *,
    actor: Member | None,
    attendance_id: int,
    present: bool,
    now: datetime,
) -> tuple[Attendance, Member]:
    """The secretary marks a person present or absent by hand (once check-in has opened)."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    a = await session.get(Attendance, attendance_id)
    meeting = await session.get(Meeting, a.meeting_id) if a else None
    if a is None or meeting is None or meeting.branch_id != secretary.branch_id:
        raise Refused("no_such_request")
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now < meeting.starts_at - CHECKIN_OPENS_BEFORE:
        raise Refused("checkin_not_open", opens=meeting.starts_at - CHECKIN_OPENS_BEFORE)
    person = await session.get(Member, a.member_id)
    assert person is not None
    if present:
        if a.checked_in_at is None:
            a.checked_in_at, a.method, a.late = now, CheckinMethod.manual, False
        a.marked_absent = False
    else:
        a.checked_in_at, a.method, a.late, a.marked_absent = None, None, False, True
    session.add(a)
    await audit.record(
        session,
        actor_id=secretary.id,
        action="attendance.marked",
        now=now,
        subject=f"attendance:{a.id}",
        details={"present": present},
    )
    return a, person


# --------------------------------------------------------------------------- changes
async def _invitees(session: AsyncSession, meeting_id: int) -> list[Member]:
    rows = await session.exec(
        select(Member)
        .join(Attendance, col(Attendance.member_id) == col(Member.id))
        .where(Attendance.meeting_id == meeting_id, Member.status != MemberStatus.left)
        .order_by(col(Member.id))
    )
    return list(rows)


async def cancel(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    texts: TextsFor,
    default_locale: str,
    now: datetime,
) -> tuple[Meeting, int]:
    """Call a meeting off before it starts; every invitee is told."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    meeting = await _meeting_of_branch(session, secretary, meeting_id)
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now >= meeting.starts_at:
        raise Refused("already_started")
    meeting.status, meeting.changed_at = MeetingStatus.cancelled, now
    session.add(meeting)
    sent = await _notify(
        session,
        kind="meeting.cancelled",
        meeting=meeting,
        members=await _invitees(session, meeting.id or 0),
        texts=TextsCache(texts, default_locale),
        headline=lambda t: t._("❌ <b>Meeting cancelled</b>"),
        with_buttons=False,
        now=now,
        created_by=secretary.id,
    )
    await audit.record(
        session, actor_id=secretary.id, action="meeting.cancelled", now=now,
        subject=f"meeting:{meeting.id}",
    )  # fmt: skip
    return meeting, sent


async def reschedule(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    day: date,
    at: time,
    tz: ZoneInfo,
    texts: TextsFor,
    default_locale: str,
    now: datetime,
) -> tuple[Meeting, int]:
    """Move a meeting (same length); answers and leave decisions carry over."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    meeting = await _meeting_of_branch(session, secretary, meeting_id)
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now >= meeting.starts_at:
        raise Refused("already_started")
    starts = starts_in_future(day, at, tz, now)
    length = meeting.ends_at - meeting.starts_at
    old = meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.changed_at = starts, starts + length, now
    session.add(meeting)
    # Answers carry over; check-ins made in the 30 minutes before the old start do not
    # (nobody has attended the meeting at its new time yet).
    await session.execute(
        update(Attendance)
        .where(col(Attendance.meeting_id) == meeting.id)
        .values(checked_in_at=None, method=None, late=False, marked_absent=False, code_tries=0)
    )
    sent = await _notify(
        session,
        kind="meeting.rescheduled",
        meeting=meeting,
        members=await _invitees(session, meeting.id or 0),
        texts=TextsCache(texts, default_locale),
        headline=lambda t: t._(
            "🕑 <b>Meeting moved</b> (was {old}). Your answer still stands.",
            old=t.datetime(old, "short"),
        ),
        with_buttons=True,
        now=now,
        created_by=secretary.id,
    )
    await audit.record(
        session, actor_id=secretary.id, action="meeting.rescheduled", now=now,
        subject=f"meeting:{meeting.id}", details={"from": old.isoformat()},
    )  # fmt: skip
    return meeting, sent


async def meeting_for_minutes(
    session: AsyncSession, *, actor: Member | None, meeting_id: int, now: datetime
) -> Meeting:
    """A meeting of the branch that has started and was not cancelled."""
    secretary = access.require(actor, Role.secretary, in_branch=True)
    meeting = await _meeting_of_branch(session, secretary, meeting_id)
    if meeting.status == MeetingStatus.cancelled:
        raise Refused("cancelled")
    if now < meeting.starts_at:
        raise Refused("not_held_yet")
    return meeting


async def set_minutes(
    session: AsyncSession,
    *,
    actor: Member | None,
    meeting_id: int,
    now: datetime,
    text: str | None = None,
    media: MediaFile | None = None,
) -> Meeting:
    """Keep the 会议记录 as text or a document (a new one replaces the old)."""
    meeting = await meeting_for_minutes(session, actor=actor, meeting_id=meeting_id, now=now)
    if media is not None:
        session.add(media)
        await session.flush()
        meeting.minutes_media_id, meeting.minutes_filename = media.id, media.filename
        meeting.minutes_text = text.strip() if text and text.strip() else None
    else:
        body = (text or "").strip()
        if not body:
            raise Refused("minutes_empty")
        if len(body) > MINUTES_TEXT_MAX:
            raise Refused("minutes_too_long", limit=MINUTES_TEXT_MAX, length=len(body))
        meeting.minutes_text, meeting.minutes_media_id, meeting.minutes_filename = body, None, None
    meeting.changed_at = now
    session.add(meeting)
    await audit.record(
        session, actor_id=actor.id if actor else None, action="meeting.minutes", now=now,
        subject=f"meeting:{meeting.id}",
    )  # fmt: skip
    return meeting


async def set_first_topic_studied(
    session: AsyncSession, *, actor: Member | None, meeting_id: int, studied: bool, now: datetime
) -> Meeting:
    meeting = await meeting_for_minutes(session, actor=actor, meeting_id=meeting_id, now=now)
    meeting.first_topic_studied = studied
    session.add(meeting)
    return meeting


# --------------------------------------------------------------------------- reminders
def reminder_slot(minutes: int, starts_at: datetime) -> str:
    # The start time is part of the slot, so a rescheduled meeting is reminded again.
    return f"{minutes}m@{starts_at:%Y%m%d%H%M}"


async def send_due_reminders(
    session: AsyncSession,
    *,
    offsets_minutes: Sequence[int],
    texts: TextsFor,
    default_locale: str,
    now: datetime,
) -> int:
    """Enqueue the reminders due now, each (meeting, person, offset) exactly once.

    Only the nearest offset already reached is sent, so a bot that was down at the 24 h
    mark does not send a stale 24 h reminder next to the 1 h one.
    """
    if not offsets_minutes:
        return 0
    horizon = now + timedelta(minutes=max(offsets_minutes))
    meetings = list(
        await session.exec(
            select(Meeting).where(
                Meeting.status == MeetingStatus.scheduled,
                col(Meeting.starts_at) > now,
                col(Meeting.starts_at) <= horizon,
            )
        )
    )
    cache = TextsCache(texts, default_locale)
    total = 0
    for meeting in meetings:
        # A mark that passed before the notice (or the reschedule notice) went out is
        # covered by that notice: a meeting set up 3 h ahead gets no "24 h" reminder.
        told_at = max(meeting.created_at, meeting.changed_at or meeting.created_at)
        reached = [
            m for m in offsets_minutes if told_at <= meeting.starts_at - timedelta(minutes=m) <= now
        ]
        if not reached:
            continue
        offset = min(reached)
        people = [
            (m, a)
            for m, a in (
                await session.exec(
                    select(Member, Attendance)
                    .join(Attendance, col(Attendance.member_id) == col(Member.id))
                    .where(
                        Attendance.meeting_id == meeting.id,
                        Member.status == MemberStatus.active,
                    )
                )
            ).all()
            if not (a.rsvp == Rsvp.leave and a.leave_status == LeaveStatus.approved)
        ]
        claimed = await once.claim_many(
            session,
            kind="meeting.remind",
            subject=f"meeting:{meeting.id}",
            slot=reminder_slot(offset, meeting.starts_at),
            member_ids=[m.id for m, _ in people if m.id is not None],
            now=now,
        )
        if not claimed:
            continue
        due = [m for m, _ in people if m.id in claimed]
        total += await _notify(
            session,
            kind="meeting.reminder",
            meeting=meeting,
            members=due,
            texts=cache,
            headline=_reminder_headline(meeting.starts_at - now),
            with_buttons=True,
            now=now,
            created_by=None,
        )
    return total


def _reminder_headline(left: timedelta) -> Callable[[Translator], str]:
    # The time actually left, not the offset: a bot that was down at the 24 h mark and
    # reminds 19 h before the start must not say "in 24 hours".
    minutes = max(1, round(left.total_seconds() / 60))

    def headline(t: Translator) -> str:
        return t._("⏰ <b>Reminder</b>: the meeting starts {when}.", when=_in_how_long(t, minutes))

    return headline


def _in_how_long(t: Translator, minutes: int) -> str:
    if minutes >= 55:  # the job ticks every minute: 59.5 minutes before is "in 1 hour"
        return t.n_("in {n} hour", "in {n} hours", round(minutes / 60))
    return t.n_("in {n} minute", "in {n} minutes", minutes)


# --------------------------------------------------------------------------- lookups
async def branch_meetings(
    session: AsyncSession, *, branch_id: int, since: datetime, now: datetime, limit: int = 20
) -> list[Meeting]:
    """The next `limit` meetings that have not ended and up to `limit` ended since `since`.

    Two queries, so a busy month of past meetings never pushes the upcoming ones out.
    """
    base = select(Meeting).where(Meeting.branch_id == branch_id)
    upcoming = await session.exec(
        base.where(col(Meeting.ends_at) >= now).order_by(col(Meeting.starts_at)).limit(limit)
    )
    recent = await session.exec(
        base.where(col(Meeting.ends_at) >= since, col(Meeting.ends_at) < now)
        .order_by(col(Meeting.starts_at).desc())
        .limit(limit)
    )
    return [*reversed(list(recent)), *upcoming]


async def counts(session: AsyncSession, meeting_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per meeting: invited, attend, leave, checked in."""
    out: dict[int, dict[str, int]] = {
        i: {"invited": 0, "attend": 0, "leave": 0, "in": 0} for i in meeting_ids
    }
    if not meeting_ids:
        return out
    rows = await session.exec(
        select(
            Attendance.meeting_id,
            Attendance.rsvp,
            col(Attendance.checked_in_at).is_not(None),
            func.count(),
        )
        .where(col(Attendance.meeting_id).in_(meeting_ids))
        .group_by(
            col(Attendance.meeting_id),
            col(Attendance.rsvp),
            col(Attendance.checked_in_at).is_not(None),
        )
    )
    for meeting_id, rsvp, checked, n in rows.all():
        c = out[meeting_id]
        c["invited"] += n
        if rsvp == Rsvp.attend:
            c["attend"] += n
        elif rsvp == Rsvp.leave:
            c["leave"] += n
        if checked:
            c["in"] += n
    return out


async def member_meetings(
    session: AsyncSession, *, member: Member, since: datetime, now: datetime, limit: int = 20
) -> list[tuple[Meeting, Attendance]]:
    """Like branch_meetings, for the meetings the member is invited to."""
    base = (
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(Attendance.member_id == member.id)
    )
    upcoming = await session.exec(
        base.where(col(Meeting.ends_at) >= now).order_by(col(Meeting.starts_at)).limit(limit)
    )
    recent = await session.exec(
        base.where(col(Meeting.ends_at) >= since, col(Meeting.ends_at) < now)
        .order_by(col(Meeting.starts_at).desc())
        .limit(limit)
    )
    return [*((m, a) for m, a in reversed(recent.all())), *((m, a) for m, a in upcoming.all())]


async def branch_by_name(session: AsyncSession, name: str) -> Branch | None:
    return (await session.exec(select(Branch).where(Branch.name == name))).first()
