"""The authorisation matrix: every command and button family × every kind of person.

Generated from the registry (`bot_data.entry_points`, each handler's declared roles and
button family) with explicit overrides where a handler checks more than its role set.
`tests/e2e/test_authorisation.py` performs every refused cell through the simulator and
checks that nothing changed and the person got a clear answer; `python -m handlers.matrix`
prints the table the README carries (a test keeps that copy current).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.context import GUEST
from bot.models import Role

# The people of the matrix, in the order of its columns.
PEOPLE: tuple[str, ...] = (
    "stranger",
    "member",
    "other_member",
    "other_secretary",
    "secretary",
    "admin",
)
HEADINGS: Mapping[str, str] = {
    "stranger": "stranger",
    "member": "member",
    "other_member": "member, other branch",
    "other_secretary": "secretary, other branch",
    "secretary": "secretary",
    "admin": "admin",
}
ROLE_OF: Mapping[str, str] = {
    "stranger": GUEST,
    "member": str(Role.member),
    "other_member": str(Role.member),
    "other_secretary": str(Role.secretary),
    "secretary": str(Role.secretary),
    "admin": str(Role.admin),
}
# Who belongs to another branch than the object an entry point acts on (or no branch).
OUTSIDERS = frozenset({"stranger", "other_member", "other_secretary"})

# Commands whose plausible arguments name an object of the branch ({meeting} → its id):
# the test types them, and people of another branch are refused whatever their role.
COMMAND_ARGS: Mapping[str, str] = {
    "/start": "made-up-token",
    "/newbranch": "冒牌支部",
    "/checkin": "123456",
    "/attendance": "{meeting}",
    "/reschedule": "{meeting} 2026-12-20 10:00",
    "/cancelmeeting": "{meeting}",
    "/minutes": "{meeting}",
    "/broadcast": "测试通知",
    "/pledge": "note 进展",
    "/receipts": "{notice}",
    "/remove": "{member} 测试原因",
    "/person": "export {member}",
}

# Where a handler checks more than its role set (or less): (entry, person) → allowed.
OVERRIDES: Mapping[tuple[str, str], bool] = {
    # /start with a token is how a stranger joins; a wrong token is refused (join.py).
    ("/start", "stranger"): True,
    # A member's own 收到 on a notice they received; the receipt row is checked.
    ("nack", "member"): True,
}


def object_fields(family: type[Any] | None) -> list[str]:
    """The fields of a button family that point at a stored object (…_id)."""
    if family is None:
        return []
    return [f.name for f in dataclasses.fields(family) if f.name.endswith("_id")]


def acts_on_object(key: str, family: type[Any] | None) -> bool:
    """Whether the entry point acts on one object of a branch (its id in data or args)."""
    if key.startswith("/"):
        return "{" in COMMAND_ARGS.get(key, "")
    return bool(object_fields(family))


@dataclass(frozen=True)
class Row:
    """One entry point and, per person, whether they may use it."""

    key: str
    handler: str
    allowed: Mapping[str, bool]


def expected(key: str, roles: Iterable[str], family: type[Any] | None) -> dict[str, bool]:
    """The generated cells of one entry point, overrides applied."""
    allowed = frozenset(roles)
    scoped = acts_on_object(key, family)
    cells = {}
    for person in PEOPLE:
        ok = ROLE_OF[person] in allowed
        if scoped and person in OUTSIDERS:
            ok = False  # the object belongs to another branch: re-checked on the server
        cells[person] = OVERRIDES.get((key, person), ok)
    return cells


def rows(entry_points: Iterable[tuple[str, Any]]) -> list[Row]:
    """The matrix of a registry, one row per entry point, in registration order."""
    out: list[Row] = []
    seen: set[str] = set()
    for key, callback in entry_points:
        if key in seen:
            continue
        seen.add(key)
        name = f"{callback.__module__.removeprefix('handlers.')}.{callback.__name__}"
        out.append(Row(key, name, expected(key, callback.roles, callback.button)))
    return out


def markdown(table: list[Row]) -> str:
    """The matrix as a Markdown table (✓ allowed, · refused)."""
    head = "| entry point | handler | " + " | ".join(HEADINGS[p] for p in PEOPLE) + " |"
    rule = "|---|---|" + "---|" * len(PEOPLE)
    lines = [head, rule]
    for row in table:
        key = f"`{row.key}`" if row.key.startswith("/") else f"`{row.key}:…`"
        cells = " | ".join("✓" if row.allowed[p] else "·" for p in PEOPLE)
        lines.append(f"| {key} | {row.handler} | {cells} |")
    return "\n".join(lines)


def registry_markdown() -> str:
    """The README's table: the matrix of every handler the bot registers."""
    import handlers
    import schedules
    from bot.app import build_application
    from bot.config import Settings
    from bot.context import BotApplication

    def everything(app: BotApplication) -> None:
        handlers.register_all(app)
        schedules.register_all(app)

    settings = Settings(_env_file=None, bot_token="1:matrix")
    app = build_application(settings, register=everything)
    return markdown(rows(app.bot_data.entry_points))


if __name__ == "__main__":
    print(registry_markdown())  # noqa: T201
