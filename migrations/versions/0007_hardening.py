"""hardening: handled update ids, privacy (issue 15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_handled_update_at", "handled_update", ["at"], unique=False)
    op.create_table(
        "invite_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_invite_attempt_user_at", "invite_attempt", ["telegram_user_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_invite_attempt_user_at", table_name="invite_attempt")
    op.drop_table("invite_attempt")
    op.drop_index("ix_handled_update_at", table_name="handled_update")
    op.drop_table("handled_update")
