"""A branch's study settings: its study time (when pushes go out) and the weekly digest."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import BranchStudySettings, Member, Role
from bot.services import audit
from bot.services.errors import Refused
from bot.services.periods import hhmm, parse_minute_of_day
from bot.services.study.rules import WEEKDAYS, StudyRules


async def branch_settings(
    session: AsyncSession, branch_id: int, rules: StudyRules
) -> BranchStudySettings:
    row = await session.get(BranchStudySettings, branch_id)
    return row or BranchStudySettings(branch_id=branch_id, study_minute=rules.default_minute)


def _awake(rules: StudyRules, raw: str) -> int:
    """A time outside quiet hours: a digest set for 23:00 would otherwise never go out."""
    minute = parse_minute_of_day(raw)
    if rules.is_quiet_minute(minute):
        raise Refused(
            "quiet_time", value=raw, start=hhmm(rules.quiet_start), end=hhmm(rules.quiet_end)
        )
    return minute


def _set_digest(row: BranchStudySettings, rules: StudyRules, digest: str) -> None:
    """`off`, or `<mon…sun> HH:MM`."""
    words = digest.lower().split()
    if words == ["off"]:
        row.digest_enabled = False
    elif len(words) == 2 and words[0][:3] in WEEKDAYS:
        row.digest_weekday = WEEKDAYS.index(words[0][:3])
        row.digest_minute = _awake(rules, words[1])
        row.digest_enabled = True
    else:
        raise Refused("bad_digest")


async def update_branch_settings(
    session: AsyncSession,
    *,
    actor: Member | None,
    rules: StudyRules,
    study_time: str | None = None,
    digest: str | None = None,
    now: datetime,
) -> BranchStudySettings:
    """Secretary: `time HH:MM`, `digest off` or `digest <mon…sun> HH:MM` for the own branch."""
    if actor is None or actor.role != Role.secretary or actor.branch_id is None:
        raise Refused("not_allowed")
    row = await session.get(BranchStudySettings, actor.branch_id)
    if row is None:
        row = BranchStudySettings(branch_id=actor.branch_id, study_minute=rules.default_minute)
    if study_time is not None:
        row.study_minute = _awake(rules, study_time)
    if digest is not None:
        _set_digest(row, rules, digest)
    session.add(row)
    chosen = {
        "study_time": hhmm(row.study_minute),
        "digest": row.digest_enabled,
        "digest_weekday": row.digest_weekday,
        "digest_time": hhmm(row.digest_minute),
    }
    about = f"branch:{actor.branch_id}"
    await audit.entry(
        session, by=actor, action="study.settings", about=about, now=now, details=chosen
    )
    return row
