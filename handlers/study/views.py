"""第一议题 study as people read it: item texts, previews, receipts, lists, reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Catalogs, Html, Translator
from bot.models import BranchStudySettings, StudyItem
from bot.services import study
from bot.services.periods import hhmm
from bot.services.training import format_tenths
from handlers.common import with_cancel_hint
from handlers.home.buttons import RunCommand
from handlers.home.views import command_button
from handlers.paging import Page, paged_keyboard
from handlers.shape import Refusals
from handlers.study.buttons import StudyPress

NAMES_MAX_CHARS = 3000
LIST_MAX = 20
STATUS_PAGE = 10  # items a page of /studystatus shows

REFUSAL_TEXTS = {
    "title_empty": N_("Please give the study item a title."),
    "title_too_long": N_(
        "That title has {length} characters; at most {limit} are allowed. Please shorten it.",
    ),
    "bad_url": N_(
        "“{value}” is not a link. Please send a link starting with http:// or https://.",
    ),
    "url_too_long": N_("A link can have at most {limit} characters."),
    "summary_too_long": N_(
        "That summary has {length} characters; at most {limit} are allowed. "
        "Please shorten it and send it again.",
    ),
    "item_unknown": N_("This study item no longer exists."),
    "already_published": N_("“{title}” has already been published."),
    "discarded": N_("“{title}” was discarded, so it can no longer be published."),
    "no_branches": N_("Please choose at least one branch first."),
    "not_in_scope": N_("This study item is not for your branch."),
    "reflection_empty": N_("The reflection is empty. Please type a few sentences."),
    "reflection_too_long": N_(
        "Your reflection has {length} characters; at most {limit} are allowed. "
        "Please shorten it and send it again.",
    ),
    "past_due": N_("The due date has passed, so this can no longer be undone."),
    "not_done": N_("You have not marked this item as studied."),
    "bad_time_format": N_("“{text}” is not a time. Please write it like 09:00."),
    "bad_time": N_("“{text}” is not a time. Please write it like 09:00."),
    "quiet_time": N_(
        "{value} is in the quiet hours ({start}–{end}), when nothing is sent. "
        "Please choose a time between {end} and {start}.",
    ),
    "bad_digest": N_("Please write /studysettings digest off, or /studysettings digest mon 08:30."),
    "hours_invalid": N_(
        "“{value}” is not a number of training hours. Please type it like 0.5 or 2: "
        "from 0 to {limit}, with one decimal at most."
    ),
    "hours_too_many": N_(
        "A study item carries at most {limit} training hours. Please type a smaller number."
    ),
}
REFUSALS = Refusals(REFUSAL_TEXTS)


# ---------------------------------------------------------------- an item, as members see it


def item_text(t: Translator, item: StudyItem, *, heading: str) -> str:
    """The text of a study item as members see it."""
    lines = [heading, "", t._("<b>{title}</b>", title=item.title)]
    if item.summary:
        lines.append(t._("{summary}", summary=item.summary))
    if item.url:
        lines.append(t._("Link: {url}", url=item.url))
    if item.hours_tenths:
        lines.append(hours_line(t, item))
    if item.due_at is not None:
        lines += ["", t._("Please finish by {due}.", due=t.datetime(item.due_at, "short"))]
    return "\n".join(lines)


def hours_line(t: Translator, item: StudyItem) -> str:
    return t._("Training hours: {hours}", hours=format_tenths(item.hours_tenths))


def item_buttons(t: Translator, item_id: int) -> Keyboard:
    return [
        [
            StudyPress(item_id, "done").button(t.label("Studied")),
            StudyPress(item_id, "reflect").button(t.label("Write reflection")),
        ]
    ]


def _item_compose(
    catalogs: Catalogs, tz: ZoneInfo, heading: Callable[[Translator], str]
) -> study.ItemCompose:
    def compose(locale: str | None, item: StudyItem) -> OutgoingMessage:
        t = catalogs.translator(locale, tz)
        assert item.id is not None
        return OutgoingMessage(item_text(t, item, heading=heading(t)), item_buttons(t, item.id))

    return compose


def push_heading(t: Translator) -> str:
    return t._("📖 <b>第一议题 study</b>")


def push_compose(catalogs: Catalogs, tz: ZoneInfo) -> study.ItemCompose:
    """The push of a new item, in one language."""
    return _item_compose(catalogs, tz, push_heading)


def nudge_compose(catalogs: Catalogs, tz: ZoneInfo) -> study.ItemCompose:
    """The reminder before the due date, in one language."""
    return _item_compose(catalogs, tz, lambda t: t._("⏰ A reminder: this study item is due soon."))


def completion_text(t: Translator, item: StudyItem, row: study.BranchCompletion) -> str:
    lines = [
        t._("<b>{title}</b> — {branch}", title=item.title, branch=row.branch),
        _finished_line(t, row),
    ]
    if row.not_done:
        # A branch of 300 must still fit one message; the full list is in /studystatus.
        names = row.not_done
        while len("、".join(names)) > NAMES_MAX_CHARS:
            names = names[: len(names) * 3 // 4]
        listed = "、".join(names)
        if len(names) < len(row.not_done):
            listed += t._(" … and {n} more", n=len(row.not_done) - len(names))
        lines.append(t._("Not finished: {names}", names=listed))
    lines.append(t._("Details and reflections: /studystatus {id}", id=item.id))
    return "\n".join(lines)


def report_compose(catalogs: Catalogs, tz: ZoneInfo) -> study.ReportCompose:
    """A secretary's report on the due date: who in the branch did not finish."""

    def compose(
        locale: str | None, item: StudyItem, row: study.BranchCompletion
    ) -> OutgoingMessage:
        t = catalogs.translator(locale, tz)
        text = (
            t._("📋 The study item has reached its due date. Completion in your branch:")
            + "\n\n"
            + completion_text(t, item, row)
        )
        label = t.label("Details and reflections")
        return OutgoingMessage(text, [[command_button(label, "studystatus", str(item.id))]])

    return compose


