"""Telegram-flavoured HTML parser: ``parse_mode=HTML`` text -> plain text + MessageEntity dicts.

Follows the rules of tdlib's ``parse_html``: only the tags listed in the Bot API are allowed,
tags must be properly nested and closed, and offsets/lengths are counted in UTF-16 code units.
Stricter than Telegram in one point (on purpose): a bare ``&`` that does not start one of
``&lt; &gt; &amp; &quot; &#NN; &#xHH;`` is rejected, because it is nearly always a missing
``html.escape`` in the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlParseError", "parse_html", "trim_text", "utf16_len"]


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is Telegram's reason."""


_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NON_BMP = re.compile(r"[\U00010000-\U0010FFFF]")

_SIMPLE: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
SUPPORTED_TAGS = frozenset(
    [*_SIMPLE, "span", "a", "code", "pre", "blockquote", "tg-emoji"],
)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures text)."""
    n = len(text)
    if text.isascii():
        return n
    return n + len(_NON_BMP.findall(text))


@dataclass(slots=True)
class _Open:
    tag: str
    begin: int  # byte offset of '<' in the source, for error messages
    start: int  # utf-16 offset in the output
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entities(value: str) -> str:
    return _ENTITY.sub(_entity_char, value)


def _entity_char(m: re.Match[str]) -> str:
    if m.group(1):
        return _NAMED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _parse_attrs(src: str, k: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes starting at ``k``; returns them and the index of the closing '>'."""
    n = len(src)
    attrs: dict[str, str] = {}
    while True:
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[k] == ">":
            return attrs, k
        a = k
        while k < n and not src[k].isspace() and src[k] not in "=>":
            k += 1
        name = src[a:k].lower()
        while k < n and src[k].isspace():
            k += 1
        if k < n and src[k] != "=":
            if not name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{_byte_offset(src, begin)}"
                )
            attrs[name] = ""  # valueless attribute, e.g. <blockquote expandable>
            continue
        if k >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        k += 1  # '='
        while k < n and src[k].isspace():
            k += 1
        if k >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[k] in "\"'":
            quote = src[k]
            end = src.find(quote, k + 1)
            if end < 0:
                raise HtmlParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(src, begin)}"
                )
            value = src[k + 1 : end]
            k = end + 1
        else:
            a = k
            while k < n and not src[k].isspace() and src[k] != ">":
                k += 1
            value = src[a:k]
        attrs[name] = _decode_entities(value)


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(plain_text, entities)``.

    Raises :class:`HtmlParseError` with Telegram's wording (without the
    ``"Bad Request: can't parse entities: "`` prefix).
    """
    out: list[str] = []
    u16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(src)
    while i < n:
        m = _SPECIAL.search(src, i)
        j = m.start() if m else n
        if j > i:
            chunk = src[i:j]
            out.append(chunk)
            u16 += utf16_len(chunk)
            i = j
            if i >= n:
                break
        if src[i] == "&":
            em = _ENTITY.match(src, i)
            if em is None:
                raise HtmlParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(src, i)}: '
                    "use &amp; (or another HTML entity)"
                )
            ch = _entity_char(em)
            out.append(ch)
            u16 += 2 if ord(ch) > 0xFFFF else 1
            i = em.end()
            continue
        begin = i
        if i + 1 < n and src[i + 1] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(src, i)}")
            k = i + 2
            while k < n and not src[k].isspace() and src[k] != ">":
                k += 1
            end_name = src[i + 2 : k].lower()
            while k < n and src[k].isspace():
                k += 1
            if k >= n or src[k] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(src, i)}")
            top = stack[-1]
            if end_name and end_name != top.tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, i)}, "
                    f'expected "</{top.tag}>", found "</{end_name}>"'
                )
            stack.pop()
            _close(top, u16, stack, entities)
            i = k + 1
            continue
        k = i + 1
        while k < n and not src[k].isspace() and src[k] != ">":
            k += 1
        if k >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        tag = src[i + 1 : k].lower()
        if tag not in SUPPORTED_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs, k = _parse_attrs(src, k, tag, begin)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        if tag == "tg-emoji" and not attrs.get("emoji-id"):
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{_byte_offset(src, begin)}"
            )
        stack.append(_Open(tag=tag, begin=begin, start=u16, attrs=attrs))
        i = k + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close(top: _Open, u16: int, stack: list[_Open], entities: list[dict[str, Any]]) -> None:
    length = u16 - top.start
    tag = top.tag
    if tag == "code" and stack and stack[-1].tag == "pre":
        cls = top.attrs.get("class", "")
        if cls.startswith("language-") and len(cls) > len("language-"):
            stack[-1].language = cls[len("language-") :]
            return
    if length <= 0:
        return
    ent: dict[str, Any] = {"offset": top.start, "length": length}
    if tag in _SIMPLE:
        ent["type"] = _SIMPLE[tag]
    elif tag == "span":
        ent["type"] = "spoiler"
    elif tag == "a":
        href = top.attrs.get("href", "")
        if not href:
            return
        ent["type"] = "text_link"
        ent["url"] = href
    elif tag == "code":
        ent["type"] = "code"
    elif tag == "pre":
        ent["type"] = "pre"
        if top.language:
            ent["language"] = top.language
    elif tag == "blockquote":
        ent["type"] = "expandable_blockquote" if "expandable" in top.attrs else "blockquote"
    elif tag == "tg-emoji":
        ent["type"] = "custom_emoji"
        ent["custom_emoji_id"] = top.attrs["emoji-id"]
    entities.append(ent)


def trim_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace like Telegram does, shifting/clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    out: list[dict[str, Any]] = []
    for ent in entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, total)
        if end > start:
            out.append({**ent, "offset": start, "length": end - start})
    return stripped, out
