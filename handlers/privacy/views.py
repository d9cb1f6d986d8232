"""Privacy texts and keyboards, in the reader's language."""

from __future__ import annotations

from bot.delivery.message import Keyboard
from bot.i18n import N_, Translator, escape
from bot.services.privacy import REASON_MAX, Departure, Erasure
from handlers.common import confirm_row
from handlers.privacy.buttons import EraseChoice, LeaveChoice
from handlers.shape import Refusals

REFUSALS = Refusals(
    {
        "admin_no_leave": N_(
            "Admins are appointed by the committee (ADMIN_IDS) and cannot leave with /leave."
        ),
        "reason_needed": N_(
            "Please say whom to remove and why: /remove <member number or name> <reason>"
        ),
        "reason_too_long": N_("A reason can have at most {limit} characters."),
        "no_such_member": N_("There is no member “{who}” in your branch. See /members."),
        "name_ambiguous": N_(
            "Several members are called “{who}”. Please use the member number from /members."
        ),
        "cannot_remove": N_("Only members (not yourself or a secretary) can be removed."),
        "no_such_person": N_("There is no person #{id}."),
        "cannot_erase_admin": N_("An admin's data cannot be erased here."),
    }
)
PERSON_USAGE = N_(
    "Usage: /person export <member number> or /person erase <member number> "
    "(the number is shown in /members and /audit)."
)


def leave_question(t: Translator, branch: str) -> tuple[str, Keyboard]:
    text = t._(
        "Leave {branch}? You will receive nothing more from the bot and lose access; "
        "your past records stay, shown as a former member.",
        branch=branch,
    )
    return text, [confirm_row(t, LeaveChoice(choice="yes"), LeaveChoice(choice="no"))]


def left(t: Translator, d: Departure, branch: str) -> str:
    if d.already:
        return t._("You have already left. To join again, ask a secretary for an invite link.")
    return t._(
        "You have left {branch}. Thank you. To join again, ask a secretary for an invite link.",
        branch=branch,
    )


def not_left(t: Translator) -> str:
    return t._("Nothing changed: you are still a member.")


def removed(t: Translator, d: Departure, reason: str) -> str:
    return t._(
        "{name} (#{id}) was removed from the branch. Reason: {reason}. "
        "Their past records stay, shown as a former member.",
        name=d.name,
        id=d.member_id,
        reason=reason,
    )


def remove_usage(t: Translator) -> str:
    # The syntax shows <…>: a plain sentence, escaped for HTML.
    return escape(
        t.label(
            "Usage: /remove <member number or name> <reason> (at most {limit} characters).",
            limit=REASON_MAX,
        )
    )


def person_usage(t: Translator) -> str:
    return escape(t.label(PERSON_USAGE))


def erase_question(t: Translator, member_id: int, name: str) -> tuple[str, Keyboard]:
    text = t._(
        "Erase the data of {name} (#{id})? The name is replaced by the number and every text "
        "they typed (leave reasons, reflections, pledge texts, requests) is removed; counts "
        "stay. This cannot be undone.",
        name=name,
        id=member_id,
    )
    yes, no = (
        EraseChoice(member_id=member_id, choice="yes"),
        EraseChoice(member_id=member_id, choice="no"),
    )
    return text, [confirm_row(t, yes, no)]


def erased(t: Translator, e: Erasure) -> str:
    return t._(
        "The data of #{id} was erased: the name replaced, {n} records' texts removed; "
        "counts kept. Recorded in /audit.",
        id=e.member_id,
        n=e.texts,
    )


def erase_cancelled(t: Translator, member_id: int) -> str:
    return t._("Nothing was erased for #{id}.", id=member_id)


def export_caption(t: Translator, member_id: int) -> str:
    return t.label("Everything stored about #{id} (JSON). Recorded in /audit.", id=member_id)
