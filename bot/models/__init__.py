"""SQLModel tables, one module per capability; importing this package registers them all."""

from bot.models.base import UtcDateTime
from bot.models.delivery import BatchState, Delivery, DeliveryBatch, DeliveryStatus, MediaFile
from bot.models.notices import Notice, NoticeReceipt, NoticeStatus, NoticeTarget
from bot.models.meetings import (
    Attendance,
    CheckinBy,
    CheckinMethod,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PartyGroup,
    Rsvp,
)
from bot.models.once import ReminderLog
from bot.models.org import (
    AuditLog,
    Branch,
    BranchKind,
    FormState,
    Invite,
    Member,
    MemberStatus,
    Role,
)
from bot.models.pledges import (
    Pledge,
    PledgeEvent,
    PledgeNote,
    PledgeRating,
    PledgeStatus,
    PledgeVersion,
)

__all__ = [
    "Attendance",
    "CheckinBy",
    "CheckinMethod",
    "LeaveStatus",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "PartyGroup",
    "Rsvp",
    "AuditLog",
    "BatchState",
    "Branch",
    "BranchKind",
    "Delivery",
    "DeliveryBatch",
    "DeliveryStatus",
    "FormState",
    "Invite",
    "MediaFile",
    "Member",
    "MemberStatus",
    "Notice",
    "NoticeReceipt",
    "NoticeStatus",
    "NoticeTarget",
    "Pledge",
    "PledgeEvent",
    "PledgeNote",
    "PledgeRating",
    "PledgeStatus",
    "PledgeVersion",
    "ReminderLog",
    "Role",
    "UtcDateTime",
]
