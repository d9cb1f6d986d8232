"""/audit names every action: each action the code can write has a label in both languages.

The actions are read from the source: every call of `audit.record(...)` in bot/,
handlers/ and schedules/, and its `action=` argument. An action must be a string literal
(or a choice between literals) so that it can be found here; an f-string is accepted only
when DECLARED below lists every value it can take.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR, Catalogs
from handlers.audit import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers", "schedules")
# The one place that builds AuditLog rows; everyone else goes through it.
WRITER = Path("bot/services/audit.py")

# f-strings that write an action, by shape ("{}" for each placeholder) → every value.
# bot/services/notices.py set_state: action ∈ {pause, resume, cancel};
# bot/services/pledges.py review: status ∈ {approved, returned}.
DECLARED = {
    "notice.{}": {"notice.pause", "notice.resume", "notice.cancel"},
    "pledge.{}": {"pledge.approved", "pledge.returned"},
}


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8"))


def _record_names(tree: ast.Module) -> set[str]:
    """Names under which this module can call bot.services.audit.record directly."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.services.audit":
            names |= {a.asname or a.name for a in node.names if a.name == "record"}
    return names


def _is_record(call: ast.Call, direct: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return (
            func.attr == "record" and isinstance(func.value, ast.Name) and func.value.id == "audit"
        )
    return isinstance(func, ast.Name) and func.id in direct


def _values(node: ast.expr, where: str, problems: list[str]) -> set[str]:
    """Every action string `node` can be, or a problem noted when that is not knowable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, where, problems) | _values(node.orelse, where, problems)
    if isinstance(node, ast.JoinedStr):
        shape = "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
        if shape in DECLARED:
            return DECLARED[shape]
        problems.append(f"{where}: f-string action {shape!r} is not in DECLARED")
        return set()
    problems.append(f"{where}: action is not a string literal: {ast.unparse(node)}")
    return set()


def written_actions() -> tuple[dict[str, list[str]], list[str]]:
    """{action: [file:line, …]} for every audit action the code can write, and problems."""
    actions: dict[str, list[str]] = {}
    problems: list[str] = []
    for path, tree in _sources():
        direct = _record_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path}:{node.lineno}"
            if isinstance(node.func, ast.Name) and node.func.id == "AuditLog" and path != WRITER:
                problems.append(f"{where}: AuditLog built outside {WRITER}; use audit.record")
            if not _is_record(node, direct):
                continue
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            if action is None:
                problems.append(f"{where}: audit.record without action=")
                continue
            for value in _values(action, where, problems):
                actions.setdefault(value, []).append(where)
    return actions, problems


def _catalog_strings(locale: str) -> dict[str, str]:
    strings: dict[str, str] = {}
    for po in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if isinstance(message.id, str) and isinstance(message.string, str):
                    strings[message.id] = message.string
    return strings


def test_the_scan_finds_the_known_actions() -> None:
    """The scanner itself works: it sees actions of several capabilities, by all forms."""
    actions, _problems = written_actions()
    for known in ("branch.created", "meeting.scheduled", "leave.rejected", "notice.pause"):
        assert known in actions, f"the scan did not find {known}"


def test_every_action_is_a_literal() -> None:
    _actions, problems = written_actions()
    assert problems == [], "\n".join(problems)


def test_every_action_has_a_label() -> None:
    actions, _problems = written_actions()
    unlabelled = {a: w for a, w in actions.items() if a not in ACTIONS}
    assert unlabelled == {}, f"add these to handlers/audit.py ACTIONS: {unlabelled}"


def test_every_label_is_translated() -> None:
    actions, _problems = written_actions()
    zh = Catalogs.load().translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    strings = {locale: _catalog_strings(locale) for locale in LOCALES}
    for action in sorted(actions):
        label = ACTIONS.get(action)
        if label is None:
            continue  # reported by test_every_action_has_a_label
        assert strings["en"].get(label), f"{action}: “{label}” has no en entry"
        assert strings["zh_CN"].get(label), f"{action}: “{label}” has no zh_CN translation"
        assert zh.label(label) != label, f"{action}: “{label}” is not translated in zh_CN"
