"""update inbox: updates received and not yet handled (issue 17)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_update_inbox_received_by", "update_inbox", ["received_by"])


def downgrade() -> None:
    op.drop_index("ix_update_inbox_received_by", table_name="update_inbox")
    op.drop_table("update_inbox")
