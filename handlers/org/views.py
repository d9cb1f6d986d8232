"""The organisation's words and keyboards, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.message import Button, Keyboard, split_text
from bot.i18n import N_, Translator
from bot.models import Branch, Invite, Member, MemberStatus
from bot.services.org import BranchRow
from handlers.branch_picker import token
from handlers.home.buttons import RunCommand
from handlers.home.views import command_button
from handlers.menu import role_label
from handlers.org.buttons import Language, NameOk
from handlers.paging import Page, paged_keyboard
from handlers.shape import Refusals

BRANCH_PAGE = 20  # branches a page of /branches shows

REFUSALS = Refusals(
    {
        "branch_name_empty": N_("Please give the branch a name: /newbranch <name>"),
        "branch_name_too_long": N_("A branch name can have at most {limit} characters."),
        "branch_exists": N_("A branch named “{name}” already exists."),
        "invite_tries": N_(
            "Too many invalid invite links were tried. Please wait an hour, "
            "or ask your secretary for a new link."
        ),
        "invite_unknown": N_(
            "This invite link is not valid. Please check it, or ask your secretary for a new one."
        ),
        "invite_expired": N_(
            "This invite link has expired. Please ask your secretary for a new one."
        ),
        "invite_used_up": N_(
            "This invite link has already been used. Please ask your secretary for a new one."
        ),
        "invite_revoked": N_(
            "This invite link was withdrawn. Please ask your secretary for a new one."
        ),
        "already_member": N_(
            "You have already joined {branch}. Send /help to see what you can do."
        ),
        "admin_no_join": N_(
            "You are an admin of the committee: invite links are for people joining a branch. "
            "Send /help to see what you can do."
        ),
        "name_empty": N_("The name cannot be empty. Please type your real name."),
        "name_too_long": N_(
            "That is {length} characters; a name can have at most {limit}. "
            "Please type a shorter one."
        ),
        "name_multiline": N_("Please type your name on one line."),
    }
)

STATUS_NAMES = {
    MemberStatus.active: N_("active"),
    MemberStatus.left: N_("left"),
    MemberStatus.blocked: N_("blocked the bot"),
}


def greeting(t: Translator) -> str:
    """/start without an invite, for someone who has not joined."""
    return t._(
        "Hello! I am the party-building assistant of your branch.\n"
        "To join, open the invite link your branch secretary sent you."
    )


def welcome(t: Translator, *, branch: Branch | None, member: Member) -> tuple[str, Keyboard]:
    """Joined: ask for the real name, offering the Telegram one."""
    text = t._(
        "Welcome to {branch}! You joined as {role}.\n\n"
        "Please tell me your real name, as your branch knows you. "
        "Type it, or use your Telegram name:",
        branch=branch.name if branch else "",
        role=role_label(t, str(member.role)),
    )
    return text, [[NameOk().button(t.label("Use “{name}”", name=member.name))]]


def name_kept(t: Translator, name: str) -> str:
    return t._("Name: {name}", name=name)


def name_already_saved(t: Translator, name: str) -> str:
    return t.label("Already saved: {name}", name=name)


def all_set(t: Translator, name: str, help_text: str) -> str:
    return t._("Thank you, {name}. You are all set.", name=name) + "\n\n" + help_text


def me(
    t: Translator, *, member: Member, branch: Branch | None, role: str, sections: Sequence[str]
) -> str:
    """/me: who the person is, then what other capabilities add."""
    lines = [
        t._("<b>{name}</b>", name=member.name),
        t._("Branch: {branch}", branch=branch.name if branch else t.label("—")),
        t._("Role: {role}", role=role_label(t, role)),
        t._("Joined: {date}", date=t.date(member.joined_at)),
    ]
    for section in sections:
        lines += ["", section]
    return "\n".join(lines)


def branch_created(t: Translator, *, branch: Branch, invite: Invite, link: str) -> str:
    return t._(
        "Branch “{name}” created.\n\n"
        "Send this one-time link to its secretary (valid until {until}):\n{link}",
        name=branch.name,
        until=t.datetime(invite.expires_at, "short"),
        link=link,
    )


def _branch_line(t: Translator, row: BranchRow) -> str:
    secretaries = "、".join(row.secretaries) if row.secretaries else t.label("none yet")
    return t._(
        "• {name} — secretary: {secretaries}; {count} people",
        name=row.name,
        secretaries=secretaries,
        count=row.members,
    )


def branches(t: Translator, page: Page[BranchRow]) -> tuple[list[str], Keyboard]:
    """/branches: a page of branches (as messages of at most 4096 characters), a button
    each, and ◀ ▶."""
    if not page.total:
        return [t._("No branches yet. Create one with /newbranch <name>.")], []
    lines = [t._("<b>Branches</b> ({n})", n=page.total)]
    lines += [_branch_line(t, row) for row in page.items]
    caption = page.caption(t)
    if caption:
        lines += ["", caption]
    lines += ["", t._("Press a branch for its attendance, calendar and term.")]

    def item(row: BranchRow) -> Button:
        return command_button(row.name, "branches", token(row.id), back="branches")

    keyboard = paged_keyboard(
        page, item, lambda n: RunCommand(command="branches", arg=f"page {n}"), columns=2
    )
    return split_text("\n".join(lines)), keyboard


def branch_card(t: Translator, row: BranchRow) -> tuple[str, Keyboard]:
    """One branch from /branches: its line, and its reports one press away."""
    named = token(row.id)
    looks = [
        (N_("Attendance"), "attendance"),
        (N_("组织生活 calendar"), "calendar"),
        (N_("Term (任期)"), "term"),
    ]
    row_buttons = [
        command_button(t.label(label), cmd, named, back="branches") for label, cmd in looks
    ]
    return _branch_line(t, row), [row_buttons]


def invites_revoked(t: Translator, count: int) -> str:
    return t.n_("{n} open invite link withdrawn.", "{n} open invite links withdrawn.", count)


def invite_usage(t: Translator) -> str:
    return t._("Use /invite for a new link, or /invite revoke.")


def invite_made(t: Translator, *, invite: Invite, link: str) -> str:
    return t._(
        "Send this link to the members of your branch. "
        "It works for {uses} people until {until}:\n{link}\n\n"
        "Withdraw open links with /invite revoke.",
        uses=invite.max_uses,
        until=t.datetime(invite.expires_at, "short"),
        link=link,
    )


def invite_buttons(t: Translator) -> Keyboard:
    """Under a new invite link: withdraw the open links (what /invite revoke does)."""
    return [[command_button(t.label("Withdraw open links"), "invite", "revoke")]]


def roster(t: Translator, *, branch: Branch, people: Sequence[Member]) -> list[str]:
    """/members; a branch of a few hundred people is longer than one message."""
    lines = [t._("<b>{branch}</b>: {n} people", branch=branch.name, n=len(people))]
    for m in people:
        role = role_label(t, str(m.role))
        if m.is_committee:
            role = t.label("{role}, branch committee", role=role)
        lines.append(
            t._(
                "• {name} — {role}, {status}, joined {date}",
                name=m.name,
                role=role,
                status=t._(STATUS_NAMES[m.status]),
                date=t.date(m.joined_at),
            )
        )
    lines += ["", t._("Mark branch committee members with /committee; party groups: /groups.")]
    return split_text("\n".join(lines))


def language_choice(t: Translator) -> tuple[str, Keyboard]:
    buttons = [[Language(locale="zh_CN").button("中文"), Language(locale="en").button("English")]]
    return t._("Choose your language:"), buttons


def language_set(t: Translator) -> str:
    """Said in the language just chosen."""
    return t._("Language set to English.")


def join_first(t: Translator) -> str:
    return t.label("Please join a branch first.")


def cancelled(t: Translator, had_form: bool) -> str:
    if had_form:
        return t._("Cancelled. Nothing was saved from that form.")
    return t._("There is nothing to cancel.")


def not_understood(t: Translator, *, has_file: bool, in_form: bool) -> str:
    """A message no open form takes."""
    if in_form and has_file:
        return t._("This step needs a typed answer, not a file. Please type it, or send /cancel.")
    if has_file:
        return t._("I cannot use this file here. Send /help to see what you can do.")
    return t._("I did not understand that. Send /help to see what you can do.")
