"""Health texts: levels, indicators with value and threshold, what to do, the digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.delivery.message import Keyboard, OutgoingMessage
from bot.i18n import N_, Translator
from bot.models import HealthLevel, MeetingKind, Member
from bot.services.oversight import digest as dg
from bot.services.oversight.health import BranchHealth
from bot.services.oversight.indicators import Finding
from handlers.meetings.views import kind_name
from handlers.oversight.buttons import BranchDetails, WarningsPage
from handlers.paging import page_of, paged_keyboard

PAGE_SIZE = 15
TODO_NAMES = 30  # members behind named in the weekly to-dos; the rest counted
LEVELS = {
    HealthLevel.green: ("🟢", N_("OK")),
    HealthLevel.yellow: ("🟡", N_("Watch")),
    HealthLevel.red: ("🔴", N_("Warning")),
}
ADVICE = {
    "no_secretary": N_("Appoint a secretary: an admin creates the branch's secretary invite."),
    "committee_small": N_("Choose branch committee members with /committee."),
    "missed": N_(
        "Hold the missed meetings (/newmeeting) and record their minutes (/minutes); "
        "/calendar shows what each rule needs."
    ),
    "idle": N_("Hold a meeting or a 主题党日 soon: /newmeeting."),
    "attendance": N_("Remind members before meetings and record check-ins (/attendance)."),
    "study": N_("Remind members of the open 第一议题 items (/study)."),
    "pledges": N_("Remind members to submit their pledge (/pledges)."),
    "satisfaction": N_("Follow up the members' requests until they are satisfied."),
    "secretary_idle": N_(
        "Use the bot at least once a month: /calendar and /health show what is due."
    ),
    "term_unknown": N_(
        "Record the committee's term: /term YYYY-MM-DD (the day of the last election)."
    ),
    "term_overdue": N_("Hold the election (换届) and record the new term with /term."),
    "blocked": N_("Ask the members who blocked the bot to unblock it; /members shows them."),
    "training": N_(
        "Hold a 党课 or a 培训 session and name it with /course; members record outside "
        "training with /training add; /hours shows who is behind."
    ),
    "secretary_training": N_(
        "The secretary attends a 书记示范班 (a /course marked 书记) or records secretary "
        "training with /training add, marked as secretary training."
    ),
}


def level_label(t: Translator, level: HealthLevel) -> str:
    icon, name = LEVELS[level]
    return f"{icon} {t.label(name)}"


def _pct(t: Translator, value: float | int | None) -> str:
    return t.label("no data") if value is None else t.percent(float(value))


def _missed(t: Translator, kinds: dict[str, str]) -> str:
    return "、".join(f"{kind_name(t, MeetingKind(k))}（{p}）" for k, p in kinds.items())


def _day(t: Translator, f: Finding, key: str = "ends_on") -> str:
    raw = f.detail.get(key)
    return t.date(date.fromisoformat(raw), "short") if raw else ""


def secretary_training_text(t: Translator, f: Finding) -> str:
    """班子不健全's 6-month rule: the secretary appointed since 2025 and their training."""
    d, th = f.detail, f.threshold
    if not d:
        return t._(
            "Secretary training: no secretary appointed since 2025 "
            "(a record within {threshold} months of appointment)",
            threshold=th,
        )
    # Every message below takes the same arguments (str.format ignores the unused ones).
    args = {
        "name": d.get("name", ""),
        "appointed": _day(t, f, "appointed_on"),
        "due": _day(t, f, "due_on"),
        "threshold": th,
        "value": f.value,
    }
    if f.flagged:
        return t._(
            "Committee incomplete: secretary {name}, appointed on {appointed}, has no secretary "
            "training record within {threshold} months (due {due}, {value} days ago)",
            **args,
        )
    if d.get("trained"):
        return t._(
            "Secretary training: {name} has a secretary training record "
            "(within {threshold} months of appointment)",
            **args,
        )
    return t._(
        "Secretary training: {name} needs a secretary training record by {due} "
        "({threshold} months after the appointment on {appointed})",
        **args,
    )


