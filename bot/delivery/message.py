"""What the bot says, as plain data: services build it, the delivery layer sends it.

Kept free of telegram imports so services can compose messages (with buttons) and the
outbox can store them as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CALLBACK_DATA_MAX_BYTES = 64
TEXT_MAX_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: exactly one of callback data or URL."""

    text: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button needs exactly one of data or url")
        if self.data is not None and len(self.data.encode()) > CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data over 64 bytes: {self.data!r}")

    def to_json(self) -> dict[str, str]:
        out = {"text": self.text}
        if self.data is not None:
            out["data"] = self.data
        if self.url is not None:
            out["url"] = self.url
        return out

    @classmethod
    def from_json(cls, raw: dict[str, str]) -> Button:
        return cls(text=raw["text"], data=raw.get("data"), url=raw.get("url"))


Keyboard = list[list[Button]]


@dataclass(slots=True)
class OutgoingMessage:
    """A message to one chat: HTML text (or text with entities), buttons, one attachment."""

    text: str
    buttons: Keyboard = field(default_factory=list)
    parse_mode: str | None = "HTML"
    entities: list[dict[str, Any]] | None = None
    media_id: int | None = None
    media_kind: str | None = None  # "document" or "photo"; the text is then the caption
    disable_preview: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[b.to_json() for b in row] for row in self.buttons],
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "media_id": self.media_id,
            "media_kind": self.media_kind,
            "disable_preview": self.disable_preview,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OutgoingMessage:
        return cls(
            text=raw["text"],
            buttons=[[Button.from_json(b) for b in row] for row in raw.get("buttons") or []],
            parse_mode=raw.get("parse_mode"),
            entities=raw.get("entities"),
            media_id=raw.get("media_id"),
            media_kind=raw.get("media_kind"),
            disable_preview=raw.get("disable_preview", True),
        )


def split_text(text: str, limit: int = TEXT_MAX_CHARS) -> list[str]:
    """Split a long text at line breaks into pieces Telegram accepts.

    A single line longer than the limit is cut hard; callers that send HTML must split
    before adding markup, or keep markup within lines.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts
