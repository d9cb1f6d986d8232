"""/committee: the secretary marks who sits on the branch committee (支委)."""

from __future__ import annotations

from typing import Literal

from bot.context import BotApplication
from bot.delivery.message import Keyboard
from bot.i18n import N_, Translator
from bot.models import Member
from bot.services import committee as svc
from handlers.callbacks import CallbackData, family
from handlers.paging import page_of, paged_keyboard
from handlers.shape import SECRETARIES, Refusals, Turn, add_buttons, add_command, handler

PICK_PAGE = 60  # names a page shows (Telegram allows 100 buttons a message)
NAMES_SHOWN = 30

REFUSALS = Refusals({"no_such_person": N_("That person is not in your branch.")})


@family("cm")
class CommitteeToggle(CallbackData):
    """Put a person on the committee or take them off: "cm:<member>:on:<page>"."""

    member_id: int
    choice: Literal["on", "off"]
    page: int


@family("cmp")
class CommitteePage(CallbackData):
    """◀ ▶ through the branch: "cmp:<page>"."""

    page: int


def names(t: Translator, people: list[str], limit: int = NAMES_SHOWN) -> str:
    """Up to `limit` names, so a list of 300 keeps the message under Telegram's limit."""
    if not people:
        return t.label("nobody yet")
    text = "、".join(people[:limit])
    if len(people) > limit:
        text += t.label(" … (and {n} more)", n=len(people) - limit)
    return text


def _view(t: Translator, o: svc.Organisation, number: int) -> tuple[str, Keyboard]:
    text = t._(
        "<b>Branch committee</b> ({n}): {names}\nPress a name to add or remove them. "
        "Branch committee meetings invite them and the secretaries.",
        n=len(o.committee),
        names=names(t, [p.name for p in o.committee]),
    )
    page = page_of(o.people, number, PICK_PAGE)

    def toggle(p: Member) -> CallbackData:
        assert p.id is not None
        return CommitteeToggle(p.id, "off" if p.is_committee else "on", page.number)

    keyboard = paged_keyboard(
        page,
        lambda p: toggle(p).button(("✓ " if p.is_committee else "· ") + p.name),
        CommitteePage,
        columns=3,
    )
    return text, keyboard


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def committee(turn: Turn[None]) -> None:
    """Secretary: who sits on the branch committee (支委)."""
    o = await svc.organisation(turn.s, actor=turn.member)
    await turn.reply(*_view(turn.t, o, 0))


@handler(roles=SECRETARIES, button=CommitteeToggle, refusals=REFUSALS)
async def committee_toggle(turn: Turn[CommitteeToggle]) -> None:
    """Toggle one person's 支委 mark; the list stays on the page it was on."""
    member_id, on = turn.data.member_id, turn.data.choice == "on"
    person = await svc.set_committee(
        turn.s, actor=turn.member, member_id=member_id, on=on, now=turn.now
    )
    await turn.s.commit()
    o = await svc.organisation(turn.s, actor=turn.member)
    t = turn.t
    await turn.answer(
        t.label("{name} is on the branch committee.", name=person.name)
        if person.is_committee
        else t.label("{name} is no longer on the branch committee.", name=person.name)
    )
    await turn.edit(*_view(t, o, turn.data.page))


@handler(roles=SECRETARIES, button=CommitteePage, refusals=REFUSALS)
async def committee_page(turn: Turn[CommitteePage]) -> None:
    """Another page of the branch for marking 支委."""
    o = await svc.organisation(turn.s, actor=turn.member)
    await turn.answer()
    await turn.edit(*_view(turn.t, o, turn.data.page))


def register(app: BotApplication) -> None:
    add_command(app, "committee", N_("mark branch committee members"), committee)
    add_buttons(app, committee_toggle, committee_page)
