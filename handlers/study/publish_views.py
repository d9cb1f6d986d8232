"""Publishing a 第一议题 study item as the publisher reads it: the form's questions, the
preview with its branch choice, and the receipt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.delivery.message import Button, Keyboard
from bot.i18n import Translator
from bot.models import Branch, StudyItem
from bot.services import study
from handlers.paging import page_of, paged_keyboard
from handlers.study.buttons import DraftPress
from handlers.study.views import hours_line, item_text

BRANCH_PAGE = 40  # branch buttons a preview shows at once (Telegram allows 100 a message)
BRANCH_NAMES_LISTED = 10


def ask_title(t: Translator) -> str:
    return t._("Let's publish a 第一议题 study item. What is its title?\n(Send /cancel to stop.)")


def ask_url(t: Translator) -> str:
    return t._("Send the link to the material, or press Skip.")


def ask_summary(t: Translator) -> str:
    return t._(
        "Now send a short summary (at most {limit} characters), or press Skip.",
        limit=study.SUMMARY_MAX,
    )


def ask_hours(t: Translator) -> str:
    return t._(
        "How many training hours (学时) does a member earn by studying it? Send a number "
        "from 0 to {limit} with one decimal at most, like 0.5 or 2, or press Skip to keep "
        "0.5.",
        limit=study.HOURS_MAX_TENTHS // 10,
    )


def skip(t: Translator, item_id: int) -> Keyboard:
    return [[DraftPress(item_id, "skip").button(t.label("Skip"))]]


def branch_page_of(scope: study.DraftScope, branch_id: int) -> int:
    """The page on which a branch's button is."""
    ids = [b.id for b in scope.branches]
    return ids.index(branch_id) // BRANCH_PAGE if branch_id in ids else 0


def _branch_rows(t: Translator, scope: study.DraftScope, number: int) -> tuple[str, Keyboard]:
    """The admin's branch choice: 'all branches', a page of branches, ◀ ▶."""
    item = scope.item
    assert item.id is not None
    item_id = item.id
    page = page_of(scope.branches, number, BRANCH_PAGE)
    mark = "✅" if item.scope_all else "⬜"
    # The page rides along in the data so a press re-draws the page it was made on.
    all_label = t.label("All branches")
    everything = DraftPress(item_id, "all", page.number).button(f"{mark} {all_label}")

    def branch_button(b: Branch) -> Button:
        ticked = b.id in scope.chosen and not item.scope_all
        return DraftPress(item_id, "branch", b.id or 0).button(
            f"{'✅' if ticked else '⬜'} {b.name}"
        )

    rows = paged_keyboard(page, branch_button, lambda n: DraftPress(item_id, "page", n))
    caption = page.caption(t, chosen=scope.chosen_count)
    return caption, [[everything], *rows]


def preview(
    t: Translator, scope: study.DraftScope, *, page: int = 0, branch: Branch | None = None
) -> tuple[str, Keyboard]:
    """The draft as members will see it, with the publishing buttons.

    An admin chooses branches (a page of them); a secretary's item goes to `branch`.
    """
    item = scope.item
    assert item.id is not None
    text = item_text(t, item, heading=t._("<b>Preview</b>"))
    rows: Keyboard = []
    if branch is None:
        text += "\n\n" + t._("Choose the branches it is for, then press Publish.")
        caption, rows = _branch_rows(t, scope, page)
        if caption:
            text += "\n" + caption
    else:
        text += "\n\n" + t._("It goes to {branch} at the branch's study time.", branch=branch.name)
    rows.append(
        [
            DraftPress(item.id, "publish").button(t.label("Publish")),
            DraftPress(item.id, "cancel").button(t.label("Cancel")),
        ]
    )
    return text, rows


def cancelled(t: Translator, item: StudyItem) -> str:
    return t._("Cancelled: “{title}” was not published.", title=item.title)


def _branches_label(t: Translator, names: Sequence[str]) -> str:
    if len(names) <= BRANCH_NAMES_LISTED:
        return "、".join(names)
    return t.n_("{n} branch", "{n} branches", len(names))


def published_text(t: Translator, done: study.Published) -> str:
    """The receipt: what was published, for how many, by when, and when each gets it."""
    item = done.item
    assert item.due_at is not None
    lines = [
        t._(
            "✅ Published: “{title}” for {branches} ({people}). Members have until {due}.",
            title=item.title,
            branches=t.n_("{n} branch", "{n} branches", len(done.pushes)),
            people=t.n_("{n} person", "{n} people", done.people),
            due=t.datetime(item.due_at, "short"),
        ),
        hours_line(t, item),
    ]
    # Grouped by push time: a committee of 300 branches must still fit one message.
    groups: dict[datetime | None, list[str]] = {}
    for name, when in done.pushes:
        groups.setdefault(None if when <= (item.published_at or when) else when, []).append(name)
    for at, names in groups.items():
        branch = _branches_label(t, names)
        if at is None:
            lines.append(t._("• {branch}: pushed now", branch=branch))
        else:
            lines.append(
                t._("• {branch}: pushed at {time}", branch=branch, time=t.datetime(at, "short"))
            )
    return "\n".join(lines)
