"""The audit log for admins: who did which privileged thing when."""

from __future__ import annotations

from bot.context import BotApplication
from bot.i18n import N_
from bot.services import audit
from handlers.shape import ADMINS, Turn, add_command, handler

# Every action the code writes, in words (tests/unit/test_audit_labels.py finds them all).
ACTIONS = {
    "member.left": N_("left the branch"),
    "member.removed": N_("member removed"),
    "person.exported": N_("person's data exported"),
    "person.erased": N_("person's data erased"),
    "admin.bootstrap": N_("admin registered"),
    "branch.created": N_("branch created"),
    "invite.created": N_("invite link made"),
    "invite.revoked": N_("invite links withdrawn"),
    "role.changed": N_("role changed"),
    "committee.set": N_("made a branch committee member"),
    "committee.unset": N_("removed from the branch committee"),
    "group.created": N_("party group created"),
    "group.assigned": N_("party group assignment"),
    "meeting.scheduled": N_("meeting scheduled"),
    "meeting.notice": N_("meeting notice sent"),
    "meeting.reminder": N_("meeting reminder sent"),
    "meeting.rescheduled": N_("meeting rescheduled"),
    "meeting.cancelled": N_("meeting cancelled"),
    "meeting.minutes": N_("minutes recorded"),
    "attendance.marked": N_("attendance marked by hand"),
    "leave.approved": N_("leave approved"),
    "leave.rejected": N_("leave not approved"),
    "study.published": N_("study item published"),
    "study.settings": N_("study settings changed"),
    "feed.added": N_("feed added"),
    "feed.removed": N_("feed removed"),
    "notice.sent": N_("notice sent"),
    "notice.scheduled": N_("notice scheduled"),
    "notice.reminded": N_("notice re-reminded"),
    "notice.pause": N_("notice paused"),
    "notice.resume": N_("notice resumed"),
    "notice.cancel": N_("notice cancelled"),
    "pledge.approved": N_("pledge approved"),
    "pledge.returned": N_("pledge returned"),
    "pledge.published": N_("pledges published"),
    "pledge.rated": N_("pledge rated"),
    "training.target": N_("yearly training target changed"),
    "training.course": N_("training session named as a course"),
    "training.approved": N_("external training record approved"),
    "training.returned": N_("external training record returned"),
    # Written by the oversight capability (组织生活 rules, 豁免, 述职评议, 换届).
    "oversight.rule": N_("compliance rule changed"),
    "oversight.exempt": N_("exemption granted"),
    "oversight.review_opened": N_("annual review opened"),
    "oversight.review_rated": N_("annual report rated"),
    "oversight.term": N_("branch term set"),
    "report.exported": N_("records exported"),
    # The branch's own Telegram group (handlers/groups).
    "branch_group.linked": N_("Telegram group linked"),
    "branch_group.unlinked": N_("Telegram group unlinked"),
    "branch_group.removed": N_("bot removed from the Telegram group; group unlinked"),
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
