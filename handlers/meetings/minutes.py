"""/minutes: the 会议记录 of a held meeting as text or a document; 第一议题 studied or not;
the document sent back to a secretary or admin who asks for it."""

from __future__ import annotations

from bot.delivery import sender
from bot.delivery.message import OutgoingMessage
from bot.i18n import N_
from bot.models import FormState, MediaFile, Meeting
from bot.services.errors import Refused
from bot.services.meetings import minutes as svc
from handlers.meetings import views
from handlers.meetings.buttons import MinutesFile, Studied
from handlers.meetings.manage import meeting_id_arg
from handlers.meetings.refusals import REFUSALS
from handlers.shape import LEADERS, SECRETARIES, Form, Turn, form_step, handler, refuse_stale

MINUTES_FORM = "meeting_minutes"


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def minutes(turn: Turn[None]) -> None:
    """Secretary: record the minutes of a held meeting (text or a document)."""
    t = turn.t
    meeting_id = await meeting_id_arg(turn, N_("Use /minutes <meeting id>."))
    if meeting_id is None:
        return
    meeting = await svc.meeting_for_minutes(
        turn.s, actor=turn.member, meeting_id=meeting_id, now=turn.now
    )
    await turn.open_form(MINUTES_FORM, "body", {"meeting_id": meeting_id}, free=False)
    await turn.s.commit()
    await turn.reply(
        t._(
            "Send the minutes of {kind} #{id} as text, or as a document (or /cancel).",
            kind=views.kind_name(t, meeting.kind),
            id=meeting.id,
        )
    )


async def _saved(turn: Turn[None], meeting: Meeting) -> None:
    """End the form and ask whether 第一议题 was studied."""
    assert meeting.id is not None
    await turn.close_form()
    await turn.s.commit()
    t = turn.t
    answer = [
        Studied(meeting.id, "y").button(t.label("Yes")),
        Studied(meeting.id, "n").button(t.label("No")),
    ]
    await turn.reply(
        t._("Minutes saved. Was the first agenda item (第一议题) studied at this meeting?"),
        [answer],
    )


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def minutes_text(turn: Turn[None], state: FormState) -> None:
    """Minutes typed as text."""
    meeting = await svc.set_minutes(
        turn.s,
        actor=turn.member,
        meeting_id=int(state.data.get("meeting_id") or 0),
        text=turn.text,
        now=turn.now,
    )
    await _saved(turn, meeting)


@form_step(roles=SECRETARIES, refusals=REFUSALS)
async def minutes_document(turn: Turn[None], state: FormState) -> None:
    """Minutes sent as a document while the minutes form is open."""
    message = turn.update.effective_message
    if message is None or message.document is None:
        await turn.refused(Refused("minutes_empty"))
        return
    doc = message.document
    if doc.file_size and doc.file_size > svc.MINUTES_FILE_MAX:
        await turn.reply(turn.t._("That file is too large (at most 20 MB)."))
        return
    content = bytes(await (await doc.get_file()).download_as_bytearray())
    media = MediaFile(
        filename=(doc.file_name or "minutes")[:255],
        content=content,
        telegram_file_id=doc.file_id,
        created_at=turn.now,
    )
    meeting = await svc.set_minutes(
        turn.s,
        actor=turn.member,
        meeting_id=int(state.data.get("meeting_id") or 0),
        text=message.caption,
        media=media,
        now=turn.now,
    )
    await _saved(turn, meeting)


MINUTES = Form(MINUTES_FORM, steps={"body": minutes_text}, media={"body": minutes_document})


@handler(roles=SECRETARIES, button=Studied, refusals=REFUSALS)
async def studied(turn: Turn[Studied]) -> None:
    """Whether 第一议题 was studied at the meeting."""
    yes = turn.data.choice == "y"
    await svc.set_first_topic_studied(
        turn.s, actor=turn.member, meeting_id=turn.data.meeting_id, studied=yes, now=turn.now
    )
    await turn.s.commit()
    t = turn.t
    await turn.answer()
    await turn.edit(
        t._("Recorded: the first agenda item was studied.")
        if yes
        else t._("Recorded: the first agenda item was not studied.")
    )


@handler(roles=LEADERS, button=MinutesFile, refusals=REFUSALS)
async def minutes_file(turn: Turn[MinutesFile]) -> None:
    """Send the minutes document of a meeting to the secretary or admin who asks."""
    try:
        meeting, media = await svc.minutes_file(
            turn.s, actor=turn.member, meeting_id=turn.data.meeting_id
        )
    except Refused:
        await refuse_stale(turn)
        return
    await turn.answer()
    text = turn.t._("Minutes of meeting #{id}", id=meeting.id)
    await sender.send(
        turn.context.bot,
        turn.actor.telegram_user_id,
        OutgoingMessage(text=text, media_kind="document"),
        media=media,
    )
    await turn.s.commit()  # keeps the file id Telegram gave an upload
