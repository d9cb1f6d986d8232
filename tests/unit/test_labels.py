"""Label tables (handlers.labels): one per enum, every member worded, the glossary's words."""

from __future__ import annotations

import importlib
import pkgutil
from enum import StrEnum, auto
from zoneinfo import ZoneInfo

import pytest

import handlers
from bot.i18n import N_, Catalogs
from bot.models import (
    MeetingKind,
    PledgeRating,
    RequestKind,
    RequestRating,
    ReviewRating,
    Satisfaction,
)
from handlers.labels import TABLES, labels

TZ = ZoneInfo("Asia/Shanghai")

# ../shared/GLOSSARY.md, in each enum's order: zh_CN, then en.
GLOSSARY = {
    PledgeRating: (
        "优秀 / 合格 / 基本合格 / 不合格",
        "Excellent / Satisfactory / Basically satisfactory / Unsatisfactory",
    ),
    ReviewRating: ("好 / 较好 / 一般 / 差", "Good / Fairly good / Average / Poor"),
    Satisfaction: ("满意 / 基本满意 / 不满意", "Satisfied / Fairly satisfied / Dissatisfied"),
    RequestRating: ("满意 / 基本满意 / 不满意", "Satisfied / Fairly satisfied / Dissatisfied"),
    RequestKind: ("诉求 / 建议 / 困难求助", "Request / Suggestion / Help needed"),
    MeetingKind: (
        "支部党员大会 / 支委会 / 党小组会 / 党课 / 主题党日 / 组织生活会 / 民主评议党员 / 培训",
        "general assembly / branch committee meeting / party group meeting / party lecture / "
        "party day / organisational life meeting / democratic review of members / "
        "training session",
    ),
}


@pytest.fixture(scope="module")
def tables() -> dict[type, dict[object, str]]:
    """Every table the handlers build (importing every module builds them)."""
    for info in pkgutil.walk_packages(handlers.__path__, prefix="handlers."):
        importlib.import_module(info.name)
    return {enum: dict(table) for enum, table in TABLES.items()}


def test_every_member_of_every_table_is_worded_in_both_languages(
    tables: dict[type, dict[object, str]],
) -> None:
    catalogs = Catalogs.load()
    for enum, table in tables.items():
        assert list(table) == list(enum), enum  # every member, in the enum's order
        for locale in ("zh_CN", "en"):
            t = catalogs.translator(locale, TZ)
            words = [t.label(table[m]) for m in enum]
            assert all(words), (enum, locale, words)
            assert locale == "en" or words != [table[m] for m in enum], (enum, "untranslated")


@pytest.mark.parametrize("enum", list(GLOSSARY), ids=lambda e: e.__name__)
def test_the_words_are_the_glossarys(enum: type, tables: dict[type, dict[object, str]]) -> None:
    catalogs = Catalogs.load()
    for locale, expected in zip(("zh_CN", "en"), GLOSSARY[enum], strict=True):
        t = catalogs.translator(locale, TZ)
        assert " / ".join(t.label(tables[enum][m]) for m in enum) == expected


class Colour(StrEnum):
    red = auto()
    green = auto()


class Shape(StrEnum):
    round = auto()


def test_a_member_left_out_or_of_another_enum_is_refused() -> None:
    with pytest.raises(ValueError, match=r"missing \['green'\]"):
        labels({Colour.red: N_("red")})
    with pytest.raises(ValueError, match="not members"):
        labels({Colour.red: N_("red"), Colour.green: N_("green"), Shape.round: N_("round")})
    assert Colour not in TABLES


def test_an_enum_has_one_table_in_its_order() -> None:
    class Step(StrEnum):
        first = auto()
        second = auto()

    table = labels({Step.second: N_("second"), Step.first: N_("first")})
    assert list(table.items()) == [(Step.first, "first"), (Step.second, "second")]
    with pytest.raises(ValueError, match="Step has a label table already"):
        labels({Step.first: N_("1st"), Step.second: N_("2nd")})
