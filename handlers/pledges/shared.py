"""What every pledges flow shares: the refusal table and replying in several parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.delivery.message import Keyboard
from bot.i18n import N_
from bot.models import FormState
from handlers.pledges import views
from handlers.shape import Refusals, Turn

REFUSALS = Refusals(
    {
        "post_empty": N_("Please type the post you hold in your social organisation."),
        "post_too_long": N_(
            "That is {length} characters; the post can have at most {limit}. "
            "Please type a shorter one."
        ),
        "post_multiline": N_("Please type the post on one line."),
        "duties_empty": N_("Please type your duties; this part cannot be empty."),
        "duties_too_long": N_(
            "That is {length} characters; the duties can have at most {limit}. "
            "Please shorten them and send again."
        ),
        "commitments_empty": N_(
            "Please type at least one commitment (one per line, at most {limit})."
        ),
        "commitments_too_many": N_(
            "That is {count} commitments; at most {limit} are allowed. "
            "Please keep the most important ones and send them again."
        ),
        "commitment_too_long": N_(
            "Commitment {number} has {length} characters; each can have at most {limit}. "
            "Please shorten it and send all commitments again."
        ),
        "commitments_invalid": N_("Please type your commitments again, one per line."),
        "comment_empty": N_("Please type a comment; the member will read it."),
        "comment_too_long": N_(
            "That is {length} characters; a comment can have at most {limit}. "
            "Please type a shorter one."
        ),
        "note_empty": N_(
            "Please write the note after the command: /pledge note followed by the text."
        ),
        "note_too_long": N_(
            "That is {length} characters; a note can have at most {limit}. "
            "Please write a shorter one."
        ),
        "no_pledge": N_("You have not submitted a pledge this year. Send /pledge to write it."),
        "note_not_approved": N_(
            "Progress notes can be added once your pledge is approved by the branch."
        ),
        "already_approved": N_("This pledge is already approved; nothing was changed."),
        "already_returned": N_("This pledge was already returned; nothing was changed."),
        "pledge_unknown": N_("This pledge does not exist."),
        "other_branch": N_("This pledge belongs to another branch; you cannot review it."),
        "pledge_changed": N_(
            "The member changed this pledge since. Send /pledges to see the new version."
        ),
        "not_pending": N_("This pledge is not waiting for review."),
        "own_pledge": N_(
            "You cannot review your own pledge; the committee reviews the pledges of "
            "secretaries. Nothing was changed."
        ),
        "committee_reviews": N_(
            "The pledges of secretaries are reviewed by the committee, not in the branch. "
            "Nothing was changed."
        ),
        "branch_reviews": N_(
            "This member's pledge is reviewed by their branch secretary; the committee "
            "reviews only the pledges of secretaries. Nothing was changed."
        ),
        "rate_not_approved": N_("Only approved pledges can be rated."),
        "nobody_missing": N_("Everyone in the branch has submitted a pledge this year."),
        "nothing_to_publish": N_("There are no approved pledges to publish yet."),
        "already_published": N_(
            "These pledges were already published; nothing new to send. "
            "Approve more pledges, then publish again."
        ),
    }
)


async def open_form(
    turn: Turn[Any], form: str, step: str, data: dict[str, Any] | None = None
) -> FormState:
    """Start one of the pledge forms for the person acting (replacing any other)."""
    state = await turn.open_form(form, step, data, free=False)
    await turn.commit()
    return state


async def close_form(turn: Turn[Any]) -> None:
    """End the person's form (what they type next is no longer an answer to it)."""
    await turn.close_form()
    await turn.commit()


async def reply_parts(
    turn: Turn[Any], lines: Sequence[str], keyboard: Keyboard | None = None
) -> None:
    """Send `lines` in as many messages as Telegram needs; the buttons go under the last."""
    chunks = views.parts(lines)
    for chunk in chunks[:-1]:
        await turn.reply(chunk)
    await turn.reply(chunks[-1], keyboard)
