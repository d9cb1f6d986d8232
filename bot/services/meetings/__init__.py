"""三会一课 meetings: a module per flow; every function takes a session and `now`.

- `drafts`: what secretaries type (kinds, durations), the draft a form holds, invitees
- `schedule`: saving a meeting and its notices
- `announce`: the fan-out every meeting message goes through (the caller's `compose`)
- `answers`: 出席 / 请假 and the secretary's leave decisions
- `checkin`: 签到 by button or code
- `manage`: reschedule, cancel, the lists of /meetings
- `minutes`: 会议记录 and whether 第一议题 was studied
- `attendance`: reports and marking present or absent by hand
- `reminders`: the reminders before a meeting, each exactly once
- `committee`: 支委 marks and 党小组 (the organisation of the branch)

Services return data; the words and buttons come from handlers/meetings/views.py.
The caller commits.
"""
