"""/audit names every action: each action the code can write has a label in both languages.

The actions are read from the source (bot/, handlers/, schedules/): every call of
`audit.record(...)` and of any function that passes one of its own parameters on as the
action (such a function writes audit entries too, so its callers are followed). An action
must be knowable from the source: a string literal, a choice between literals, a local
or module constant holding them, a module-level dict of them, or an enum's `.value`
(every member counts). An f-string is accepted only when DECLARED lists its values; any
other expression fails the test, so nobody can hide an action from /audit.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR, Catalogs
from handlers.audit import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers", "schedules")
# The one place that builds AuditLog rows; everyone else goes through audit.record (or
# its helpers there, audit.entry and audit.saved, which the scan follows like any wrapper).
RECORDER = Path("bot/services/audit.py")

# f-strings that make an action, by shape ("{}" for each placeholder) → every value.
# The notices service's pause / resume / cancel; the pledges review's approved / returned.
DECLARED = {
    "notice.{}": {"notice.pause", "notice.resume", "notice.cancel"},
    "pledge.{}": {"pledge.approved", "pledge.returned"},
}

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Writer:
    """A function one of whose parameters becomes an audit entry's action."""

    param: str
    position: int | None  # among the positional parameters, when it can be passed so
    default: ast.expr | None


@dataclass
class Module:
    """One source file: its calls (with the function each is in), constants, enums."""

    path: Path
    tree: ast.Module
    calls: list[tuple[ast.Call, Function | None]] = field(default_factory=list)
    constants: dict[str, list[ast.expr]] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)
    records: set[str] = field(default_factory=set)  # names audit.record is imported as

    def __post_init__(self) -> None:
        self._visit(self.tree, None)
        for stmt in self.tree.body:
            for name, value in _assignments(stmt):
                self.constants.setdefault(name, []).append(value)

    def _visit(self, node: ast.AST, fn: Function | None) -> None:
        """One walk: every call with its innermost function, imports of record, enums."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                self.calls.append((child, fn))
            elif isinstance(child, ast.ImportFrom) and child.module == "bot.services.audit":
                self.records |= {a.asname or a.name for a in child.names if a.name == "record"}
            elif isinstance(child, ast.ClassDef) and any(
                "Enum" in ast.unparse(base) for base in child.bases
            ):
                self.enums[child.name] = {
                    value.value
                    for stmt in child.body
                    for _name, value in _assignments(stmt)
                    if isinstance(value, ast.Constant) and isinstance(value.value, str)
                }
            self._visit(child, child if isinstance(child, Function) else fn)


def _assignments(stmt: ast.stmt) -> list[tuple[str, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        return [(t.id, stmt.value) for t in stmt.targets if isinstance(t, ast.Name)]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
        return [(stmt.target.id, stmt.value)]
    return []


def _parameter(fn: Function, name: str) -> tuple[ast.arg, Writer] | None:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    for i, arg in enumerate(positional):
        if arg.arg == name:
            return arg, Writer(name, i, defaults[i])
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name:
            return arg, Writer(name, None, default)
    return None


class Scan:
    """Every action the code can write, where, and what could not be known."""

    def __init__(self, root: Path = ROOT) -> None:
        self.modules = [
            Module(path.relative_to(root), ast.parse(path.read_text(encoding="utf-8")))
            for folder in SOURCE_DIRS
            for path in sorted((root / folder).rglob("*.py"))
        ]
        self.enums = {name: v for module in self.modules for name, v in module.enums.items()}
        self.writers: dict[str, Writer] = {"record": Writer("action", None, None)}
        self.actions: dict[str, list[str]] = {}
        self.problems: list[str] = []
        known = 0
        while known != len(self.writers):  # a wrapper found makes its callers writers
            known = len(self.writers)
            self.actions, self.problems = {}, []
            for module in self.modules:
                for call, fn in module.calls:
                    self._call(module, call, fn)

    def _writer(self, module: Module, call: ast.Call) -> Writer | None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "record":  # a common word: only bot.services.audit's record counts
            is_audit = isinstance(func, ast.Attribute) and ast.unparse(func.value) == "audit"
            # bot.services.audit's own helpers (entry, saved) call it by its bare name.
            own = isinstance(func, ast.Name) and module.path == RECORDER
            return self.writers["record"] if is_audit or own or name in module.records else None
        return self.writers.get(name) if name else None

    def _call(self, module: Module, call: ast.Call, fn: Function | None) -> None:
        where = f"{module.path}:{call.lineno}"
        if (
            isinstance(call.func, ast.Name)
            and call.func.id == "AuditLog"
            and module.path != RECORDER
        ):
            self.problems.append(f"{where}: AuditLog built outside {RECORDER}; use audit.record")
        writer = self._writer(module, call)
        if writer is None:
            return
        given = next((k.value for k in call.keywords if k.arg == writer.param), None)
        if given is None and writer.position is not None and len(call.args) > writer.position:
            given = call.args[writer.position]
        given = given or writer.default
        if given is None:
            self.problems.append(f"{where}: an audit entry without its action")
            return
        for value in self._values(module, fn, given, where):
            self.actions.setdefault(value, []).append(where)

    def _values(self, module: Module, fn: Function | None, node: ast.expr, where: str) -> set[str]:
        """Every action string `node` can be; a problem noted when that is not knowable."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self._values(module, fn, node.body, where) | self._values(
                module, fn, node.orelse, where
            )
        if isinstance(node, ast.JoinedStr):
            shape = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
            if shape in DECLARED:
                return DECLARED[shape]
        elif isinstance(node, ast.Name):
            return self._name(module, fn, node.id, where)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            table = module.constants.get(node.value.id, [])
            if len(table) == 1 and isinstance(table[0], ast.Dict):
                return set().union(*(self._values(module, fn, v, where) for v in table[0].values))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            enum = self._enum_of(fn, node.value.id) if node.attr == "value" else node.value.id
            if enum in self.enums:
                return self.enums[enum]
        self.problems.append(f"{where}: the action cannot be known: {ast.unparse(node)}")
        return set()

    def _name(self, module: Module, fn: Function | None, name: str, where: str) -> set[str]:
        if fn is not None:
            local = [v for stmt in ast.walk(fn) if isinstance(stmt, ast.stmt)
                     for n, v in _assignments(stmt) if n == name]  # fmt: skip
            if local:
                return set().union(*(self._values(module, fn, v, where) for v in local))
            found = _parameter(fn, name)
            if found is not None:
                arg, writer = found
                if arg.annotation is not None and ast.unparse(arg.annotation) in self.enums:
                    return self.enums[ast.unparse(arg.annotation)]
                # The action comes from the callers: they are writers too.
                self.writers.setdefault(fn.name, writer)
                return set()
        if name in module.constants:
            return set().union(
                *(self._values(module, None, v, where) for v in module.constants[name])
            )
        self.problems.append(f"{where}: the action cannot be known: {name}")
        return set()

    def _enum_of(self, fn: Function | None, name: str) -> str | None:
        found = _parameter(fn, name) if fn is not None else None
        if found is None or found[0].annotation is None:
            return None
        return ast.unparse(found[0].annotation)


