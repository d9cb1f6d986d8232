"""教育培训: 学时 from courses, study and outside training, targets, and the rules on them."""

from bot.services.training.arithmetic import (
    format_tenths,
    parse_hours,
    percent,
    tenths_of_minutes,
)
from bot.services.training.courses import Course, set_course
from bot.services.training.hooks import TrainingIndicator, study_hours_for, training_indicators
from bot.services.training.hours import Tally
from bot.services.training.nudges import (
    Behind,
    QuietHours,
    RuleWarning,
    remind_behind,
    warn_secretary_rule,
)
from bot.services.training.overview import (
    BranchHours,
    BranchLine,
    CommitteeHours,
    OwnHours,
    branch_hours,
    committee_hours,
    own_hours,
)
from bot.services.training.records import (
    Card,
    Draft,
    Event,
    News,
    Outcome,
    Records,
    certificate,
    check_decidable,
    decide,
    records,
    submit,
    validate_held_on,
    validate_organiser,
    validate_title,
)
from bot.services.training.secretaries import SecretaryStatus
from bot.services.training.targets import TargetRole, Targets, parse_role, set_target
from bot.services.training.targets import current as current_targets

__all__ = [
    "Behind",
    "BranchHours",
    "BranchLine",
    "Card",
    "CommitteeHours",
    "Course",
    "Draft",
    "Event",
    "News",
    "Outcome",
    "OwnHours",
    "QuietHours",
    "Records",
    "RuleWarning",
    "SecretaryStatus",
    "Tally",
    "TargetRole",
    "Targets",
    "TrainingIndicator",
    "branch_hours",
    "certificate",
    "check_decidable",
    "committee_hours",
    "current_targets",
    "decide",
    "format_tenths",
    "own_hours",
    "parse_hours",
    "parse_role",
    "percent",
    "records",
    "remind_behind",
    "set_course",
    "set_target",
    "study_hours_for",
    "submit",
    "tenths_of_minutes",
    "training_indicators",
    "validate_held_on",
    "validate_organiser",
    "validate_title",
    "warn_secretary_rule",
]
