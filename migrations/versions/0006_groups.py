"""branch groups: the branch's linked Telegram group (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, bot.models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "branch_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", _text(255), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        _when("requested_at", nullable=False),
        _when("linked_at"),
        _when("unlinked_at"),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id"),
    )
    op.create_index("ix_branch_group_branch_id", "branch_group", ["branch_id"])
    op.create_table(
        "group_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", _text(32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("shown", _text(200), nullable=False),
        _when("created_at", nullable=False),
        _when("edited_at"),
        sa.ForeignKeyConstraint(["batch_id"], ["delivery_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_group_post_chat_id", "group_post", ["chat_id"])
    op.create_index("ix_group_post_subject_id", "group_post", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_group_post_subject_id", table_name="group_post")
    op.drop_index("ix_group_post_chat_id", table_name="group_post")
    op.drop_table("group_post")
    op.drop_index("ix_branch_group_branch_id", table_name="branch_group")
    op.drop_table("branch_group")
