"""The authorisation matrix, performed: every refused cell changes nothing and is answered.

Two branches: the demo's branch (every capability's scene has run, so it has meetings,
attendance, pledges, notices, requests…) and a second one. Each refused attempt is made
through the simulator — a command with plausible arguments, or a press whose data points
at the first branch's objects — between two snapshots of every table.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from bot.models import Attendance, Meeting, Member, Notice, PartyGroup, Pledge, Request, Role
from handlers import matrix
from handlers.callbacks import FAMILIES, LARGEST_ID
from simulator import SimUser
from tests.e2e.demo_world import play_demo
from tests.harness import Harness

# Rows that change on every update by design, whoever sends it.
NOT_STATE = {"handled_update", "invite_attempt", "flood_notice"}
# Columns a periodic job rewrites in place whenever it runs (the group post's counts),
# so a refused attempt is judged on every other column of those rows.
REFRESHED = {"group_post": {"shown", "edited_at"}}
CJK = re.compile(r"[\u4e00-\u9fff]")
README = Path(__file__).resolve().parents[2] / "README.md"


async def snapshot(h: Harness) -> dict[str, list[str]]:
    async with h.sessions() as s:
        out = {}
        for table in SQLModel.metadata.sorted_tables:
            if table.name in NOT_STATE:
                continue
            skip = REFRESHED.get(table.name, set())
            columns = [c for c in table.columns if c.name not in skip]
            rows = (await s.exec(sa_select(*columns))).all()  # type: ignore[call-overload]
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
        return out


async def objects_of(h: Harness, branch_id: int) -> dict[str, int]:
    """One object of the branch per id field a button can carry."""
    async with h.sessions() as s:

        async def first(query: Any) -> int:
            found = (await s.exec(query)).first()
            return int(found) if found is not None else LARGEST_ID

        meeting = await first(select(Meeting.id).where(Meeting.branch_id == branch_id))
        return {
            "meeting_id": meeting,
            "attendance_id": await first(
                select(Attendance.id).where(Attendance.meeting_id == meeting)
            ),
            "pledge_id": await first(select(Pledge.id).where(Pledge.branch_id == branch_id)),
            "request_id": await first(select(Request.id).where(Request.branch_id == branch_id)),
            "notice_id": await first(select(Notice.id).order_by(col(Notice.id))),
            "member_id": await first(
                select(Member.id).where(Member.branch_id == branch_id, Member.role == Role.member)
            ),
            "group_id": await first(select(PartyGroup.id).where(PartyGroup.branch_id == branch_id)),
        }


def press_data(prefix: str, ids: dict[str, int]) -> str:
    """The family's data at realistic values, its ids pointing at the branch's objects."""
    family: Any = FAMILIES[prefix]
    instance = family.largest()[0]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(instance):
        value = getattr(instance, f.name)
        if f.name.endswith("_id"):
            values[f.name] = ids.get(f.name, LARGEST_ID)
        elif isinstance(value, int) and not isinstance(value, bool):
            values[f.name] = 0 if f.name == "page" else 1
    return str(dataclasses.replace(instance, **values).encode())


def command_text(key: str, ids: dict[str, int]) -> str:
    args = matrix.COMMAND_ARGS.get(key, "")
    args = args.format(meeting=ids["meeting_id"], notice=ids["notice_id"], member=ids["member_id"])
    return f"{key} {args}".strip()


async def attempt(h: Harness, user: SimUser, key: str, ids: dict[str, int]) -> str:
    """Make the attempt; returns what the person was told ('' for silence)."""
    messages, answers = len(user.bot_messages), len(user.callback_answers)
    if key.startswith("/"):
        await user.send(command_text(key, ids))
    else:
        await user.press_data(user.bot_messages[-1].message_id, press_data(key, ids))
    await h.settle()
    told = [str(a) for a in user.callback_answers[answers:] if str(a)]
    told += [m.text for m in user.bot_messages[messages:] if m.text]
    return "\n".join(told)


async def test_every_refused_cell_changes_nothing_and_is_answered(h: Harness) -> None:
    cast = await play_demo(h)
    await h.send(cast.branch.secretary, "/groups new 第一党小组")  # every kind of object exists
    other = await h.setup_branch("第二党支部", members=1)
    english = other.members[0]
    await h.send(english, "/lang")
    await h.press(english, "English")
    stranger = h.person("路人")
    await h.send(stranger, "/start")
    people: dict[str, SimUser] = {
        "stranger": stranger,
        "member": cast.branch.members[0],
        "other_member": english,
        "other_secretary": other.secretary,
        "secretary": cast.branch.secretary,
        "admin": h.admin,
    }
    async with h.sessions() as s:
        branch_id = (
            await s.exec(
                select(Member.branch_id).where(Member.telegram_user_id == cast.branch.secretary.id)
            )
        ).one()
    assert branch_id is not None
    ids = await objects_of(h, branch_id)

    table = matrix.rows(h.app.bot_data.entry_points)
    assert {row.key for row in table} == {key for key, _ in h.app.bot_data.entry_points}
    problems: list[str] = []
    tried = 0
    for row in table:
        for person, allowed in row.allowed.items():
            if allowed:
                continue
            user = people[person]
            before = await snapshot(h)
            told = await attempt(h, user, row.key, ids)
            after = await snapshot(h)
            tried += 1
            changed = [name for name in before if before[name] != after[name]]
            where = f"{row.key} by {person}"
            if changed:
                problems.append(f"{where}: changed {changed}")
            if not told:
                problems.append(f"{where}: no answer")
            elif (CJK.search(told) is None) != (user is english):
                problems.append(f"{where}: answered in the wrong language: {told!r}")
    assert not problems, "\n".join(problems)
    assert tried > 50


def test_readme_carries_the_current_matrix() -> None:
    text = README.read_text(encoding="utf-8")
    assert matrix.registry_markdown() in text, "run `python -m handlers.matrix` into README"
