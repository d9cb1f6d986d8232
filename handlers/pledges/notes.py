"""践诺: /pledge note …, a dated progress note on the approved pledge."""

from __future__ import annotations

from bot.services import pledges as svc
from handlers.shape import Turn


async def add_note(turn: Turn[None]) -> None:
    """/pledge note followed by the text (line breaks kept)."""
    # The note as typed, after the "/pledge note" words.
    pieces = turn.text.split(maxsplit=2)
    body = pieces[2] if len(pieces) > 2 else ""
    note, added = await svc.add_note(
        turn.s, member=turn.member, text=body, now=turn.now, tz=turn.settings.tz
    )
    await turn.commit()
    t = turn.t
    if not added:
        await turn.reply(t._("This note was already recorded today."))
        return
    await turn.reply(t._("Progress note recorded for {date}.", date=t.date(note.noted_on)))
