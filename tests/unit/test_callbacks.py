"""Typed callback data: every family fits Telegram's 64 bytes and decodes what it encodes."""

from __future__ import annotations

import dataclasses
import enum
from typing import ClassVar, Generic, Literal, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import handlers  # noqa: F401  (imports every capability, so every family registers)
from handlers.callbacks import FAMILIES, LARGEST_ID, CallbackData, CallbackDataError, family


class Colour(enum.StrEnum):
    red = "r"
    green = "gr"


@family("zz_sample")
class Sample(CallbackData):
    item_id: int
    choice: Literal["yes", "leave", "in"]
    colour: Colour
    page: int | None = None
    flag: bool = False


Choice = TypeVar("Choice", bound=str)


@dataclasses.dataclass(frozen=True, slots=True)
class ItemChoice(CallbackData, Generic[Choice]):
    item_id: int
    choice: Choice


@family("zz_pair")
class Pair(ItemChoice[Literal["a", "b"]]):
    """A family whose fields come from a generic base."""


def test_round_trip() -> None:
    value = Sample(item_id=42, choice="leave", colour=Colour.green, page=None, flag=True)
    data = value.encode()
    assert data == "zz_sample:42:leave:gr:-:1"
    assert Sample.decode(data) == value


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "zz_sample",
        "zz_sample:42:leave:gr:-",  # a field short
        "zz_sample:42:leave:gr:-:1:x",  # a field over
        "zz_sample:-1:leave:gr:-:1",
        "zz_sample:4x:leave:gr:-:1",
        "zz_sample:1234567890123:leave:gr:-:1",  # more digits than any id
        "zz_sample:2147483648:leave:gr:-:1",  # past PostgreSQL's integer keys
        "zz_sample:42:go:gr:-:1",  # not one of the choices
        "zz_sample:42:leave:blue:-:1",
        "zz_sample:42:leave:gr:-:2",
        "zz_sample:٤٢:leave:gr:-:1",  # non-ASCII digits
        "other:42:leave:gr:-:1",
    ],
)
def test_malformed_decodes_to_none(raw: str | None) -> None:
    assert Sample.decode(raw) is None


@given(st.text(max_size=80))
def test_any_text_decodes_or_refuses(raw: str) -> None:
    value = Sample.decode(raw)
    assert value is None or value.encode() == raw


def test_encode_refuses_what_cannot_be_read_back() -> None:
    with pytest.raises(CallbackDataError):
        Sample(item_id=LARGEST_ID + 1, choice="yes", colour=Colour.red).encode()
    with pytest.raises(CallbackDataError):
        Sample(item_id=-1, choice="yes", colour=Colour.red).encode()


def test_every_family_fits_at_its_largest_values() -> None:
    for prefix, declared in FAMILIES.items():
        for value in declared.largest():
            data = value.encode()  # raises past 64 bytes
            assert len(data.encode()) <= 64, prefix
            assert declared.decode(data) == value, prefix


def test_a_family_is_a_frozen_slotted_dataclass_registered_by_prefix() -> None:
    value = Sample(item_id=1, choice="yes", colour=Colour.red)
    assert FAMILIES["zz_sample"] is Sample
    assert Sample.prefix == "zz_sample"
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.item_id = 2  # type: ignore[misc]
    assert not hasattr(value, "__dict__")


def test_a_family_needs_its_own_prefix_given_once() -> None:
    with pytest.raises(TypeError, match="taken"):

        @family("zz_sample")
        class Clash(CallbackData):
            item_id: int

    with pytest.raises(TypeError, match="@family"):

        class InBody(CallbackData):
            prefix: ClassVar[str] = "zz_body"

    with pytest.raises(TypeError):
        family("zz:colon")


def test_a_generic_base_gives_each_family_its_own_choices() -> None:
    assert Pair(item_id=7, choice="b").encode() == "zz_pair:7:b"
    assert Pair.decode("zz_pair:7:a") == Pair(item_id=7, choice="a")
    assert Pair.decode("zz_pair:7:c") is None  # not one of this family's choices
    assert "zz_pair" in FAMILIES
    assert not any(f is ItemChoice for f in FAMILIES.values())