def digest_compose(catalogs: Catalogs, tz: ZoneInfo) -> study.DigestCompose:
    """A member's weekly digest of the items still open."""

    def compose(locale: str | None, items: list[StudyItem]) -> OutgoingMessage:
        t = catalogs.translator(locale, tz)
        lines = [t._("📚 <b>Study items still open this week</b>"), ""]
        for i in items:
            assert i.due_at is not None
            lines.append(t._("• {title} (due {due})", title=i.title, due=t.date(i.due_at)))
        lines += ["", t._("Send /study to mark them or write a reflection.")]
        return OutgoingMessage("\n".join(lines))

    return compose


# ---------------------------------------------------------------- writing and publishing


# ---------------------------------------------------------------- members


def status_line(t: Translator, n: int, mine: study.MyItem) -> str:
    item = mine.item
    assert item.due_at is not None
    if mine.completed_at is None:
        state = t._("⬜ not yet")
    elif mine.reflection:
        state = t._("✅ studied, reflection written")
    else:
        state = t._("✅ studied")
    return t._(
        "{n}. <b>{title}</b> — due {due} — {state}",
        n=n,
        title=item.title,
        due=t.date(item.due_at),
        state=Html(state),
    )


def my_items(t: Translator, mine: Sequence[study.MyItem]) -> tuple[str, Keyboard]:
    """/study: the open items with their state, and a row of buttons for each."""
    if not mine:
        return t._("There are no open study items. 👍"), []
    lines = [t._("<b>Your study items</b>"), ""]
    rows: Keyboard = []
    studied, reflect, undo = t.label("Studied"), t.label("Write reflection"), t.label("Undo")
    for n, m in enumerate(mine[:LIST_MAX], start=1):
        lines.append(status_line(t, n, m))
        if m.item.url:
            lines.append(t._("   {url}", url=m.item.url))
        iid = m.item.id
        assert iid is not None
        if m.completed_at is None:
            first = StudyPress(iid, "done").button(f"{n}. {studied}")
            second = StudyPress(iid, "reflect").button(f"{n}. {reflect}")
        else:
            first = StudyPress(iid, "reflect").button(f"{n}. {reflect}")
            second = StudyPress(iid, "undo").button(f"{n}. {undo}")
        rows.append([first, second])
    return "\n".join(lines), rows


def ask_reflection(t: Translator, item: StudyItem) -> str:
    question = t._(
        "Please type your reflection on “{title}” (at most {limit} characters).",
        title=item.title,
        limit=study.REFLECTION_MAX,
    )
    return with_cancel_hint(t, question)


def me_line(t: Translator, mine: Sequence[study.MyItem]) -> str | None:
    """The /me line: how many open study items this member has finished."""
    if not mine:
        return None
    done = sum(1 for m in mine if m.completed_at is not None)
    return t._("Study: {done} of {total} open items finished (/study)", done=done, total=len(mine))


