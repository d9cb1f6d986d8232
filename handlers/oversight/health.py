"""/warnings (admins: every branch by level) and /health (a secretary's own branch)."""

from __future__ import annotations

from typing import Any

from bot.services.oversight import health as svc
from bot.services.oversight.indicators import Thresholds
from handlers.oversight import health_views as views
from handlers.oversight.buttons import BranchDetails, WarningsPage
from handlers.oversight.common import REFUSALS
from handlers.shape import ADMINS, SECRETARIES, Turn, handler


async def _warnings(turn: Turn[Any]) -> list[svc.BranchHealth]:
    """Every branch by level, as of now."""
    return await svc.warnings(
        turn.s,
        actor=turn.member,
        now=turn.now,
        tz=turn.settings.tz,
        thresholds=Thresholds.from_settings(turn.settings),
    )


async def _branch_health(turn: Turn[Any], branch_id: int | None = None) -> svc.BranchHealth:
    """One branch's indicators as of now (a secretary's own when none is named)."""
    return await svc.branch_health(
        turn.s,
        actor=turn.member,
        branch_id=branch_id,
        now=turn.now,
        tz=turn.settings.tz,
        thresholds=Thresholds.from_settings(turn.settings),
    )


@handler(roles=ADMINS, refusals=REFUSALS)
async def warnings(turn: Turn[None]) -> None:
    """Admin: branches by level, each with its reasons; a button per branch."""
    found = await _warnings(turn)
    await turn.commit()
    await turn.reply(*views.warnings_page(turn.t, found, 0))


@handler(roles=ADMINS, button=WarningsPage, refusals=REFUSALS)
async def warnings_page(turn: Turn[WarningsPage]) -> None:
    """Admin: another page of /warnings (or back from a branch's details)."""
    found = await _warnings(turn)
    await turn.edit(*views.warnings_page(turn.t, found, turn.data.page))


@handler(roles=ADMINS, button=BranchDetails, refusals=REFUSALS)
async def branch_details(turn: Turn[BranchDetails]) -> None:
    """Admin: one branch's indicators with values and thresholds."""
    b = await _branch_health(turn, turn.data.branch_id)
    await turn.edit(views.details_text(turn.t, b), views.details_keyboard(turn.t, turn.data.page))


@handler(roles=SECRETARIES, refusals=REFUSALS)
async def health(turn: Turn[None]) -> None:
    """Secretary: the own branch's level and what to do about each reason."""
    b = await _branch_health(turn)
    await turn.commit()
    await turn.reply(views.health_text(turn.t, b))
