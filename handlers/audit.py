"""The audit log for admins: who did which privileged thing when."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotApplication, BotContext, CommandSpec, add_commands, roles
from bot.i18n import N_
from bot.models import Role
from bot.services import audit
from handlers.common import load_actor, not_allowed, reply

COMMANDS = (CommandSpec("audit", N_("the audit log of privileged actions"), roles(Role.admin)),)

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
}


async def audit_log(update: Update, context: BotContext) -> None:
    """Admin: the newest privileged actions."""
    async with context.sessions() as s:
        actor = await load_actor(s, update, context)
        if not actor.is_admin:
            await not_allowed(update, context, actor)
            return
        entries = await audit.recent(s, actor=actor.member)
    t = actor.t
    if not entries:
        await reply(update, context, t._("The audit log is empty."))
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
    await reply(update, context, "\n".join(lines))


def register(app: BotApplication) -> None:
    add_commands(app, *COMMANDS)
    app.add_handler(CommandHandler("audit", audit_log, filters=filters.ChatType.PRIVATE))
