"""Who gets a notice: everyone, secretaries only, or branches chosen in a paged picker.

Admins only: a secretary's notice goes to their own branch (the service refuses more).
"""

from __future__ import annotations

from bot.models import NoticeTarget
from bot.services import notices as svc
from handlers.notices import views
from handlers.notices.buttons import DONE, NoticeButton
from handlers.notices.compose import redraw
from handlers.shape import Turn, refuse_stale


async def _show_picker(turn: Turn[NoticeButton], page: int | None = None) -> None:
    """The picker at `page` (None: the page holding the branch just pressed)."""
    pk = await svc.picker(turn.s, actor=turn.member, notice_id=turn.data.notice_id)
    if page is None:
        page = views.picker_page_of(pk, turn.data.number or 0)
    await turn.edit(*views.picker(turn.t, pk, page))


async def choose_target(turn: Turn[NoticeButton]) -> None:
    """全体党员 / 选择支部 / 仅支部书记 on the preview; 选择支部 opens the picker."""
    target = turn.data.target
    if target is None:
        await refuse_stale(turn)
    elif target == NoticeTarget.branches:
        await _show_picker(turn, 0)
    else:
        notice = await svc.set_target(
            turn.s, actor=turn.member, notice_id=turn.data.notice_id, target=target
        )
        await redraw(turn, notice)


async def toggle_branch(turn: Turn[NoticeButton]) -> None:
    """Tick or untick a branch (the picker stays on its page), or 完成 back to the preview."""
    if turn.data.arg == DONE:
        notice = await svc.draft_of(turn.s, turn.member, turn.data.notice_id)
        await redraw(turn, notice)
        return
    branch_id = turn.data.number
    if branch_id is None:
        await refuse_stale(turn)
        return
    await svc.toggle_branch(
        turn.s, actor=turn.member, notice_id=turn.data.notice_id, branch_id=branch_id
    )
    await turn.s.commit()
    await _show_picker(turn)


async def turn_page(turn: Turn[NoticeButton]) -> None:
    """◀ ▶ in the picker."""
    page = turn.data.number
    if page is None:
        await refuse_stale(turn)
        return
    await _show_picker(turn, page)
