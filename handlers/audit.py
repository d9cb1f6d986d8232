"""The audit log for admins: who did which privileged thing when."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from bot.services import audit
from handlers.shape import ADMINS, Turn, add_command, handler

# Known actions in words; an action without an entry is shown by its code.
ACTIONS = {
    "admin.bootstrap": N_("admin registered"),
    "branch.created": N_("branch created"),
    "invite.created": N_("invite link made"),
    "invite.revoked": N_("invite links withdrawn"),
    "role.changed": N_("role changed"),
    "committee.set": N_("branch committee changed"),
    "group.created": N_("party group created"),
    "group.assigned": N_("party group assignment"),
    "meeting.scheduled": N_("meeting scheduled"),
    "meeting.rescheduled": N_("meeting rescheduled"),
    "meeting.cancelled": N_("meeting cancelled"),
    "meeting.minutes": N_("minutes recorded"),
    "attendance.marked": N_("attendance marked by hand"),
    "leave.approved": N_("leave decided"),
    "study.published": N_("study item published"),
    "study.settings": N_("study settings changed"),
    "feed.added": N_("feed added"),
    "feed.removed": N_("feed removed"),
    "notice.sent": N_("notice sent"),
    "notice.scheduled": N_("notice scheduled"),
    "notice.reminded": N_("notice re-reminded"),
    "pledge.published": N_("pledges published"),
    "pledge.rated": N_("pledge rated"),
    "report.exported": N_("records exported"),
}


@handler(roles=ADMINS)
async def audit_log(turn: Turn[None]) -> None:
    """Admin: the newest privileged actions."""
    entries = await audit.recent(turn.s, actor=turn.member)
    t = turn.t
    if not entries:
        await turn.reply(t._("The audit log is empty."))
        return
    lines = [t._("<b>Audit log</b> (newest first)")]
    for entry, name, subject in entries:
        what = ACTIONS.get(entry.action)
        lines.append(
            t._(
                "{when} · {who} · {what} {subject}",
                when=t.datetime(entry.at, "short"),
                who=name or t.label("system"),
                what=t.label(what) if what else entry.action,
                subject=subject,
            )
        )
    await turn.reply("\n".join(lines))


def register(app: BotApplication) -> None:
    add_command(app, "audit", N_("the audit log of privileged actions"), audit_log)
