"""No service module imports telegram, directly or through what it imports (issue 10).

Services return data and write outbox rows through `bot.delivery.outbox`; only handlers,
views and the delivery worker talk to Telegram. Each module is imported in a process of
its own that has never imported telegram: one interpreter preloads the heavy libraries
every service shares (SQLAlchemy, SQLModel, the models) and forks a child per module, so
the check stays fast (a fresh interpreter per module took ~0.8 s each).
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import bot.services

# Modules that still reach telegram through their own code: other engineers remove these
# in their restructuring (issue 10); the lead empties this list after merging.
KNOWN_TELEGRAM_IMPORTS: frozenset[str] = frozenset()

CHECK = r"""
import json, os, sys
import sqlalchemy, sqlmodel, bot.models, bot.db  # shared by every service; not telegram
assert "telegram" not in sys.modules, "the preloaded modules import telegram"
result = {}
for name in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            __import__(name)
            code = 3 if "telegram" in sys.modules else 0
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    result[name] = os.waitstatus_to_exitcode(status)
print(json.dumps(result))
"""


def service_modules() -> list[str]:
    """Every module under bot/services, subpackages included."""
    found = ["bot.services"]
    for info in pkgutil.walk_packages(bot.services.__path__, prefix="bot.services."):
        found.append(info.name)
    return sorted(found)


def imported_telegram() -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(service_modules())],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {name: code for name, code in json.loads(out.stdout).items()}


@pytest.fixture(scope="module")
def results() -> dict[str, int]:
    return imported_telegram()


def test_every_service_module_is_checked(results: dict[str, int]) -> None:
    assert "bot.services.meetings" in results
    assert set(results) == set(service_modules())
    assert not [m for m, code in results.items() if code == 4], "a service failed to import"


def test_no_service_module_imports_telegram(results: dict[str, int]) -> None:
    offending = sorted(m for m, code in results.items() if code == 3)
    assert [m for m in offending if m not in KNOWN_TELEGRAM_IMPORTS] == []


def test_the_known_list_holds_only_modules_that_still_import_telegram(
    results: dict[str, int],
) -> None:
    # Once a module is clean it leaves the list, so the list can only shrink.
    assert sorted(m for m in KNOWN_TELEGRAM_IMPORTS if results.get(m) != 3) == []


def test_the_check_would_notice_telegram() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(["bot.delivery.worker", "bot.delivery.outbox"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout) == {"bot.delivery.worker": 3, "bot.delivery.outbox": 0}