def training_text(t: Translator, f: Finding) -> str:
    """作用不发挥's 学时 coverage: members on track for their yearly target."""
    if f.value is None:
        return t._(
            "Role: training hours not measured yet (no members, or the branch is new; "
            "at least {threshold} on track)",
            threshold=_pct(t, f.threshold),
        )
    return t._(
        "Role: {on_track} of {members} members on track for their yearly training hours "
        "{value} (at least {threshold})",
        on_track=f.detail.get("on_track", 0),
        members=f.detail.get("members", 0),
        value=_pct(t, f.value),
        threshold=_pct(t, f.threshold),
    )


def finding_text(t: Translator, f: Finding) -> str:
    """One indicator in words, with its value and threshold."""
    th = f.threshold
    if f.code == "no_secretary":
        return t._("Committee incomplete: the branch has no secretary")
    if f.code == "secretary_training":
        return secretary_training_text(t, f)
    if f.code == "training":
        return training_text(t, f)
    if f.code == "committee_small":
        return t._(
            "Committee incomplete: {members} members, {value} on the committee "
            "(at least {threshold} from {size} members)",
            members=f.detail.get("members", 0),
            value=f.value,
            threshold=th,
            size=f.detail.get("size", 0),
        )
    if f.code == "missed":
        if not f.flagged:
            return t._("Rules kept: no required meeting missed in the last closed periods")
        return t._("Rules not kept: not held {kinds}", kinds=_missed(t, f.detail.get("kinds", {})))
    if f.code == "idle":
        return _activity_text(t, f)
    if f.code in ("attendance", "study", "pledges", "satisfaction"):
        names = {
            "attendance": t.label("attendance last quarter"),
            "study": t.label("第一议题 study completion last quarter"),
            "pledges": t.label("pledge coverage this year"),
            "satisfaction": t.label("requests satisfaction"),
        }
        return t._(
            "Role: {what} {value} (at least {threshold})",
            what=names[f.code],
            value=_pct(t, f.value),
            threshold=_pct(t, th),
        )
    if f.code == "secretary_idle":
        if f.value is None:
            return t._("Secretary's use of the bot: no secretary")
        return t._(
            "Secretary's use of the bot: last {value} days ago (at most {threshold})",
            value=f.value,
            threshold=th,
        )
    if f.code in ("term_unknown", "term_overdue"):
        return _term_text(t, f)
    return t.n_("{n} member blocked the bot", "{n} members blocked the bot", int(f.value or 0))


def _activity_text(t: Translator, f: Finding) -> str:
    if f.value is None:
        return t._(
            "Activity: not measured yet (the branch is younger than {threshold} days)",
            threshold=f.threshold,
        )
    return t._(
        "Activity: {value} days since the last meeting held (at most {threshold})",
        value=f.value,
        threshold=f.threshold,
    )


def _term_text(t: Translator, f: Finding) -> str:
    if f.code == "term_unknown":
        return t._("Election (换届): the term is not recorded")
    if not f.flagged:
        return t._("Election (换届): the term ends on {end}", end=_day(t, f))
    return t._(
        "Election (换届): the term ended on {end}, {value} days overdue",
        end=_day(t, f),
        value=f.value,
    )


def reasons_line(t: Translator, b: BranchHealth) -> str:
    if not b.reasons:
        return t._("no reason for concern")
    return "；".join(finding_text(t, f) for f in b.reasons)


def warnings_page(t: Translator, healths: list[BranchHealth], number: int) -> tuple[str, Keyboard]:
    """/warnings: the counts per level, then a page of branches with their reasons."""
    counts = {level: 0 for level in HealthLevel}
    for b in healths:
        counts[b.level] += 1
    red, yellow, green = (
        f"{level_label(t, lv)} {counts[lv]}"
        for lv in (HealthLevel.red, HealthLevel.yellow, HealthLevel.green)
    )
    head = t._(
        "<b>Branch health</b>: {red} · {yellow} · {green}", red=red, yellow=yellow, green=green
    )
    page = page_of(healths, number, PAGE_SIZE)
    lines = [head]
    lines += [
        t._(
            "{icon} <b>{name}</b>: {reasons}",
            icon=LEVELS[b.level][0],
            name=b.name,
            reasons=reasons_line(t, b),
        )
        for b in page.items
    ]
    if page.caption(t):
        lines.append(page.caption(t))
    lines.append(t._("Press a branch for every indicator with its threshold."))
    keyboard = paged_keyboard(
        page,
        lambda b: BranchDetails(branch_id=b.branch_id, page=page.number).button(
            f"{LEVELS[b.level][0]} {b.name}"
        ),
        lambda n: WarningsPage(page=n),
        columns=2,
    )
    return "\n".join(lines), keyboard


