"""What oversight's handlers share: the refusal table."""

from __future__ import annotations

from handlers.oversight.review_views import REVIEW_REFUSALS
from handlers.oversight.views import REFUSALS as CALENDAR_REFUSALS
from handlers.oversight.views import TERM_REFUSALS
from handlers.shape import Refusals

REFUSALS = Refusals({**CALENDAR_REFUSALS, **TERM_REFUSALS, **REVIEW_REFUSALS})
