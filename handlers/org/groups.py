"""/groups: the branch's party groups (党小组) and who is in which."""

from __future__ import annotations

from typing import Any

from bot.context import BotApplication
from bot.delivery.message import Keyboard, split_text
from bot.i18n import N_, Translator, escape
from bot.models import Member, PartyGroup
from bot.services import committee as svc
from handlers.callbacks import CallbackData, family
from handlers.org.committee import PICK_PAGE, names
from handlers.paging import page_of, paged_keyboard
from handlers.shape import SECRETARIES, Refusals, Turn, add_buttons, add_command, handler

REFUSALS = Refusals(
    {
        "no_such_person": N_("That person is not in your branch."),
        "no_such_group": N_("That party group does not exist (any more)."),
        "group_name_empty": N_("Please give the group a name: /groups new <name>"),
        "group_name_too_long": N_("A group name can have at most {limit} characters, on one line."),
        "group_exists": N_("A group named “{name}” already exists."),
    }
)


@family("pgl")
class GroupOpen(CallbackData):
    """Show a group's member picker as a new message: "pgl:<group>:<page>"."""

    group_id: int
    page: int


@family("pgn")
class GroupPage(GroupOpen):
    """◀ ▶ in a group's member picker (edits it): "pgn:<group>:<page>"."""


@family("pg")
class GroupMember(CallbackData):
    """Put a person into the group or take them out: "pg:<group>:<member>:<page>"."""

    group_id: int
    member_id: int
    page: int


def _overview(t: Translator, o: svc.Organisation) -> tuple[str, Keyboard]:
    lines = [t._("<b>Party groups</b> ({n})", n=len(o.groups))]
    for g in o.groups:
        lines.append(
            t._(
                "• {group} ({n}): {names}",
                group=g.group.name,
                n=len(g.names),
                names=names(t, g.names),
            )
        )
    hint = t.label("New group: /groups new <name>. Press a group to choose its members.")
    lines.append(escape(hint))
    keyboard = [
        [GroupOpen(g.group.id, 0).button(g.group.name)] for g in o.groups if g.group.id is not None
    ]
    return "\n".join(lines), keyboard


def _picker(
    t: Translator, group: PartyGroup, people: list[Member], number: int
) -> tuple[str, Keyboard]:
    assert group.id is not None
    group_id = group.id
    text = t._(
        "Members of party group “{group}”: press a name to put them in or take them out "
        "(a person is in one group at most).",
        group=group.name,
    )
    page = page_of(people, number, PICK_PAGE)

    def toggle(p: Member) -> CallbackData:
        assert p.id is not None
        return GroupMember(group_id, p.id, page.number)

    keyboard = paged_keyboard(
        page,
        lambda p: toggle(p).button(("✓ " if p.party_group_id == group_id else "· ") + p.name),
        lambda n: GroupPage(group_id, n),
        columns=3,
    )
    return text, keyboard


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def groups(turn: Turn[None]) -> None:
    """Secretary: list party groups, or `/groups new <name>`."""
    args = turn.args
    if args and args[0].lower() in ("new", "add", "新建"):
        await svc.create_group(turn.s, actor=turn.member, name=" ".join(args[1:]), now=turn.now)
        await turn.s.commit()
    elif args:
        usage = turn.t.label("Use /groups to list groups, or /groups new <name>.")
        await turn.reply(escape(usage))
        return
    text, keyboard = _overview(turn.t, await svc.organisation(turn.s, actor=turn.member))
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        await turn.reply(chunk, keyboard if i == len(chunks) - 1 else None)


async def _group_picker(turn: Turn[Any], data: GroupOpen) -> tuple[str, Keyboard]:
    group = await svc.own_group(turn.s, actor=turn.member, group_id=data.group_id)
    o = await svc.organisation(turn.s, actor=turn.member)
    return _picker(turn.t, group, o.people, data.page)


@handler(roles=SECRETARIES, button=GroupOpen, refusals=REFUSALS)
async def group_open(turn: Turn[GroupOpen]) -> None:
    """Show the people of the branch to put into a group."""
    text, keyboard = await _group_picker(turn, turn.data)
    await turn.answer()
    await turn.reply(text, keyboard)


@handler(roles=SECRETARIES, button=GroupPage, refusals=REFUSALS)
async def group_page(turn: Turn[GroupPage]) -> None:
    """Another page of the group's member picker."""
    text, keyboard = await _group_picker(turn, turn.data)
    await turn.answer()
    await turn.edit(text, keyboard)


@handler(roles=SECRETARIES, button=GroupMember, refusals=REFUSALS)
async def group_member(turn: Turn[GroupMember]) -> None:
    """Put a person into the group, or take them out."""
    data = turn.data
    change = await svc.toggle_group(
        turn.s, actor=turn.member, group_id=data.group_id, member_id=data.member_id, now=turn.now
    )
    await turn.s.commit()
    o = await svc.organisation(turn.s, actor=turn.member)
    t, name, group = turn.t, change.person.name, change.group.name
    await turn.answer(
        t.label("{name} is in “{group}”.", name=name, group=group)
        if change.joined
        else t.label("{name} left “{group}”.", name=name, group=group)
    )
    await turn.edit(*_picker(t, change.group, o.people, turn.data.page))


def register(app: BotApplication) -> None:
    add_command(app, "groups", N_("party groups: /groups [new <name>]"), groups)
    add_buttons(app, group_open, group_page, group_member)
