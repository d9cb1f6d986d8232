"""/report and /export in the reader's language: the chart's words, the summary, names."""

from __future__ import annotations

import html
import re

from bot.i18n import N_, Translator
from bot.models import HealthLevel, MeetingKind
from bot.services.periods import Period
from bot.services.reports import Report, Scope
from bot.services.reports.oversight_glue import BranchStanding, OversightSection
from handlers.meetings.views import kind_name
from handlers.oversight.health_views import LEVELS, finding_text
from handlers.reports.charts import Bar, Chart, Panel, tone_of
from handlers.shape import Refusals

REFUSALS = Refusals(
    {
        "other_branch": N_("You can see the reports of your own branch only."),
        "bad_period": N_(
            "I could not read the period “{text}”. Send for example /report, "
            "/report this month, /report 2026-10, /report 2026-Q4 or /report 2026."
        ),
    }
)
LEVEL_NAMES = {level: name for level, (_icon, name) in LEVELS.items()}  # /warnings' words
LEVEL_TONES = {HealthLevel.green: "good", HealthLevel.yellow: "fair", HealthLevel.red: "poor"}
SHOWN_LEVELS = (HealthLevel.red, HealthLevel.yellow, HealthLevel.green)
OUTCOME_NAMES = {
    "present": N_("present"),
    "leave": N_("on leave"),
    "absent": N_("absent"),
    "attending": N_("will attend"),
    "no_answer": N_("no answer"),
}
TOP = 10
MAX_BARS = 40  # per panel: the picture stays within Telegram's 10,000 px (width + height)


def scope_name(t: Translator, scope: Scope) -> str:
    return scope.name or t.label("All branches")


def share(t: Translator, done: int, total: int) -> str:
    return t.label(
        "{rate} ({done}/{total})",
        rate=t.percent(done / total if total else 0),
        done=done,
        total=total,
    )


def _attendance(t: Translator, rep: Report) -> Panel:
    if len(rep.attendance) > MAX_BARS:
        return _attendance_by_kind(t, rep)
    bars = [
        Bar(
            t.label("{kind} {month}", kind=kind_name(t, km.kind), month=t.date(km.month, "MMM")),
            km.rate,
            share(t, km.present, km.invited),
            tone_of(km.rate),
        )
        for km in rep.attendance
    ]
    return Panel(t.label("Attendance by meeting kind and month"), bars)


def _attendance_by_kind(t: Translator, rep: Report) -> Panel:
    """Too many kind × month bars for a phone: one bar per kind over the period."""
    kinds: dict[MeetingKind, list[int]] = {}
    for km in rep.attendance:
        tally = kinds.setdefault(km.kind, [0, 0])
        tally[0] += km.present
        tally[1] += km.invited
    bars = [
        Bar(kind_name(t, kind), p / n if n else 0.0, share(t, p, n), tone_of(p / n if n else 0.0))
        for kind, (p, n) in kinds.items()
    ]
    return Panel(t.label("Attendance by meeting kind"), bars)


def _study(t: Translator, rep: Report) -> Panel:
    # The newest items when there are more than a phone can show (all are in /export).
    shown = rep.study[-MAX_BARS:]
    bars = [Bar(i.title, i.rate, share(t, i.done, i.members), tone_of(i.rate)) for i in shown]
    return Panel(t.label("First agenda items: marked Studied"), bars)


def _pledges(t: Translator, rep: Report) -> Panel:
    p = rep.pledges
    return Panel(
        t.label("Pledges {year}: submitted", year=p.year),
        [
            Bar(
                t.label("pledges submitted"),
                p.rate,
                share(t, p.submitted, p.members),
                tone_of(p.rate),
            )
        ],
    )


def reasons_text(t: Translator, s: BranchStanding) -> str:
    """The flagged indicators in /warnings' words, as plain text (for a cell)."""
    return "；".join(html.unescape(finding_text(t, f)) for f in s.reasons)


