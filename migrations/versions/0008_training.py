"""training: training records and hours (issue 13)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved so that work on several capabilities can add its tables in parallel;
    # filled in by the capability that owns it.
    pass


def downgrade() -> None:
    pass
