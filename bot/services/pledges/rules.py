"""What a pledge may say: the length and shape rules for every part a person types."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.errors import Refused, clean_text
from bot.services.periods import local_today

POST_MAX = 100
DUTIES_MAX = 1000
COMMITMENT_MAX = 200
COMMITMENTS_MAX = 10
COMMENT_MAX = 500
NOTE_MAX = 500

# One leading list marker: "1." "1、" "1)" "(1)" "（1）" "①" or a bullet followed by a blank.
# At most two digits, and a dot or colon not followed by a digit, so "2026年…", "10.5 小时"
# and "8:30 到岗" stay whole.
_MARKER = re.compile(
    r"^(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*(?:[.．:：](?!\d)|[、)）])|[①-⑩]|[-•*·–—]\s)\s*"
)


def pledge_year(now: datetime, tz: ZoneInfo) -> int:
    """The pledge year: the calendar year where the branch lives."""
    return local_today(now, tz).year


def strip_marker(line: str) -> str:
    """A line without its list number or bullet (one marker only)."""
    return _MARKER.sub("", line.strip(), count=1).strip()


def parse_commitments(text: str) -> list[str]:
    """Commitments typed one per line (numbered or not); each kept exactly as typed."""
    items = [strip_marker(line) for line in text.splitlines()]
    return parse_commitments_list([item for item in items if item])


def validate_commitments(items: Sequence[str]) -> list[str]:
    """The same rules for a list that came back from the form (kept exactly as parsed)."""
    items = [item.strip() for item in items if item.strip()]
    if any(len(item.splitlines()) != 1 for item in items):
        raise Refused("commitments_invalid")
    return parse_commitments_list(items)


def parse_commitments_list(items: list[str]) -> list[str]:
    if not items:
        raise Refused("commitments_empty", limit=COMMITMENTS_MAX)
    if len(items) > COMMITMENTS_MAX:
        raise Refused("commitments_too_many", count=len(items), limit=COMMITMENTS_MAX)
    for number, item in enumerate(items, start=1):
        if len(item) > COMMITMENT_MAX:
            raise Refused(
                "commitment_too_long", number=number, length=len(item), limit=COMMITMENT_MAX
            )
    return items


def validate_post(text: str) -> str:
    post = clean_text(text, POST_MAX, "post_too_long", empty="post_empty")
    if any(ch in post for ch in "\n\r"):
        raise Refused("post_multiline")
    return post


def validate_duties(text: str) -> str:
    return clean_text(text, DUTIES_MAX, "duties_too_long", empty="duties_empty")


def validate_note(text: str) -> str:
    return clean_text(text, NOTE_MAX, "note_too_long", empty="note_empty")


def validate_comment(text: str, *, required: bool) -> str | None:
    if not text.strip() and not required:
        return None
    return clean_text(text, COMMENT_MAX, "comment_too_long", empty="comment_empty")
