"""Telegram HTML parsing: entities, UTF-16 offsets and error reasons."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.html import HtmlParseError, parse_html, trim_text, utf16_len


def test_plain_and_entities() -> None:
    text, ents = parse_html("<b>粗体</b> &lt;x&gt; &amp; <i>斜</i>")
    assert text == "粗体 <x> & 斜"
    assert ents == [
        {"offset": 0, "length": 2, "type": "bold"},
        {"offset": 9, "length": 1, "type": "italic"},
    ]


def test_utf16_offsets_for_emoji() -> None:
    text, ents = parse_html("🙂<b>x</b>")
    assert text == "🙂x"
    assert ents == [{"offset": 2, "length": 1, "type": "bold"}]
    assert utf16_len("🙂x") == 3


def test_all_supported_tags() -> None:
    src = (
        "<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>"
        '<span class="tg-spoiler">h</span><tg-spoiler>i</tg-spoiler><a href="https://x.y/?a=1&amp;b=2">j</a>'
        '<code>k</code><pre><code class="language-python">l</code></pre><blockquote>m</blockquote>'
        '<blockquote expandable>n</blockquote><tg-emoji emoji-id="5368324170671202286">o</tg-emoji>'
    )
    text, ents = parse_html(src)
    assert text == "abcdefghijklmno"
    types = [e["type"] for e in ents]
    assert types == [
        "bold", "italic", "underline", "underline", "strikethrough", "strikethrough",
        "strikethrough", "spoiler", "spoiler", "text_link", "code", "pre", "blockquote",
        "expandable_blockquote", "custom_emoji",
    ]  # fmt: skip
    assert ents[9]["url"] == "https://x.y/?a=1&b=2"
    assert ents[11]["language"] == "python"


def test_numeric_entities() -> None:
    assert parse_html("&#20826;&#x5EFA;&quot;")[0] == '党建"'


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x <foo>y</foo>", 'Unsupported start tag "foo" at byte offset 2'),
        ("党<foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a & b", 'Unescaped "&" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_errors(src: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(src)
    assert str(info.value).startswith(reason)


def test_trim_shifts_entities() -> None:
    text, ents = trim_text("  ab \n", [{"offset": 2, "length": 3, "type": "bold"}])
    assert text == "ab"
    assert ents == [{"offset": 0, "length": 2, "type": "bold"}]


@given(st.text())
def test_escaped_text_round_trips(s: str) -> None:
    text, ents = parse_html(html.escape(s))
    assert text == s
    assert ents == []


@given(st.text(), st.text(min_size=1))
def test_bold_wrapped_text_offsets(a: str, b: str) -> None:
    text, ents = parse_html(f"{html.escape(a)}<b>{html.escape(b)}</b>")
    assert text == a + b
    assert ents == [{"offset": utf16_len(a), "length": utf16_len(b), "type": "bold"}]
