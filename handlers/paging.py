"""The one paging helper: a long list shown a page at a time with ◀ ▶.

Telegram allows 100 buttons a message, and a phone shows far fewer comfortably, so
every list of people, branches or meetings that can grow is paged the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.delivery.message import Button, Keyboard
from bot.i18n import Translator
from handlers.callbacks import CallbackData

T = TypeVar("T")

PAGE_SIZE = 30


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, which page it is (from 0), and how many there are."""

    items: Sequence[T]
    number: int
    pages: int
    total: int

    @property
    def first(self) -> bool:
        return self.number == 0

    @property
    def last(self) -> bool:
        return self.number + 1 >= self.pages

    def nav(self, to: Callable[[int], CallbackData]) -> list[Button]:
        """The ◀ ▶ row (empty on a single page); `to(n)` is the data that opens page n."""
        row = []
        if not self.first:
            row.append(to(self.number - 1).button("◀"))
        if not self.last:
            row.append(to(self.number + 1).button("▶"))
        return row

    def caption(self, t: Translator, chosen: int | None = None) -> str:
        """'Page 2 of 5' (with how many are chosen, for pickers); empty on one page."""
        if self.pages <= 1:
            return ""
        if chosen is None:
            return t._("Page {page} of {pages}.", page=self.number + 1, pages=self.pages)
        return t._(
            "Page {page} of {pages}; {n} chosen.", page=self.number + 1, pages=self.pages, n=chosen
        )


def page_of(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of `items` (clamped, so a stale ◀ ▶ still shows a real page)."""
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1)
    return Page(items[number * size : (number + 1) * size], number, pages, len(items))


def page_holding(items: Sequence[T], found: Callable[[T], bool], size: int = PAGE_SIZE) -> int:
    """The page on which the first item `found` is (0 when none is)."""
    for index, item in enumerate(items):
        if found(item):
            return index // size
    return 0


def paged_keyboard(
    page: Page[T],
    item: Callable[[T], Button],
    to: Callable[[int], CallbackData],
    *,
    columns: int = 1,
    footer: Keyboard | None = None,
) -> Keyboard:
    """The page's item buttons in `columns`, the ◀ ▶ row, then `footer` rows."""
    buttons = [item(x) for x in page.items]
    rows: Keyboard = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    nav = page.nav(to)
    if nav:
        rows.append(nav)
    rows.extend(footer or [])
    return rows
