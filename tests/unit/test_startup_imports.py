"""Start-up stays light: building the application imports no chart, workbook or migration
library (issue 17: matplotlib, its CJK font, openpyxl and alembic were over half of the
time before the first answered update). They are imported when first used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("matplotlib", "openpyxl", "alembic", "numpy", "PIL")

PROBE = """
import sys
from bot.app import build_application
from bot.cli import register_features
from bot.config import Settings

settings = Settings(
    _env_file=None,
    bot_token="123456:TEST-TOKEN",
    database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/unused",
)
build_application(settings, register=register_features, migrate=False)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(",".join(heavy))
"""


def test_building_the_application_imports_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == ""
