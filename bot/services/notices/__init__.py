"""Notices (通知): drafts with a target, 确认发送 through the outbox, 收到 and reminders.

A notice is a draft until its author presses 确认发送; only then are the recipients
fixed (one NoticeReceipt each) and one Delivery row per recipient written, in the same
transaction. A scheduled notice is fixed and enqueued by the job when its time comes.
The services return data; what people read is written by handlers/notices/views.py
and passed in as `compose` where a service fans out.

    drafts.py     writing the draft: target, 收到 required, send time; recipients
    sending.py    确认发送, the scheduled send, 暂停 / 继续 / 取消
    progress.py   the author's live view: counts, time left, done
    receipts.py   收到, the receipts report, reminders, the list of notices
"""

from __future__ import annotations

from bot.services.notices.drafts import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Essentials,
    Picker,
    Preview,
    admin_draft,
    branch_names,
    check_text,
    create_draft,
    discard,
    draft_of,
    essentials,
    own_notice,
    picker,
    preview,
    recipient_count,
    recipients,
    set_preview,
    set_requires_ack,
    set_send_at,
    set_target,
    toggle_branch,
)
from bot.services.notices.progress import (
    Progress,
    ProgressEdit,
    claim_progress_edit,
    edit_failed,
    progress,
    progress_due,
    refresh,
    settle,
    snapshot,
    view_gone,
)
from bot.services.notices.receipts import (
    Ack,
    BranchTally,
    ReceiptRow,
    Report,
    acknowledge,
    latest,
    listing,
    remind,
    report,
)
from bot.services.notices.sending import (
    KIND,
    REMIND_KIND,
    Compose,
    Control,
    confirm,
    control,
    send_due,
)

__all__ = [
    "CAPTION_LIMIT",
    "KIND",
    "REMIND_KIND",
    "TEXT_LIMIT",
    "Ack",
    "BranchTally",
    "Compose",
    "Control",
    "Essentials",
    "Picker",
    "Preview",
    "Progress",
    "ProgressEdit",
    "ReceiptRow",
    "Report",
    "acknowledge",
    "admin_draft",
    "branch_names",
    "check_text",
    "claim_progress_edit",
    "confirm",
    "control",
    "create_draft",
    "discard",
    "draft_of",
    "edit_failed",
    "essentials",
    "latest",
    "listing",
    "own_notice",
    "picker",
    "preview",
    "progress",
    "progress_due",
    "recipient_count",
    "recipients",
    "refresh",
    "remind",
    "report",
    "send_due",
    "set_preview",
    "set_requires_ack",
    "set_send_at",
    "set_target",
    "settle",
    "snapshot",
    "toggle_branch",
    "view_gone",
]
