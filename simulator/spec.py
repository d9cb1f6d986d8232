"""Bot API spec (``data/api.json``) loading and parameter validation/coercion.

Every call is checked against the machine-readable Bot API spec: required fields,
declared types (recursively for objects), and Telegram's semantic limits on inline
keyboards and bot commands. Errors carry Telegram-like descriptions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["Spec", "SpecError", "UploadedFile", "load_spec"]

_DATA = Path(__file__).parent / "data" / "api.json"
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_PRIMITIVES = frozenset(["Integer", "Float", "String", "Boolean", "InputFile"])
_MAX_DEPTH = 8


class SpecError(Exception):
    """A request that Telegram would reject with 400; ``description`` excludes 'Bad Request: '."""

    def __init__(self, description: str, *, specific: bool = True) -> None:
        super().__init__(description)
        self.description = description
        self.specific = specific


@dataclass(slots=True)
class UploadedFile:
    """A file that arrived as a multipart part."""

    filename: str
    content: bytes
    content_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    def describe(self) -> dict[str, Any]:
        return {"filename": self.filename, "size": self.size}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    subtypes: tuple[str, ...]


def _fields(raw: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f.get("types", ())), bool(f.get("required")))
        for f in raw
    }


def _type_label(types: tuple[str, ...]) -> str:
    return " or ".join(types)


class Spec:
    """Parsed spec with O(1) lookups; use :func:`load_spec` for the cached instance."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = str(data.get("version", "?"))
        self.methods: dict[str, MethodSpec] = {}
        self._by_lower: dict[str, str] = {}
        for name, raw in data["methods"].items():
            fields = _fields(raw.get("fields", []))
            self.methods[name] = MethodSpec(
                name,
                fields,
                tuple(f.name for f in fields.values() if f.required),
                tuple(raw.get("returns", ())),
            )
            self._by_lower[name.lower()] = name
        self.types: dict[str, TypeSpec] = {}
        for name, raw in data["types"].items():
            fields = _fields(raw.get("fields", []))
            self.types[name] = TypeSpec(
                name,
                fields,
                tuple(f.name for f in fields.values() if f.required),
                tuple(raw.get("subtypes", ())),
            )

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively (Telegram ignores method name case)."""
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None

    # ------------------------------------------------------------------ top level
    def coerce_params(
        self,
        method: MethodSpec,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        *,
        from_form: bool,
    ) -> dict[str, Any]:
        """Validate ``raw`` against ``method`` and return typed parameters.

        ``from_form`` means scalars arrive as strings and objects as JSON strings.
        Unknown parameters are ignored (like Telegram does), but kept as given.
        """
        out: dict[str, Any] = {}
        for name, value in raw.items():
            fs = method.fields.get(name)
            if fs is None:
                out[name] = value
                continue
            out[name] = self._coerce_top(fs, value, files, from_form)
        for name in files:
            fs = method.fields.get(name)
            if fs is not None and name not in out and "InputFile" in fs.types:
                out[name] = files[name]
        for name in method.required:
            if name not in out or out[name] is None:
                raise SpecError(f"{name} is empty", specific=False)
        return out

    def _coerce_top(
        self, fs: FieldSpec, value: Any, files: dict[str, UploadedFile], from_form: bool
    ) -> Any:
        types = fs.types
        if isinstance(value, UploadedFile):
            if "InputFile" in types:
                return value
            raise SpecError(f'field "{fs.name}" must be of type {_type_label(types)}')
        if isinstance(value, str):
            if value.startswith("attach://") and "InputFile" in types:
                f = files.get(value[len("attach://") :])
                if f is None:
                    raise SpecError(f"{fs.name}: file {value} not found in the request")
                return f
            if "Integer" in types and _INT_RE.match(value):
                return int(value)
            if "Float" in types and _FLOAT_RE.match(value):
                return float(value)
            if "Boolean" in types and value.lower() in ("true", "false"):
                return value.lower() == "true"
            complex_types = tuple(t for t in types if t not in _PRIMITIVES)
            if complex_types and value[:1] in ("{", "["):
                try:
                    decoded = json.loads(value)
                except ValueError:
                    raise SpecError(f"can't parse {fs.name} JSON object") from None
                return self.check_value(decoded, complex_types, fs.name)
            if "String" in types:
                return value
            if complex_types:
                raise SpecError(f"can't parse {fs.name} JSON object")
            raise SpecError(f'field "{fs.name}" must be of type {_type_label(types)}')
        if not from_form:
            # application/json: be as lenient as Telegram for scalars.
            if (
                isinstance(value, bool | int | float)
                and "String" in types
                and not ({"Integer", "Float", "Boolean"} & set(types))
            ):
                return str(value)
            return self.check_value(value, types, fs.name)
        raise SpecError(f'field "{fs.name}" must be of type {_type_label(types)}')

    # ------------------------------------------------------------------ recursive
    def check_value(self, value: Any, types: tuple[str, ...], path: str, depth: int = 0) -> Any:
        """Check a decoded JSON ``value`` against one of ``types``; returns it unchanged."""
        best: SpecError | None = None
        for t in types:
            try:
                self._check_one(value, t, path, depth)
                return value
            except SpecError as err:
                if best is None or (err.specific and not best.specific):
                    best = err
        if best is not None and (best.specific or len(types) == 1):
            raise best
        raise SpecError(f'field "{path}" must be of type {_type_label(types)}', specific=False)

    def _check_one(self, value: Any, t: str, path: str, depth: int) -> None:
        if t == "Integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpecError(f'field "{path}" must be of type Integer', specific=False)
            return
        if t == "Float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(f'field "{path}" must be of type Float', specific=False)
            return
        if t == "String":
            if not isinstance(value, str):
                raise SpecError(f'field "{path}" must be of type String', specific=False)
            return
        if t == "Boolean":
            if not isinstance(value, bool):
                raise SpecError(f'field "{path}" must be of type Boolean', specific=False)
            return
        if t == "InputFile":
            if not isinstance(value, UploadedFile):
                raise SpecError(f'field "{path}" must be an uploaded file', specific=False)
            return
        if t.startswith("Array of "):
            if not isinstance(value, list):
                raise SpecError(f'field "{path}" must be an Array', specific=False)
            inner = t[len("Array of ") :]
            for idx, item in enumerate(value):
                self.check_value(item, (inner,), f"{path}[{idx}]", depth + 1)
            return
        if t == "KeyboardButton" and isinstance(value, str):
            if not value:
                raise SpecError("can't parse keyboard button: Text must be non-empty")
            return  # Telegram accepts a plain string for a text-only reply-keyboard button
        ts = self.types.get(t)
        if ts is None:
            return  # unknown type name: accept
        if not isinstance(value, dict):
            raise SpecError(f'field "{path}" must be an Object ({t})', specific=False)
        if ts.subtypes:
            self.check_value(value, ts.subtypes, path, depth)
            return
        for req in ts.required:
            if req not in value:
                raise SpecError(f'field "{path}.{req}" ({t}) is required', specific=False)
        # a subtype's discriminator, e.g. BotCommandScopeChat.type == "chat"
        _discriminate(t, value, path)
        # The object matched structurally: deeper errors are the interesting ones.
        if depth < _MAX_DEPTH:
            for key, sub in value.items():
                fs = ts.fields.get(key)
                if fs is not None and sub is not None:
                    try:
                        self.check_value(sub, fs.types, f"{path}.{key}", depth + 1)
                    except SpecError as err:
                        raise SpecError(err.description, specific=True) from None
        check = _SEMANTIC.get(t)
        if check is not None:
            check(value, path)


def _discriminate(t: str, value: dict[str, Any], path: str) -> None:
    expected = _DISCRIMINATORS.get(t)
    if expected is not None and value.get("type") != expected:
        raise SpecError(f'field "{path}.type" must be "{expected}" for {t}', specific=False)


_DISCRIMINATORS: dict[str, str] = {
    "BotCommandScopeDefault": "default",
    "BotCommandScopeAllPrivateChats": "all_private_chats",
    "BotCommandScopeAllGroupChats": "all_group_chats",
    "BotCommandScopeAllChatAdministrators": "all_chat_administrators",
    "BotCommandScopeChat": "chat",
    "BotCommandScopeChatAdministrators": "chat_administrators",
    "BotCommandScopeChatMember": "chat_member",
    "MenuButtonCommands": "commands",
    "MenuButtonWebApp": "web_app",
    "MenuButtonDefault": "default",
}

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_inline_button(value: dict[str, Any], path: str) -> None:
    if not value.get("text"):
        raise SpecError("can't parse inline keyboard button: Text must be non-empty")
    actions = [a for a in _BUTTON_ACTIONS if value.get(a) is not None]
    if not actions:
        raise SpecError(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise SpecError(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
            f" (got {', '.join(actions)})"
        )
    data = value.get("callback_data")
    if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
        raise SpecError("BUTTON_DATA_INVALID")
    url = value.get("url")
    if url is not None and not re.match(r"^(https?|tg)://\S+$", url):
        raise SpecError("BUTTON_URL_INVALID")


def _check_bot_command(value: dict[str, Any], path: str) -> None:
    if not _COMMAND_RE.match(value["command"].lstrip("/")):
        raise SpecError("BOT_COMMAND_INVALID")
    if not 1 <= len(value["description"]) <= 256:
        raise SpecError("BOT_COMMAND_DESCRIPTION_INVALID")


def _check_keyboard_button(value: dict[str, Any], path: str) -> None:
    if not value.get("text"):
        raise SpecError("can't parse keyboard button: Text must be non-empty")


_SEMANTIC = {
    "InlineKeyboardButton": _check_inline_button,
    "BotCommand": _check_bot_command,
    "KeyboardButton": _check_keyboard_button,
}


@cache
def load_spec() -> Spec:
    """The bundled Bot API spec, parsed once per process."""
    with _DATA.open(encoding="utf-8") as fh:
        return Spec(json.load(fh))