@functools.cache
def scan() -> Scan:
    return Scan()


def _catalog_strings(locale: str) -> dict[str, str]:
    strings: dict[str, str] = {}
    for po in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if isinstance(message.id, str) and isinstance(message.string, str):
                    strings[message.id] = message.string
    return strings


def test_the_scan_finds_the_known_actions() -> None:
    """The scanner itself works: it sees actions of several capabilities, in every form."""
    actions = scan().actions
    for known in ("branch.created", "meeting.scheduled", "leave.rejected", "notice.pause"):
        assert known in actions, f"the scan did not find {known}"


def test_the_scan_refuses_what_it_cannot_know(tmp_path: Path) -> None:
    """A hidden action fails; a wrapper's callers are followed to their literals."""
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(
        "from bot.services import audit\n"
        "async def note(session, what, now):\n"
        "    await audit.record(session, actor_id=None, action=what, now=now)\n"
        "async def a(session, now, kind):\n"
        "    await note(session, 'x.done', now)\n"
        "    await note(session, f'x.{kind}', now)\n"
        "    await audit.record(session, actor_id=None, action=kind.upper(), now=now)\n",
        encoding="utf-8",
    )
    found = Scan(tmp_path)
    assert set(found.actions) == {"x.done"}
    assert len(found.problems) == 2, found.problems


def test_every_action_can_be_known_from_the_source() -> None:
    problems = scan().problems
    assert problems == [], "\n".join(problems)


def test_every_action_has_a_label() -> None:
    unlabelled = {a: w for a, w in scan().actions.items() if a not in ACTIONS}
    assert unlabelled == {}, f"add these to handlers/audit.py ACTIONS: {unlabelled}"


def test_every_label_is_translated() -> None:
    zh = Catalogs.load().translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    strings = {locale: _catalog_strings(locale) for locale in LOCALES}
    for action in sorted(scan().actions):
        label = ACTIONS.get(action)
        if label is None:
            continue  # reported by test_every_action_has_a_label
        assert strings["en"].get(label), f"{action}: “{label}” has no en entry"
        assert strings["zh_CN"].get(label), f"{action}: “{label}” has no zh_CN translation"
        assert zh.label(label) != label, f"{action}: “{label}” is not translated in zh_CN"
