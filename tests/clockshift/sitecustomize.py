"""Moves the clock of a bot process a test starts, so its jobs find due what a given
date has due (tests/e2e/workers_scene.py).

Python imports `sitecustomize` at start-up from the first folder on the path that has
one; tests/e2e/workers_scene.py puts this folder on the PYTHONPATH of the `dangjian run`
processes it starts, with DANGJIAN_TEST_CLOCK_SHIFT in seconds. Their clock then runs at
real speed from a shifted start: leases, heartbeats and job timing behave as in
production, all three processes agree on the time, and the test computes the same `now`.
Production has no such setting: only this folder on the path does it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

_SHIFT = os.environ.get("DANGJIAN_TEST_CLOCK_SHIFT")

if _SHIFT:
    from bot import clock

    _real = clock.Clock.now
    _delta = timedelta(seconds=float(_SHIFT))

    def _shifted(self: clock.Clock) -> datetime:
        return _real(self) + _delta

    clock.Clock.now = _shifted  # type: ignore[method-assign]
