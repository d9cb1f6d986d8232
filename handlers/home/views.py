"""The home screen's words and keyboards, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import CommandSpec
from bot.delivery.message import Button, Keyboard
from bot.i18n import N_, Translator, escape
from bot.services.home import Attention
from handlers.home.buttons import OpenSection, RunCommand, RunItem, Section
from handlers.home.sections import SECTIONS, Item


def _attention_lines(t: Translator, a: Attention) -> list[str]:
    lines = []
    if a.notices:
        lines.append(t.n_("{n} notice to confirm", "{n} notices to confirm", a.notices))
    if a.meetings:
        lines.append(t.n_("{n} meeting to answer", "{n} meetings to answer", a.meetings))
    if a.pledge_returned:
        lines.append(t._("your pledge was returned: please fix and resubmit it"))
    if a.requests_rate:
        lines.append(
            t.n_("{n} answered request to rate", "{n} answered requests to rate", a.requests_rate)
        )
    if a.leaves:
        lines.append(t.n_("{n} leave request to decide", "{n} leave requests to decide", a.leaves))
    if a.pledges_review:
        lines.append(t.n_("{n} pledge to review", "{n} pledges to review", a.pledges_review))
    if a.requests_open:
        lines.append(t.n_("{n} request waiting", "{n} requests waiting", a.requests_open))
    return lines


def home(
    t: Translator, *, name: str, attention: Attention, sections: Sequence[Section]
) -> tuple[str, Keyboard]:
    """The greeting, what needs attention now, and a button per section."""
    lines = [t._("<b>Home</b> · Hello, {name}!", name=name)]
    waiting = _attention_lines(t, attention)
    if waiting:
        lines += ["", t._("Needs your attention:")] + [f"• {line}" for line in waiting]
    else:
        lines += ["", t._("Nothing is waiting for you right now.")]
    lines += ["", t._("Choose a section:")]
    buttons = [OpenSection(section=s).button(t.label(SECTIONS[s].label)) for s in sections]
    rows: Keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return "\n".join(lines), rows


def back_row(t: Translator, to: Section) -> list[Button]:
    return [OpenSection(section=to).button(t.label("Back"))]


def back_to(t: Translator, command: str) -> list[Button]:
    """返回 to a list: its command run again, in place."""
    return [RunCommand(command=command).button(t.label("Back"))]


def command_button(
    label: str, command: str, arg: str | None = None, *, back: str | None = None
) -> Button:
    """A button on a list that runs `/command arg` for one item (see screen.run_command)."""
    return RunCommand(command=command, arg=arg, back=back).button(label)


# The periods a report offers as buttons: (label, what /command takes after it).
PERIODS = (
    (N_("This month"), "this month"),
    (N_("This quarter"), "this quarter"),
    (N_("Last quarter"), "last quarter"),
    (N_("This year"), "this year"),
)


def period_row(
    t: Translator,
    command: str,
    prefix: str = "",
    *,
    back: str | None = None,
    periods: Sequence[tuple[str, str]] = PERIODS,
) -> list[Button]:
    """A report's periods as buttons running `/command <prefix> <period>`."""
    head = f"{prefix} " if prefix else ""
    return [
        command_button(t.label(label), command, head + arg, back=back) for label, arg in periods
    ]


def section(
    t: Translator, which: Section, items: Sequence[tuple[int, Item]]
) -> tuple[str, Keyboard]:
    """A section's submenu: a button per command, then 返回."""
    text = t._("<b>{section}</b>\nChoose:", section=t.label(SECTIONS[which].label))
    rows: Keyboard = [
        [RunItem(section=which, item=i).button(t.label(item.label))] for i, item in items
    ]
    rows.append(back_row(t, Section.home))
    return text, rows


def stale(t: Translator) -> str:
    """A menu pressed after the person's role changed (or the build changed)."""
    return t.label("This menu is out of date. Here is your menu now.")


def unknown_command(t: Translator, command: str) -> str:
    return t._(
        "I do not know the command {command}. Send /menu to see what you can do.",
        command=command,
    )


def help_text(
    t: Translator,
    *,
    role_name: str,
    groups: Sequence[tuple[Section, Sequence[CommandSpec]]],
    others: Sequence[CommandSpec],
    menu: bool = True,
) -> str:
    """/help grouped by section, one line a command, pointing to /menu."""
    lines = [t._("<b>What you can do</b> (as {role})", role=role_name)]
    if menu:
        lines.append(t._("Send /menu for buttons; every command also works typed."))
    for which, specs in groups:
        lines += ["", f"<b>{escape(t.label(SECTIONS[which].label))}</b>"]
        lines += [_line(t, spec) for spec in specs]
    if others:
        other = escape(t.label("Other"))
        lines += ["", f"<b>{other}</b>"]
        lines += [_line(t, spec) for spec in others]
    return "\n".join(lines)


def _line(t: Translator, spec: CommandSpec) -> str:
    # Descriptions are plain text (they also go to Telegram's menu): escape them here.
    return f"/{spec.name} — {escape(t.label(spec.description))}"