# ---------------------------------------------------------------- completion


def rate(t: Translator, done: int, total: int) -> str:
    return t._(
        "{done}/{total} ({rate})",
        done=done,
        total=total,
        rate=t.percent(done / total if total else 0.0),
    )


def overview(
    t: Translator, page: Page[StudyItem], counts: dict[int, tuple[int, int]]
) -> tuple[str, Keyboard]:
    """/studystatus: a page of the recent items, how many finished each, a button each."""
    if not page.total:
        return t._("No study items have been published yet. Publish one with /newstudy."), []
    lines = [t._("<b>Study completion</b>"), ""]
    for item in page.items:
        assert item.id is not None
        assert item.due_at is not None
        done, total = counts[item.id]
        lines.append(
            t._(
                "#{id} {title} — {rate}, due {due}",
                id=item.id,
                title=item.title,
                rate=Html(rate(t, done, total)),
                due=t.date(item.due_at),
            )
        )
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    lines += ["", t._("Press an item for its details and reflections.")]

    def button(item: StudyItem) -> Button:
        label = t.label("#{id} {title}", id=item.id, title=_short(item.title))
        return command_button(label, "studystatus", str(item.id), back="studystatus")

    rows = paged_keyboard(
        page, button, lambda n: RunCommand(command="studystatus", arg=f"page {n}")
    )
    return "\n".join(lines), rows


def _short(title: str, limit: int = 30) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _finished_line(t: Translator, r: study.BranchCompletion) -> str:
    """How many of a branch finished an item: in the due-date report and in /studystatus."""
    return t._("Finished: {rate}", rate=Html(rate(t, r.done, r.total)))


def _branch_details(t: Translator, r: study.BranchCompletion) -> list[str]:
    lines = [_finished_line(t, r)]
    lines.append(
        t._("Not finished: {names}", names="、".join(r.not_done))
        if r.not_done
        else t._("Everyone has finished. 👍")
    )
    if r.reflections:
        lines += ["", t._("<b>Reflections</b>")]
        for name, text in r.reflections:
            lines.append(t._("• {name}: {text}", name=name, text=text))
    return lines


def details(
    t: Translator, item: StudyItem, rows: Sequence[study.BranchCompletion], *, every_branch: bool
) -> str:
    """/studystatus <id>: per branch for an admin; names and reflections for a secretary."""
    assert item.due_at is not None
    lines = [
        t._("<b>#{id} {title}</b>", id=item.id, title=item.title),
        t._("Due {due}", due=t.datetime(item.due_at, "short")),
        "",
    ]
    if every_branch:
        done = sum(r.done for r in rows)
        total = sum(r.total for r in rows)
        lines.append(t._("All branches: {rate}", rate=Html(rate(t, done, total))))
        for r in rows:
            lines.append(
                t._("• {branch}: {rate}", branch=r.branch, rate=Html(rate(t, r.done, r.total)))
            )
        return "\n".join(lines)
    for r in rows:
        lines += _branch_details(t, r)
    return "\n".join(lines)


def item_number_please(t: Translator) -> str:
    return t._("Please give the item's number, like /studystatus 3.")


# ---------------------------------------------------------------- branch settings


def _weekday(t: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=t.locale)[weekday])


def settings_usage(t: Translator) -> str:
    return t._(
        "Change them with:\n"
        "/studysettings time 09:00\n"
        "/studysettings digest mon 08:30\n"
        "/studysettings digest off"
    )


def settings_text(t: Translator, row: BranchStudySettings, rules: study.StudyRules) -> str:
    digest = (
        t._(
            "every {weekday} at {time}",
            weekday=_weekday(t, row.digest_weekday),
            time=hhmm(row.digest_minute),
        )
        if row.digest_enabled
        else t._("off")
    )
    return (
        t._(
            "<b>Study settings of your branch</b>\n"
            "Study time (when new items are pushed): {time}\n"
            "Weekly digest of open items: {digest}\n"
            "Quiet hours: {quiet_start}–{quiet_end} (nothing is pushed then)",
            time=hhmm(row.study_minute),
            digest=Html(digest),
            quiet_start=hhmm(rules.quiet_start),
            quiet_end=hhmm(rules.quiet_end),
        )
        + "\n\n"
        + settings_usage(t)
    )
