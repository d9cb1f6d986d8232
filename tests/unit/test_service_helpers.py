"""The small shared steps of services: a row looked up or refused, a card read off its row."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from bot.services.errors import Refused, found
from bot.services.rows import copy_of


def test_found_gives_the_value_back() -> None:
    assert found(0, "unknown") == 0
    assert found("", "unknown") == ""


def test_found_refuses_nothing_with_the_code_and_params() -> None:
    with pytest.raises(Refused) as refused:
        found(None, "unknown_branch", name="x")
    assert (refused.value.code, refused.value.params) == ("unknown_branch", {"name": "x"})


@dataclass(frozen=True)
class _Card:
    id: int
    title: str
    owner_name: str
    comment: str | None = None


def test_copy_of_reads_the_shared_fields_and_takes_the_others() -> None:
    row = SimpleNamespace(id=3, title="t", comment=None, owner_id=9)
    assert copy_of(_Card, row, owner_name="n") == _Card(3, "t", "n", None)
    assert copy_of(_Card, row, owner_name="n", comment="c") == _Card(3, "t", "n", "c")


def test_copy_of_fails_loudly_on_a_field_the_row_does_not_have() -> None:
    with pytest.raises(AttributeError):
        copy_of(_Card, SimpleNamespace(id=3, title="t"), owner_name="n")
