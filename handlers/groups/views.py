"""What the bot says about and in the branch's group. Group messages are worded in the
bot's default language and carry nothing personal (no leave reasons, no reflections)."""

from __future__ import annotations

from bot.config import Settings
from bot.context import BotContext
from bot.delivery.message import Button, Keyboard, OutgoingMessage
from bot.i18n import N_, Catalogs, Translator
from bot.models import BranchGroup, CheckinBy, Meeting, MeetingStatus, PartyGroup, StudyItem
from bot.services import study
from bot.services.groups import MeetingCounts
from handlers.groups.buttons import GroupStudy, GroupVote, LinkPress
from handlers.meetings import views as meeting_views
from handlers.shape import Refusals
from handlers.study import views as study_views

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
    return default_translator(context.catalogs, context.settings)


def default_translator(catalogs: Catalogs, settings: Settings) -> Translator:
    return catalogs.translator(settings.default_locale, settings.tz)


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
    moved: bool = False,
) -> OutgoingMessage:
    """A meeting notice for the whole group, with 出席 / 签到 here and 请假 in private.

    A moved meeting says so (its summary shows the new time); a cancelled one says it
    is called off and loses its buttons.
    """
    assert meeting.id is not None
    summary = meeting_views.meeting_summary(t, meeting, group)
    if meeting.status == MeetingStatus.cancelled:
        text = "\n".join(
            [
                t._("❌ <b>Meeting cancelled</b> · {branch}", branch=branch),
                "",
                summary,
                "",
                t._("This meeting has been called off; nothing needs to be done."),
            ]
        )
        return OutgoingMessage(text=text)
    lines = [t._("📣 <b>Meeting notice</b> · {branch}", branch=branch), ""]
    if moved:
        lines += [t._("🔄 The time has changed; the new time is below."), ""]
    lines += [
        summary,
        "",
        counts_line(t, meeting, counts),
        t._("Press below to answer; leave requests are made in private with me."),
    ]
    text = "\n".join(lines)
    row = [
        GroupVote(meeting_id=meeting.id, choice="yes").button(t.label("Attend")),
        Button(t.label("Request leave"), url=deep_link(bot_username, "leave", meeting.id)),
    ]
    rows: Keyboard = [row]
    if meeting.checkin_by == CheckinBy.button:
        rows.append([GroupVote(meeting_id=meeting.id, choice="in").button(t.label("Check in"))])
    return OutgoingMessage(text=text, buttons=rows)


def deep_link(bot_username: str, name: str, ref: int) -> str:
    """t.me/<bot>?start=<name>-<id>: opens the private chat at `bot_data.deep_links[name]`."""
    return f"https://t.me/{bot_username}?start={name}-{ref}"


def studied_line(t: Translator, done: int, total: int) -> str:
    """The count a study post shows (how many, never who)."""
    return t._("Studied {n}/{total}", n=done, total=total)


def study_post(
    t: Translator, item: StudyItem, *, bot_username: str, counts: str | None = None
) -> OutgoingMessage:
    """A study item for the whole group: 已学习 here, 写心得 in private (never typed here).

    `counts` is the 已学习 line the counts job adds once the post is out.
    """
    assert item.id is not None
    text = study_views.item_text(t, item, heading=study_views.push_heading(t)) + "\n\n"
    if counts:
        text += counts + "\n"
    text += t._("Press Studied once you have studied it; reflections are written in private.")
    row = [
        GroupStudy(item_id=item.id).button(t.label("Studied")),
        Button(t.label("Write reflection"), url=deep_link(bot_username, "reflect", item.id)),
    ]
    return OutgoingMessage(text=text, buttons=[row])


def study_compose(catalogs: Catalogs, settings: Settings, bot_username: str) -> study.GroupCompose:
    """How the study service words an item for the groups (jobs pass their own parts)."""
    t = default_translator(catalogs, settings)
    return lambda item: study_post(t, item, bot_username=bot_username)
