"""What the bot says about and in the branch's group. Group messages are worded in the
bot's default language and carry nothing personal (no leave reasons, no reflections)."""

from __future__ import annotations

from bot.context import BotContext
from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Translator
from bot.models import BranchGroup, CheckinBy, Meeting, PartyGroup
from bot.services.groups import MeetingCounts
from handlers.groups.buttons import GroupVote, LinkPress
from handlers.meetings import views as meeting_views
from handlers.shape import Refusals

REFUSALS = Refusals(
    {
        "group_already_linked": N_("This group is already linked to your branch."),
        "group_unknown": N_("This link request is no longer valid. Send /linkgroup again."),
        "group_not_linked": N_("This group is not linked to a branch."),
        "not_allowed": N_(
            "Only the branch secretary (or an admin, for the committee's group) can do this."
        ),
        "no_branch": N_("You are not in a branch."),
    }
)


def group_translator(context: BotContext) -> Translator:
    """A group has many readers: it gets the bot's default language."""
    return context.catalogs.translator(context.settings.default_locale, context.settings.tz)


def scope(t: Translator, branch: str | None) -> str:
    return branch if branch is not None else t.label("the committee")


def confirm_request(t: Translator, group: BranchGroup, branch: str | None) -> OutgoingMessage:
    """The private question to the secretary who sent /linkgroup."""
    assert group.id is not None
    text = t._(
        "Link the group “{title}” to {scope}? Meeting notices, study items and published "
        "pledges will then also be posted there.",
        title=group.title,
        scope=scope(t, branch),
    )
    buttons: Keyboard = [
        [
            LinkPress(group_id=group.id, choice="ok").button(t.label("Link the group")),
            LinkPress(group_id=group.id, choice="no").button(t.label("Cancel")),
        ]
    ]
    return OutgoingMessage(text=text, buttons=buttons)


def asked_in_private(t: Translator) -> str:
    return t._("I have asked you in our private chat to confirm linking this group.")


def linked(t: Translator, group: BranchGroup, branch: str | None, replaced: str | None) -> str:
    text = t._(
        "✅ The group “{title}” is linked to {scope}.", title=group.title, scope=scope(t, branch)
    )
    if replaced is not None:
        text += "\n" + t._("It replaces the group “{title}”.", title=replaced)
    return text


def linked_in_group(t: Translator, branch: str | None) -> str:
    return t._(
        "This group is now linked to {scope}. Meeting notices, study items and published "
        "pledges will also appear here.",
        scope=scope(t, branch),
    )


def not_linked_cancelled(t: Translator) -> str:
    return t._("Cancelled; the group was not linked.")


def unlinked(t: Translator) -> str:
    return t._("This group is no longer linked; nothing more will be posted here.")


def only_in_group(t: Translator) -> str:
    return t._("Send /linkgroup or /unlinkgroup in the group itself, after adding me to it.")


def not_joined(t: Translator, bot_username: str) -> str:
    return t.label(
        "You have not joined a branch yet. Ask your branch secretary for an invite link, "
        "then open it to chat with @{bot}.",
        bot=bot_username,
    )


def counts_line(t: Translator, meeting: Meeting, c: MeetingCounts) -> str:
    line = t._("Attending {n}/{total}", n=c.attending, total=c.invited)
    if meeting.checkin_by == CheckinBy.button:
        line = t._("Checked in {n}/{total}", n=c.checked_in, total=c.invited) + " · " + line
    return line


def meeting_post(
    t: Translator,
    meeting: Meeting,
    group: PartyGroup | None,
    counts: MeetingCounts,
    *,
    branch: str,
    bot_username: str,
) -> OutgoingMessage:
    """A meeting notice for the whole group, with 出席 / 签到 here and 请假 in private."""
    assert meeting.id is not None
    text = "\n".join(
        [
            t._("📣 <b>Meeting notice</b> · {branch}", branch=branch),
            "",
            meeting_views.meeting_summary(t, meeting, group),
            "",
            counts_line(t, meeting, counts),
            t._("Press below to answer; leave requests are made in private with me."),
        ]
    )
    leave = f"https://t.me/{bot_username}?start=leave-{meeting.id}"
    row = [
        GroupVote(meeting_id=meeting.id, choice="yes").button(t.label("Attend")),
        Button(t.label("Request leave"), url=leave),
    ]
    rows: Keyboard = [row]
    if meeting.checkin_by == CheckinBy.button:
        rows.append([GroupVote(meeting_id=meeting.id, choice="in").button(t.label("Check in"))])
    return OutgoingMessage(text=text, buttons=rows)
