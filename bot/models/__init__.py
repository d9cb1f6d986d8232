"""SQLModel tables, one module per capability; importing this package registers them all."""

from bot.models.base import UtcDateTime
from bot.models.delivery import BatchState, Delivery, DeliveryBatch, DeliveryStatus, MediaFile
from bot.models.hardening import HandledUpdate, InviteAttempt
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
from bot.models.notices import Notice, NoticeReceipt, NoticeStatus, NoticeTarget
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
from bot.models.requests import (
    Request,
    RequestEvent,
    RequestKind,
    RequestRating,
    RequestState,
)
from bot.models.study import (
    BranchStudySettings,
    StudyFeed,
    StudyItem,
    StudyRecord,
    StudyStatus,
    StudyTarget,
)

__all__ = [
    "Attendance",
    "AuditLog",
    "BatchState",
    "Branch",
    "BranchKind",
    "BranchStudySettings",
    "CheckinBy",
    "CheckinMethod",
    "Delivery",
    "DeliveryBatch",
    "DeliveryStatus",
    "FormState",
    "HandledUpdate",
    "Invite",
    "InviteAttempt",
    "LeaveStatus",
    "MediaFile",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "Member",
    "MemberStatus",
    "Notice",
    "NoticeReceipt",
    "NoticeStatus",
    "NoticeTarget",
    "PartyGroup",
    "Pledge",
    "PledgeEvent",
    "PledgeNote",
    "PledgeRating",
    "PledgeStatus",
    "PledgeVersion",
    "ReminderLog",
    "Request",
    "RequestEvent",
    "RequestKind",
    "RequestRating",
    "RequestState",
    "Role",
    "Rsvp",
    "StudyFeed",
    "StudyItem",
    "StudyRecord",
    "StudyStatus",
    "StudyTarget",
    "UtcDateTime",
]
