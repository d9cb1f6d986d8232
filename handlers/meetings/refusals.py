"""Why a meetings request could not be done, in words (the services' refusal codes)."""

from __future__ import annotations

from bot.i18n import N_
from handlers.shape import Refusals

REFUSALS = Refusals(
    {
        "bad_kind": N_(
            "“{text}” is not a meeting kind. Use 党员大会, 支委会, 党小组会, 党课, 主题党日, "
            "组织生活会, 民主评议党员 or 培训 (or assembly, committee, group, lecture, "
            "party day, organisational life meeting, democratic review of members, training)."
        ),
        "bad_date_format": N_(
            "“{text}” is not a date. Please type it as YYYY-MM-DD, e.g. 2026-12-01."
        ),
        "bad_date": N_("{text} does not exist in the calendar. Please type a real date."),
        "bad_time_format": N_("“{text}” is not a time. Please type it as HH:MM, e.g. 14:30."),
        "bad_time": N_(
            "{text} is not a time of day. Hours go from 00 to 23, minutes from 00 to 59."
        ),
        "bad_duration": N_(
            "Please press a button, or type the length in minutes (15 to 600), e.g. 90."
        ),
        "in_past": N_("That time has already passed. Please choose a time in the future."),
        "bad_period": N_(
            "“{text}” is not a period. Use a meeting number, “this month”, “last month”, "
            "“this quarter”, YYYY-MM or YYYY-Qn (e.g. 2026-Q4)."
        ),
        "place_too_long": N_("The place can have at most {limit} characters (this has {length})."),
        "topic_too_long": N_(
            "The first agenda item can have at most {limit} characters (this has {length})."
        ),
        "quick_usage": N_(
            "Use /newmeeting <kind> <YYYY-MM-DD> <HH:MM> [place], e.g. "
            "/newmeeting 党员大会 2026-12-01 14:30 会议室 — or just /newmeeting for a guided form."
        ),
        "no_groups": N_("The branch has no party groups yet. Create one with /groups new <name>."),
        "which_group": N_(
            "Which party group? Put its name after the time: /newmeeting 党小组会 <date> <time> "
            "<group> [place]. Groups: {groups}"
        ),
        "no_such_group": N_("That party group does not exist (any more)."),
        "no_such_person": N_("That person is not in your branch."),
        "draft_incomplete": N_("The form is not complete yet."),
        "no_invitees": N_(
            "Nobody would be invited. Mark committee members with /committee or "
            "assign a party group with /groups, or add people by hand."
        ),
        "not_invited": N_("You are not invited to this meeting."),
        "cancelled": N_("This meeting was cancelled."),
        "answers_closed": N_("The meeting has started; answers can no longer be changed."),
        "leave_already": N_("You have already asked for leave from this meeting."),
        "reason_empty": N_("Please type a reason for your leave."),
        "reason_too_long": N_("A reason can have at most {limit} characters (this has {length})."),
        "no_such_request": N_("This request does not exist or is not of your branch."),
        "leave_withdrawn": N_("The member has withdrawn this leave request (they will attend)."),
        "leave_superseded": N_(
            "This leave request was withdrawn or replaced; please decide the newest request."
        ),
        "checkin_not_open": N_("Check-in opens at {opens}."),
        "checkin_closed": N_("Check-in has closed: the meeting is over."),
        "use_code": N_("This meeting uses a check-in code: send /checkin and the code."),
        "code_format": N_("The check-in code has 4 to 6 digits: /checkin 123456"),
        "no_open_meeting": N_("None of your meetings is open for check-in now."),
        "code_wrong": N_("That code is not right. {left} tries left."),
        "code_locked": N_("Too many wrong codes. Please ask the secretary to mark you present."),
        "no_such_meeting": N_("There is no meeting #{id} in your branch."),
        "already_started": N_("The meeting has already started; it can no longer be changed."),
        "not_held_yet": N_("The meeting has not started yet."),
        "minutes_empty": N_("Please send the minutes as text or as a document."),
        "minutes_too_long": N_(
            "Minutes as text can have at most {limit} characters (this has {length}); "
            "send a document instead."
        ),
        "admin_needs_branch": N_(
            "Admins name the branch first: /attendance <branch> [meeting id | period]"
        ),
        "choose_button": N_("Please choose with the buttons above."),
        "form_open": N_(
            "You are in the middle of another form. Finish it, or send /cancel, "
            "then press “Request leave” again."
        ),
    }
)
