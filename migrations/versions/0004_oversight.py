"""oversight: rules, exemptions, terms, health, 述职评议 (issue 11)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:50:00
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved so that work on several capabilities can add its tables in parallel;
    # filled in by the capability that owns it.
    pass


def downgrade() -> None:
    pass
