"""确认发送 and what follows: the preview becomes the confirmation with live progress,
or (scheduled) says when it will go out; 暂停 / 继续 / 取消 while it sends."""

from __future__ import annotations

from typing import cast

from bot.models import Notice, NoticeStatus
from bot.services import notices as svc
from handlers.notices import listing, views
from handlers.notices.buttons import NoticeButton
from handlers.notices.send_time import close_time_question
from handlers.shape import Turn


async def confirm(turn: Turn[NoticeButton]) -> None:
    """确认发送: enqueue (or schedule) and turn the preview into its confirmation."""
    query = turn.update.callback_query
    assert query is not None
    assert query.message is not None
    notice_id = turn.data.notice_id
    notice = await svc.confirm(
        turn.s,
        actor=turn.member,
        notice_id=notice_id,
        compose=views.copies(turn.context.catalogs, turn.settings.tz),
        now=turn.now,
    )
    await svc.set_preview(
        turn.s, notice=notice, chat_id=query.message.chat.id, message_id=query.message.message_id
    )
    await close_time_question(turn, notice_id)
    await turn.commit()
    if notice.status == NoticeStatus.scheduled:
        await turn.edit(*views.scheduled(turn.t, await svc.essentials(turn.s, notice)))
        return
    view = views.progress(turn.t, await svc.progress(turn.s, notice, now=turn.now))
    await turn.answer(turn.t.label("Sending started."))
    await turn.edit(view.text, view.buttons)


async def control(turn: Turn[NoticeButton]) -> None:
    """暂停 / 继续 / 取消, from the live view or (取消 a scheduled one) from /notices."""
    action = cast(svc.Control, turn.data.action.value)
    notice = await svc.control(
        turn.s, actor=turn.member, notice_id=turn.data.notice_id, action=action, now=turn.now
    )
    await turn.commit()
    await turn.answer(views.control_toast(turn.t, notice.status))
    await _redraw(turn, notice)


async def _redraw(turn: Turn[NoticeButton], notice: Notice) -> None:
    query = turn.update.callback_query
    assert query is not None
    assert query.message is not None
    if notice.batch_id is None and query.message.message_id != notice.preview_message_id:
        # Cancelled from /notices: the list stays, so the other scheduled ones can be too.
        await turn.edit(*await listing.view(turn))
    elif notice.batch_id is None:
        await turn.edit(views.discarded(turn.t, notice.id))
    else:
        view = views.progress(turn.t, await svc.progress(turn.s, notice, now=turn.now))
        await turn.edit(view.text, view.buttons)
