"""Catalogs: every string in the source is translated in zh_CN and en; formatting is local."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs, Html
from bot.i18n_tools import missing

TZ = ZoneInfo("Asia/Shanghai")


def test_every_string_is_translated() -> None:
    problems = missing()
    assert problems == [], "untranslated strings:\n" + "\n".join(problems)


def test_arguments_are_escaped_but_html_is_kept() -> None:
    t = Catalogs.load().translator("zh_CN", TZ)
    assert t._("Name: {name}", name="<b>x</b> & y") == "姓名：&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert t._("Name: {name}", name=Html("<b>x</b>")) == "姓名：<b>x</b>"
    assert t.label("Use “{name}”", name="<b>") == "使用“<b>”"


def test_dates_in_the_users_zone_and_locale() -> None:
    moment = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 00:30 next day in Shanghai
    zh = Catalogs.load().translator("zh_CN", TZ)
    en = Catalogs.load().translator("en", TZ)
    assert zh.datetime(moment, "short") == "2026-11-28 00:30"
    assert zh.date(moment) == "2026年11月28日"
    assert en.date(moment) == "Nov 28, 2026"


def test_unknown_locale_falls_back_to_default() -> None:
    t = Catalogs.load("zh_CN").translator("fr", TZ)
    assert t.locale == "zh_CN"
