"""Typed callback data: one small dataclass per button family.

A family is declared with ``@family("mt")`` on a class of its fields (see `family`).
Whoever builds a button encodes it (``Vote(meeting_id=3, choice="yes").button(label)``)
and whoever handles the press decodes it (``Vote.decode(query.data)``), so the format
lives in one place. The encoding is the family's prefix and its fields joined by ':'
(short, because Telegram allows 64 bytes); a value that would break the format or the
limit raises at encode time, and anything malformed decodes to None (a forged or stale
button is refused, never crashes).

Supported field types: int (a non-negative 32-bit id, page or version), str (no ':'),
StrEnum subclasses, Literal[...] of strings, and ``X | None`` of those (None is "-").
Families of one shape can share a generic base (a frozen, slotted dataclass) whose field
is a type parameter: ``class Studied(MeetingChoice[Literal["y", "n"]])``.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from typing import (
    Any,
    ClassVar,
    Generic,
    Literal,
    Self,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
    get_origin,
)

from bot.delivery.message import CALLBACK_DATA_MAX_BYTES, Button

SEPARATOR = ":"
NONE = "-"
# Ids are PostgreSQL `integer` keys: a larger number can only be forged, and would make
# the database refuse the query ("out of int32 range") instead of the press being refused.
LARGEST_ID = 2**31 - 1
ID_DIGITS = len(str(LARGEST_ID))

# Every family, by prefix: the authorisation matrix and the size test walk this.
FAMILIES: dict[str, type[CallbackData]] = {}


_HINTS: dict[type, list[tuple[str, Any]]] = {}


_Family = TypeVar("_Family", bound="CallbackData")


@dataclass_transform(frozen_default=True)
def family(prefix: str) -> Callable[[type[_Family]], type[_Family]]:
    """Declare a button family: ``@family("mt")`` over ``class Vote(CallbackData)``.

    The class becomes a frozen, slotted dataclass of its annotated fields, encoded as
    `prefix` and the fields in order, and is registered in FAMILIES.
    """
    if not prefix or SEPARATOR in prefix:
        raise TypeError(f"a family's prefix cannot be empty or hold {SEPARATOR!r}: {prefix!r}")

    def declare(cls: type[_Family]) -> type[_Family]:
        taken = FAMILIES.get(prefix)
        if taken is not None and taken.__qualname__ != cls.__qualname__:
            raise TypeError(f"prefix {prefix!r} is taken by {taken.__name__}")
        made = dataclasses.dataclass(frozen=True, slots=True)(cls)
        made.prefix = prefix
        FAMILIES[prefix] = made
        return made

    return declare


def _type_arguments(cls: type) -> dict[Any, Any]:
    """What each type parameter of `cls`'s generic bases stands for in `cls`."""
    bound: dict[Any, Any] = {}
    for klass in reversed(cls.__mro__):
        for base in getattr(klass, "__orig_bases__", ()):
            parameters = getattr(get_origin(base), "__parameters__", ())
            bound.update(zip(parameters, [bound.get(a, a) for a in get_args(base)], strict=False))
    return bound


class CallbackDataError(ValueError):
    """A value that cannot be encoded (too long, or holding the separator)."""