def _oversight(t: Translator, section: OversightSection) -> list[Panel]:
    levels = Panel(
        t.label("Branches by level"),
        [
            Bar(
                t.label(LEVEL_NAMES[lv]),
                section.levels.get(lv, 0),
                str(section.levels.get(lv, 0)),
                LEVEL_TONES[lv],
            )
            for lv in SHOWN_LEVELS
        ],
        share=False,
    )
    top = section.needing_attention(TOP)
    if not top:
        return [levels]
    # The bar: how many indicators are flagged; the text: the level and that number.
    bars = [
        Bar(
            s.branch,
            len(s.reasons),
            t.label("{level} ({n})", level=t.label(LEVEL_NAMES[s.level]), n=len(s.reasons)),
            LEVEL_TONES[s.level],
        )
        for s in top
    ]
    title = t.label("The {n} branches needing attention most: indicators flagged", n=len(top))
    return [levels, Panel(title, bars, share=False)]


def chart(t: Translator, rep: Report) -> Chart:
    """The panels that have something to show, the committee's levels last."""
    panels = []
    if rep.attendance:
        panels.append(_attendance(t, rep))
    if rep.study:
        panels.append(_study(t, rep))
    panels.append(_pledges(t, rep))
    if rep.oversight is not None:
        panels += _oversight(t, rep.oversight)
    title = t.label("{scope} · {period}", scope=scope_name(t, rep.scope), period=rep.period.label)
    return Chart(title, panels)


def summary(t: Translator, rep: Report) -> str:
    """The caption under the chart (HTML, well under Telegram's 1024 characters)."""
    invited = sum(km.invited for km in rep.attendance)
    present = sum(km.present for km in rep.attendance)
    members = sum(i.members for i in rep.study)
    done = sum(i.done for i in rep.study)
    lines = [
        t._("<b>{scope}</b> · {period}", scope=scope_name(t, rep.scope), period=rep.period.label),
        t._(
            "Meetings held: {n}; attendance {share}",
            n=rep.meetings,
            share=share(t, present, invited),
        ),
        t._(
            "First agenda items: {n}; marked Studied {share}",
            n=len(rep.study),
            share=share(t, done, members),
        ),
        t._(
            "Pledges {year}: submitted {share}",
            year=rep.pledges.year,
            share=share(t, rep.pledges.submitted, rep.pledges.members),
        ),
    ]
    if rep.oversight is not None:
        counts = rep.oversight.levels
        lines.append(
            t._(
                "Levels: OK {normal} · Watch {attention} · Warning {warning}",
                normal=counts.get(HealthLevel.green, 0),
                attention=counts.get(HealthLevel.yellow, 0),
                warning=counts.get(HealthLevel.red, 0),
            )
        )
        top = rep.oversight.needing_attention(TOP)
        if top:
            lines.append(
                t._("Needing attention most: {names}", names="、".join(s.branch for s in top))
            )
    lines.append(t._("For every row, send /export {period}.", period=rep.period.label))
    return "\n".join(lines)


def no_data(t: Translator, scope: Scope, period: Period) -> str:
    return t._(
        "Nothing was recorded for {scope} in {period}: no meeting held, no first agenda item, "
        "no pledge. Try another period, e.g. /report this year.",
        scope=scope_name(t, scope),
        period=period.label,
    )


_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def file_name(t: Translator, scope: Scope, period: Period) -> str:
    """What and when, e.g. 党建台账_阳光支部_2026-Q4.xlsx."""
    what = t.label("records")
    where = _UNSAFE.sub("_", scope_name(t, scope)).strip("_") or "branch"
    return f"{what}_{where}_{period.label}.xlsx"


def export_caption(t: Translator, scope: Scope, period: Period) -> str:
    return t._(
        "Records of {scope}, {period}: meetings, attendance, study, pledges, notices.",
        scope=scope_name(t, scope),
        period=period.label,
    )
