"""The health indicators' rules as pure functions: measured values in, findings out.

Kept apart from the queries (health.py) so each rule is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from bot.models import HealthLevel, MeetingKind
from bot.services.training.secretaries import RULE_MONTHS

# The indicator groups of the work plan (监测预警) and the further signals the issue adds.
COMMITTEE = "committee"  # 班子不健全
RULES = "rules"  # 制度不落实
IDLE = "idle"  # 活动不经常
ROLE = "role"  # 作用不发挥
SECRETARY = "secretary"  # the secretary has not used the bot
TERM = "term"  # 换届 overdue or unknown
BLOCKED = "blocked"  # members who blocked the bot
GROUPS = (COMMITTEE, RULES, IDLE, ROLE, SECRETARY, TERM, BLOCKED)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The thresholds: the `health_*` settings (documented in .env.example), by `from_settings`."""

    committee_min: int
    committee_branch_size: int
    idle_days: int
    attendance_min: float
    study_min: float
    pledge_min: float
    pledge_after: str
    secretary_idle_days: int
    satisfaction_min: float
    satisfaction_min_rated: int
    training_min: float
    training_after: str

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        """Each threshold is the setting of its name with `health_` before it."""
        return cls(**{f.name: getattr(settings, f"health_{f.name}") for f in fields(cls)})

    def pledges_due(self, today: date) -> bool:
        return _after(self.pledge_after, today)

    def training_due(self, today: date) -> bool:
        """学时 are judged from this day on: before it the year's courses have hardly begun."""
        return _after(self.training_after, today)


def _after(month_day: str, today: date) -> bool:
    month, day = (int(x) for x in month_day.split("-"))
    return today > date(today.year, month, day)


@dataclass(frozen=True, slots=True)
class SecretaryRule:
    """The branch's secretary appointed since 2025 against the 6-month training rule."""

    name: str
    appointed_on: date
    due_on: date
    trained: bool

    def overdue(self, today: date) -> bool:
        return not self.trained and today > self.due_on


@dataclass(frozen=True, slots=True)
class Finding:
    """One measured indicator: its group, what was measured, the value and threshold.

    `value` and `threshold` are numbers (shares 0–1 or counts of days/people) or None
    when there was nothing to measure; `detail` holds what a reader needs (kinds missed,
    the term's end).
    """

    group: str
    code: str
    flagged: bool
    value: float | int | None = None
    threshold: float | int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "code": self.code,
            "value": self.value,
            "threshold": self.threshold,
            "detail": self.detail,
        }

    @classmethod
    def from_data(cls, raw: dict[str, Any]) -> Finding:
        return cls(
            raw["group"],
            raw["code"],
            True,
            raw.get("value"),
            raw.get("threshold"),
            dict(raw.get("detail") or {}),
        )


@dataclass(frozen=True, slots=True)
class BranchFacts:
    """What was measured for one branch (None: nothing to measure)."""

    members: int
    committee: int
    secretaries: int
    missed: dict[str, str]  # kind → period label of the last closed period missed
    days_since_held: int | None  # None: young branch, or no meeting in the window
    attendance: float | None
    study: float | None
    pledges: float | None
    satisfaction: float | None
    secretary_idle_days: int | None
    term_ends_on: date | None
    term_known: bool
    blocked: int
    # 教育培训 (issue 13): members on track for their yearly 学时 and the secretary rule.
    members_on_track: int = 0
    training: float | None = None  # share of members on track; None: nothing to measure
    secretary_rule: SecretaryRule | None = None  # None: no secretary appointed since 2025


def committee_finding(f: BranchFacts, th: Thresholds) -> Finding:
    if f.secretaries == 0:
        return Finding(COMMITTEE, "no_secretary", True, 0, 1)
    needs = f.members >= th.committee_branch_size
    return Finding(
        COMMITTEE,
        "committee_small",
        needs and f.committee < th.committee_min,
        f.committee,
        th.committee_min,
        {"members": f.members, "size": th.committee_branch_size},
    )


def secretary_training_finding(f: BranchFacts, today: date) -> Finding:
    """班子不健全 also when the secretary appointed since 2025 has no secretary training
    record within RULE_MONTHS of the appointment; value: days past the due date."""
    rule = f.secretary_rule
    if rule is None:
        return Finding(COMMITTEE, "secretary_training", False, None, RULE_MONTHS)
    late = rule.overdue(today)
    return Finding(
        COMMITTEE,
        "secretary_training",
        late,
        (today - rule.due_on).days if late else None,
        RULE_MONTHS,
        {
            "name": rule.name,
            "appointed_on": rule.appointed_on.isoformat(),
            "due_on": rule.due_on.isoformat(),
            "trained": rule.trained,
        },
    )


def training_finding(f: BranchFacts, th: Thresholds) -> Finding:
    """作用不发挥 when fewer than `training_min` of the members are on track for their
    yearly 学时 target (at or above the share due by today)."""
    return Finding(
        ROLE,
        "training",
        f.training is not None and f.training < th.training_min,
        f.training,
        th.training_min,
        {"on_track": f.members_on_track, "members": f.members},
    )


def findings(f: BranchFacts, th: Thresholds, today: date) -> list[Finding]:
    """Every indicator of a branch, flagged or not (the details view shows them all)."""
    out = [committee_finding(f, th), secretary_training_finding(f, today)]
    out.append(Finding(RULES, "missed", bool(f.missed), len(f.missed), 0, {"kinds": f.missed}))
    out.append(
        Finding(
            IDLE,
            "idle",
            f.days_since_held is not None and f.days_since_held >= th.idle_days,
            f.days_since_held,
            th.idle_days,
        )
    )
    low = [
        ("attendance", f.attendance, th.attendance_min),
        ("study", f.study, th.study_min),
    ]
    if th.pledges_due(today):
        low.append(("pledges", f.pledges, th.pledge_min))
    # 诉求 满意率 (issue 14), measured only where enough requests were rated.
    if f.satisfaction is not None:
        low.append(("satisfaction", f.satisfaction, th.satisfaction_min))
    for code, value, minimum in low:
        out.append(Finding(ROLE, code, value is not None and value < minimum, value, minimum))
    if th.training_due(today):
        out.append(training_finding(f, th))
    out.append(
        Finding(
            SECRETARY,
            "secretary_idle",
            f.secretary_idle_days is not None and f.secretary_idle_days >= th.secretary_idle_days,
            f.secretary_idle_days,
            th.secretary_idle_days,
        )
    )
    if not f.term_known:
        out.append(Finding(TERM, "term_unknown", True))
    else:
        assert f.term_ends_on is not None
        overdue = f.term_ends_on < today
        days = (today - f.term_ends_on).days
        out.append(
            Finding(TERM, "term_overdue", overdue, days, 0, {"ends_on": f.term_ends_on.isoformat()})
        )
    out.append(Finding(BLOCKED, "blocked", f.blocked > 0, f.blocked, 0))
    return out


def level_of(flagged: list[Finding]) -> HealthLevel:
    """One indicator → 关注; two or more, a missed 党员大会 or an overdue 换届 → 预警."""
    groups = {x.group for x in flagged}
    severe = any(
        (x.code == "missed" and MeetingKind.assembly.value in x.detail.get("kinds", {}))
        or x.code == "term_overdue"
        for x in flagged
    )
    if severe or len(groups) >= 2:
        return HealthLevel.red
    if groups:
        return HealthLevel.yellow
    return HealthLevel.green
