"""/newstudy: write a study item (quick, or guided step by step), choose branches, publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.delivery.message import Keyboard
from bot.i18n import N_
from bot.models import FormState
from bot.services import forms, org, study
from bot.services.errors import Refused
from handlers.groups import posts as group_posts
from handlers.shape import LEADERS, Form, Turn, form_step, handler, refuse_role, refuse_stale
from handlers.study import publish_views, views
from handlers.study.buttons import DraftPress

NEW_FORM = "study_new"
# Refusals after which the draft cannot be written on: the form ends with them.
ENDS_FORM = frozenset({"item_unknown", "already_published", "discarded"})


def rules_of(turn: Turn[Any]) -> study.StudyRules:
    return study.StudyRules.from_settings(turn.settings)


async def preview_of(turn: Turn[Any], item_id: int, page: int = 0) -> tuple[str, Keyboard]:
    """The draft's preview: an admin chooses branches, a secretary's goes to their own."""
    scope = await study.draft_scope(turn.s, actor=turn.member, item_id=item_id)
    branch = None if turn.actor.is_admin else await org.branch_of(turn.s, turn.member)
    return publish_views.preview(turn.t, scope, page=page, branch=branch)


@handler(roles=LEADERS, refusals=views.REFUSALS)
async def newstudy(turn: Turn[None]) -> None:
    """Secretary/admin: start a study item; the title and link may come with the command."""
    t = turn.t
    title, url = study.split_title_url(turn.args)
    if not title and url is None:
        await turn.open_form(NEW_FORM, "title", free=False)
        await turn.commit()
        await turn.reply(publish_views.ask_title(t))
        return
    item = await study.start_draft(turn.s, actor=turn.member, title=title, url=url, now=turn.now)
    assert item.id is not None
    await turn.open_form(NEW_FORM, "summary", {"item_id": item.id}, free=False)
    await turn.commit()
    await turn.reply(publish_views.ask_summary(t), publish_views.skip(t, item.id))


async def _draft_step(
    turn: Turn[None], state: FormState, step: Callable[[FormState, str], Awaitable[None]]
) -> None:
    """The opening every step of the form shares: still a leader, the form still open."""
    who = turn.actor.telegram_user_id
    if turn.actor.role not in LEADERS:
        await turn.close_form()
        await turn.commit()
        await refuse_role(turn)
        return
    state = await forms.current(turn.s, telegram_user_id=who) or state
    try:
        await step(state, turn.text)
    except Refused as exc:
        if exc.code in ENDS_FORM:
            await turn.s.rollback()
            await turn.close_form()
            await turn.commit()
        raise


@form_step(refusals=views.REFUSALS)
async def title_step(turn: Turn[None], state: FormState) -> None:
    """The title typed in the guided /newstudy."""

    async def step(state: FormState, text: str) -> None:
        item = await study.start_draft(
            turn.s, actor=turn.member, title=text, url=None, now=turn.now
        )
        assert item.id is not None
        await turn.advance_form(state, "url", item_id=item.id)
        await turn.commit()
        await turn.reply(publish_views.ask_url(turn.t), publish_views.skip(turn.t, item.id))

    await _draft_step(turn, state, step)


def _item_of(state: FormState) -> int | None:
    item_id = state.data.get("item_id")
    return item_id if isinstance(item_id, int) else None


Setter = Callable[[Turn[Any], int, str], Awaitable[object]]
# The steps after the title, as one table: what the typed text sets, and the next step
# (None: the preview with the publishing buttons); what Skip says instead.
FIELDS: dict[str, tuple[Setter, str | None, str]] = {
    "url": (
        lambda turn, i, text: study.set_url(turn.s, actor=turn.member, item_id=i, url=text),
        "summary",
        N_("No link."),
    ),
    "summary": (
        lambda turn, i, text: study.set_summary(turn.s, actor=turn.member, item_id=i, summary=text),
        "hours",
        N_("No summary."),
    ),
    "hours": (
        lambda turn, i, text: study.set_hours(turn.s, actor=turn.member, item_id=i, text=text),
        None,
        N_("0.5 training hours (the default)."),
    ),
}


async def _move_on(turn: Turn[Any], state: FormState, then: str | None, item_id: int) -> None:
    """Go to step `then` and ask it (None: end the form and show the preview)."""
    if then is None:
        await turn.close_form()
    else:
        await turn.advance_form(state, then)
    await turn.commit()
    t = turn.t
    if then == "summary":
        await turn.reply(publish_views.ask_summary(t), publish_views.skip(t, item_id))
    elif then == "hours":
        await turn.reply(publish_views.ask_hours(t), publish_views.skip(t, item_id))
    else:
        await turn.reply(*await preview_of(turn, item_id))


@form_step(refusals=views.REFUSALS)
async def field_step(turn: Turn[None], state: FormState) -> None:
    """The link, summary or 学时 typed in /newstudy (bad input is refused and asked
    again); then the next step, or the preview."""

    async def step(state: FormState, text: str) -> None:
        item_id = _item_of(state)
        if item_id is None or state.step not in FIELDS:
            await turn.close_form()
            await turn.commit()
            return
        setter, then, _skipped = FIELDS[state.step]
        await setter(turn, item_id, text)
        await _move_on(turn, state, then, item_id)

    await _draft_step(turn, state, step)


NEW = Form(
    NEW_FORM,
    steps={"title": title_step, "url": field_step, "summary": field_step, "hours": field_step},
)


# ---------------------------------------------------------------- the preview's buttons


async def _skip(turn: Turn[DraftPress]) -> None:
    item_id, who = turn.data.item_id, turn.actor.telegram_user_id
    state = await forms.current(turn.s, telegram_user_id=who)
    if (
        state is None
        or state.form != NEW_FORM
        or state.data.get("item_id") != item_id
        or state.step not in FIELDS
    ):
        await refuse_stale(turn)
        return
    await study.draft_scope(turn.s, actor=turn.member, item_id=item_id)
    _setter, then, skipped = FIELDS[state.step]
    await turn.answer()
    await _move_on(turn, state, then, item_id)
    await turn.edit(turn.t._(skipped))  # the question skipped, in place


async def _cancel(turn: Turn[DraftPress]) -> None:
    item = await study.cancel_draft(turn.s, actor=turn.member, item_id=turn.data.item_id)
    await turn.close_form()
    await turn.commit()
    await turn.answer()
    await turn.edit(publish_views.cancelled(turn.t, item))


async def publish_item(turn: Turn[Any], item_id: int) -> study.Published:
    """Publish a draft: members get it at their branch's study time, and so do the
    branches' linked groups."""
    return await study.publish(
        turn.s,
        actor=turn.member,
        item_id=item_id,
        now=turn.now,
        rules=rules_of(turn),
        compose=views.push_compose(turn.context.catalogs, turn.settings.tz),
        group_compose=group_posts.study_compose(turn.context),
    )