def details_text(t: Translator, b: BranchHealth) -> str:
    lines = [t._("<b>{name}</b> · {level}", name=b.name, level=level_label(t, b.level))]
    for f in b.findings:
        lines.append(f"{'⚠️' if f.flagged else '✅'} {finding_text(t, f)}")
    lines.append(
        t._(
            "Rule: one indicator → Watch; two or more, a missed 党员大会 or an overdue 换届 → Warning."
        )
    )
    return "\n".join(lines)


def details_keyboard(t: Translator, page: int) -> Keyboard:
    return [[WarningsPage(page=page).button(t.label("Back"))]]


def health_text(t: Translator, b: BranchHealth) -> str:
    """/health: the own branch's level, and what to do about each reason."""
    lines = [t._("<b>{name}</b> · {level}", name=b.name, level=level_label(t, b.level))]
    if not b.reasons:
        lines.append(t._("Every indicator is in order. Keep it up!"))
    for f in b.reasons:
        lines.append(f"⚠️ {finding_text(t, f)}")
        lines.append("   👉 " + t._(ADVICE[f.code]))
    lines.append("")
    lines.append(t._("Every indicator:"))
    lines += [
        f"{'⚠️' if f.flagged else '✅'} {finding_text(t, f)}" for f in b.findings if not f.flagged
    ]
    return "\n".join(lines)


def todos(t: Translator, item: dg.Todos) -> OutgoingMessage:
    b = item.health
    lines = [
        t._(
            "<b>This week's to-dos</b> · {name} · {level}",
            name=b.name,
            level=level_label(t, b.level),
        )
    ]
    for f in b.reasons:
        lines.append(f"• {finding_text(t, f)}")
        lines.append("   👉 " + t._(ADVICE[f.code]))
    if item.behind:
        names = "、".join(item.behind[:TODO_NAMES])
        if len(item.behind) > TODO_NAMES:
            names += t._("… and {n} more", n=len(item.behind) - TODO_NAMES)
        lines.append(
            t.n_(
                "• {n} member behind on training hours: {names}",
                "• {n} members behind on training hours: {names}",
                len(item.behind),
                names=names,
            )
        )
        lines.append("   👉 " + t._("Remind them; /hours shows each member's hours."))
    lines.append(t._("Details: /health"))
    return OutgoingMessage("\n".join(lines))


def _names(t: Translator, branches: list[BranchHealth], limit: int = 20) -> str:
    names = "、".join(b.name for b in branches[:limit])
    if len(branches) > limit:
        names += t._("… and {n} more", n=len(branches) - limit)
    return names or t.label("none")


def digest(t: Translator, d: dg.Digest) -> OutgoingMessage:
    lines = [
        t._("<b>Weekly branch health</b> · {week}", week=d.week),
        " · ".join(
            f"{level_label(t, lv)} {d.counts[lv]}"
            for lv in (HealthLevel.red, HealthLevel.yellow, HealthLevel.green)
        ),
        t._("Newly Warning: {names}", names=_names(t, d.newly_red)),
        t._("No longer Warning: {names}", names=_names(t, d.recovered)),
        t._("Every branch: /warnings"),
    ]
    return OutgoingMessage("\n".join(lines))


def escalation(t: Translator, e: dg.Escalation) -> OutgoingMessage:
    text = t._(
        "🔴 <b>{name}</b> is at Warning for the second evaluation in a row ({first} and {second}): {reasons}",
        name=e.branch.name,
        first=e.previous_week,
        second=e.week,
        reasons=reasons_line(t, e.branch),
    )
    return OutgoingMessage(
        text, [[BranchDetails(branch_id=e.branch.branch_id, page=0).button(t.label("Details"))]]
    )


def composers(
    t_for: Callable[[Member], Translator],
) -> tuple[dg.ComposeDigest, dg.ComposeTodos, dg.ComposeEscalation]:
    """The weekly job's three `compose` functions, each reader in their language."""
    return (
        lambda m, d: digest(t_for(m), d),
        lambda m, b: todos(t_for(m), b),
        lambda m, e: escalation(t_for(m), e),
    )
