"""践诺: dated progress notes a member adds to the approved pledge."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Member, PledgeNote, PledgeStatus
from bot.services import access
from bot.services.errors import Refused
from bot.services.periods import local_today
from bot.services.pledges import rules
from bot.services.pledges.records import current, event
from bot.services.pledges.writing import PLEDGERS


async def add_note(
    session: AsyncSession, *, member: Member | None, text: str, now: datetime, tz: ZoneInfo
) -> tuple[PledgeNote, bool]:
    """A progress note on the approved pledge, dated today; (note, newly added)."""
    pledger = access.require(member, *PLEDGERS, in_branch=True)
    body = rules.validate_note(text)
    pledge = await current(session, member=pledger, now=now, tz=tz)
    if pledge is None or pledge.status == PledgeStatus.draft:
        raise Refused("no_pledge")
    if pledge.status != PledgeStatus.approved:
        raise Refused("note_not_approved")
    assert pledge.id is not None
    assert pledger.id is not None
    today = local_today(now, tz)
    same = (
        await session.exec(
            select(PledgeNote).where(
                PledgeNote.pledge_id == pledge.id,
                PledgeNote.noted_on == today,
                PledgeNote.text == body,
            )
        )
    ).first()
    if same is not None:
        return same, False
    note = PledgeNote(
        pledge_id=pledge.id, author_id=pledger.id, noted_on=today, text=body, created_at=now
    )
    session.add(note)
    event(session, pledge, actor_id=pledger.id, action="note", now=now)
    return note, True
