"""第一议题 study: publishing items, timed pushes, 已学习 and 心得, nudges, completion.

A package with a module per flow; everything callers use is re-exported here, so
`from bot.services import study` then `study.publish(...)` reads as before. Rendering
is the caller's: fan-outs take a `compose` from handlers/study/views.py.
"""

from __future__ import annotations

from bot.services.study.completion import (
    BranchCompletion,
    completion,
    rates,
    recent_items,
    status_of,
)
from bot.services.study.drafts import (
    DraftScope,
    branch_page_allowed,
    cancel_draft,
    choose_branch,
    discard_feed_draft,
    draft_scope,
    drafts_count,
    feed_draft,
    get_item,
    parse_study_hours,
    set_hours,
    set_summary,
    set_url,
    split_title_url,
    start_draft,
    validate_title,
    validate_url,
)
from bot.services.study.publish import GroupCompose, ItemCompose, Published, publish, push_due
from bot.services.study.records import (
    MyItem,
    check_scope,
    mark_done,
    my_items,
    undo,
    validate_reflection,
    write_reflection,
)
from bot.services.study.reminders import (
    DigestCompose,
    ReportCompose,
    send_digests,
    send_due_reports,
    send_nudges,
)
from bot.services.study.rules import (
    HOURS_MAX_TENTHS,
    REFLECTION_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    URL_MAX,
    WEEKDAYS,
    StudyRules,
)
from bot.services.study.settings import branch_settings, update_branch_settings

__all__ = [
    "HOURS_MAX_TENTHS",
    "REFLECTION_MAX",
    "SUMMARY_MAX",
    "TITLE_MAX",
    "URL_MAX",
    "WEEKDAYS",
    "BranchCompletion",
    "DigestCompose",
    "DraftScope",
    "GroupCompose",
    "ItemCompose",
    "MyItem",
    "Published",
    "ReportCompose",
    "StudyRules",
    "branch_page_allowed",
    "branch_settings",
    "cancel_draft",
    "check_scope",
    "choose_branch",
    "completion",
    "discard_feed_draft",
    "draft_scope",
    "drafts_count",
    "feed_draft",
    "get_item",
    "mark_done",
    "my_items",
    "parse_study_hours",
    "publish",
    "push_due",
    "rates",
    "recent_items",
    "send_digests",
    "send_due_reports",
    "send_nudges",
    "set_hours",
    "set_summary",
    "set_url",
    "split_title_url",
    "start_draft",
    "status_of",
    "undo",
    "update_branch_settings",
    "validate_reflection",
    "validate_title",
    "validate_url",
    "write_reflection",
]
