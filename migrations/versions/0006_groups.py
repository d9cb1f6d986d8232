"""branch groups: the branch's linked Telegram group (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved so that work on several capabilities can add its tables in parallel;
    # filled in by the capability that owns it.
    pass


def downgrade() -> None:
    pass
