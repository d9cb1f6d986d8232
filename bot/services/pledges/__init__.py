"""亮身份·亮职责·亮承诺: the yearly pledge cycle 承诺 → 审诺 → 公示 → 践诺 → 评诺.

Members write and submit their pledge (writing); secretaries review it, 通过 / 退回
(reviewing), remind those who have not submitted (tally), publish the approved pledges
to the branch (publication) and rate them at year end (rating); members add progress
notes (progress); admins see coverage and ratings per branch (tally). Every submitted
version, review, note and rating is kept with who and when (records). Messages to other
people go through the outbox with the caller's `compose` (fanout).
"""

from bot.services.pledges.fanout import Compose, ComposeParts
from bot.services.pledges.progress import add_note
from bot.services.pledges.publication import (
    Publication,
    Published,
    approved_for_publishing,
    publish,
)
from bot.services.pledges.rating import check_rateable, next_rating, rate, rateable
from bot.services.pledges.records import (
    CARRIED_OVER,
    Card,
    Next,
    PledgeText,
    branch_name,
    card_of,
    current,
    member_of,
    notes,
    pledge_of,
)
from bot.services.pledges.reviewing import (
    AUDIT_ACTIONS,
    Reviewed,
    check_reviewable,
    next_review,
    pending,
    review,
)
from bot.services.pledges.rules import (
    COMMENT_MAX,
    COMMITMENT_MAX,
    COMMITMENTS_MAX,
    DUTIES_MAX,
    NOTE_MAX,
    POST_MAX,
    parse_commitments,
    parse_commitments_list,
    pledge_year,
    strip_marker,
    validate_comment,
    validate_commitments,
    validate_duties,
    validate_note,
    validate_post,
)
from bot.services.pledges.tally import Coverage, Reminded, coverage, overview, remind_missing
from bot.services.pledges.writing import (
    PLEDGERS,
    Submitted,
    draft,
    start_form,
    submit,
)

__all__ = [
    "AUDIT_ACTIONS",
    "CARRIED_OVER",
    "COMMENT_MAX",
    "COMMITMENTS_MAX",
    "COMMITMENT_MAX",
    "DUTIES_MAX",
    "NOTE_MAX",
    "PLEDGERS",
    "POST_MAX",
    "Card",
    "Compose",
    "ComposeParts",
    "Coverage",
    "Next",
    "PledgeText",
    "Publication",
    "Published",
    "Reminded",
    "Reviewed",
    "Submitted",
    "add_note",
    "approved_for_publishing",
    "branch_name",
    "card_of",
    "check_rateable",
    "check_reviewable",
    "coverage",
    "current",
    "draft",
    "member_of",
    "next_rating",
    "next_review",
    "notes",
    "overview",
    "parse_commitments",
    "parse_commitments_list",
    "pending",
    "pledge_of",
    "pledge_year",
    "publish",
    "rate",
    "rateable",
    "remind_missing",
    "review",
    "start_form",
    "strip_marker",
    "submit",
    "validate_comment",
    "validate_commitments",
    "validate_duties",
    "validate_note",
    "validate_post",
]