def _field_kind(hint: Any) -> tuple[Any, bool]:
    """(the base type, whether None is allowed) of one field's annotation."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported callback field type {hint!r}")
        return args[0], True
    return hint, False


def _encode_value(hint: Any, value: Any) -> str:
    base, optional = _field_kind(hint)
    if value is None:
        if not optional:
            raise CallbackDataError("None for a required field")
        return NONE
    if base is bool:
        return "1" if value else "0"
    if base is int:
        if not isinstance(value, int) or value < 0 or value > LARGEST_ID:
            raise CallbackDataError(f"id out of range: {value!r}")
        return str(value)
    text = str(value.value if isinstance(value, enum.Enum) else value)
    if SEPARATOR in text or text == NONE or not text:
        raise CallbackDataError(f"value cannot be encoded: {text!r}")
    return text


def _decode_value(hint: Any, raw: str) -> Any:
    """The field's value, or raise ValueError for anything this field cannot hold."""
    base, optional = _field_kind(hint)
    if raw == NONE:
        if optional:
            return None
        raise ValueError(raw)
    if base is bool:
        if raw not in ("0", "1"):
            raise ValueError(raw)
        return raw == "1"
    if base is int:
        if not raw.isdigit() or len(raw) > ID_DIGITS or not raw.isascii():
            raise ValueError(raw)
        if int(raw) > LARGEST_ID:
            raise ValueError(raw)
        return int(raw)
    if get_origin(base) is Literal:
        if raw not in get_args(base):
            raise ValueError(raw)
        return raw
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return base(raw)
    if base is str:
        if not raw:
            raise ValueError(raw)
        return raw
    raise TypeError(f"unsupported callback field type {hint!r}")


class CallbackData:
    """Base of every button family: declare one with `family`, never by subclassing alone.

    (Not a dataclass itself: `slots=True` would rebuild the class under its methods.)
    """

    __slots__ = ()

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "prefix" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: give the prefix as @family(...), not in the body")

    @classmethod
    def _hints(cls) -> list[tuple[str, Any]]:
        cached = _HINTS.get(cls)
        if cached is None:
            hints = typing.get_type_hints(cls)
            bound = _type_arguments(cls)
            cached = [
                (f.name, bound.get(hints[f.name], hints[f.name]))
                for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            ]
            _HINTS[cls] = cached
        return cached

    def encode(self) -> str:
        """The callback data; raises CallbackDataError past Telegram's 64 bytes."""
        parts = [self.prefix]
        parts += [_encode_value(hint, getattr(self, name)) for name, hint in self._hints()]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > CALLBACK_DATA_MAX_BYTES:
            raise CallbackDataError(f"callback data over 64 bytes: {data!r}")
        return data

    def button(self, text: str) -> Button:
        """An inline button that carries this data."""
        return Button(text, data=self.encode())

    @classmethod
    def decode(cls, data: object) -> Self | None:
        """This family's value from raw callback data, or None when it is not one."""
        if not isinstance(data, str):
            return None
        parts = data.split(SEPARATOR)
        hints = cls._hints()
        if parts[0] != cls.prefix or len(parts) != len(hints) + 1:
            return None
        try:
            values = {
                name: _decode_value(hint, raw)
                for (name, hint), raw in zip(hints, parts[1:], strict=True)
            }
        except ValueError:
            return None
        return cls(**values)

    @classmethod
    def pattern(cls) -> str:
        """The regex PTB's CallbackQueryHandler uses to route this family's presses."""
        return rf"^{cls.prefix}(:|$)"

    @classmethod
    def largest(cls) -> list[Self]:
        """Instances at the largest values each field can take (for the 64-byte test).

        A str field has no natural largest value: families with free str fields list
        their own in `examples()`.
        """
        values: dict[str, list[Any]] = {}
        for name, hint in cls._hints():
            base, _optional = _field_kind(hint)
            if base is bool:
                values[name] = [True]
            elif base is int:
                values[name] = [LARGEST_ID]
            elif get_origin(base) is Literal:
                values[name] = [max(get_args(base), key=len)]
            elif isinstance(base, type) and issubclass(base, enum.Enum):
                values[name] = [max(base, key=lambda e: len(str(e.value)))]
            else:
                return cls.examples()
        return [cls(**{name: options[0] for name, options in values.items()})]

    @classmethod
    def examples(cls) -> list[Self]:
        """Largest realistic instances, for families with free-form str fields."""
        raise NotImplementedError(f"{cls.__name__} has a str field: define examples()")


Pressed = TypeVar("Pressed", bound=str)


@dataclasses.dataclass(frozen=True, slots=True)
class Choice(CallbackData, Generic[Pressed]):
    """The shape of a family that carries only which of its buttons was pressed:
    ``class LeaveChoice(Choice[Literal["yes", "no"]])`` encodes as "lv:yes"."""

    choice: Pressed