async def _publish(turn: Turn[DraftPress]) -> None:
    done = await publish_item(turn, turn.data.item_id)
    await turn.commit()
    await turn.answer()
    await turn.edit(publish_views.published_text(turn.t, done))


async def _page(turn: Turn[DraftPress]) -> None:
    await study.branch_page_allowed(turn.s, actor=turn.member, item_id=turn.data.item_id)
    await turn.answer()
    await turn.edit(*await preview_of(turn, turn.data.item_id, turn.data.value))


async def _toggle(turn: Turn[DraftPress]) -> None:
    """Tick or untick one branch, or 'all branches'; stay on the page pressed."""
    item_id, branch_id = turn.data.item_id, turn.data.value
    one = turn.data.action == "branch"
    await study.choose_branch(
        turn.s, actor=turn.member, item_id=item_id, branch_id=branch_id if one else None
    )
    await turn.commit()
    page = turn.data.value
    if one:
        scope = await study.draft_scope(turn.s, actor=turn.member, item_id=item_id)
        page = publish_views.branch_page_of(scope, branch_id)
    await turn.answer()
    await turn.edit(*await preview_of(turn, item_id, page))


DRAFT_ACTIONS: dict[str, Callable[[Turn[DraftPress]], Awaitable[None]]] = {
    "skip": _skip,
    "cancel": _cancel,
    "publish": _publish,
    "page": _page,
    "all": _toggle,
    "branch": _toggle,
}


@handler(roles=LEADERS, button=DraftPress, refusals=views.REFUSALS)
async def draft_press(turn: Turn[DraftPress]) -> None:
    """Skip a step, choose branches, turn a page, publish or cancel a draft."""
    await DRAFT_ACTIONS[turn.data.action](turn)
