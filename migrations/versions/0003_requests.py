"""诉求 (requests): tables for issue 14

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS = ("requestkind", "requeststate", "requestrating")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, bot.models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("issue", "suggestion", "help", name="requestkind"), nullable=False
        ),
        sa.Column("text", _text(2000), nullable=False),
        sa.Column("file_id", _text(255), nullable=True),
        sa.Column("media_kind", _text(16), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "submitted",
                "accepted",
                "forwarded",
                "resolved",
                "reopened",
                "closed",
                name="requeststate",
            ),
            nullable=False,
        ),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("accept_due_at", nullable=False),
        _when("resolve_due_at", nullable=False),
        _when("responded_at"),
        _when("accepted_at"),
        _when("forwarded_at"),
        sa.Column("forward_reason", _text(500), nullable=True),
        _when("resolved_at"),
        sa.Column("reply", _text(2000), nullable=True),
        sa.Column("reply_file_id", _text(255), nullable=True),
        sa.Column("reply_media_kind", _text(16), nullable=True),
        sa.Column(
            "rating",
            sa.Enum("satisfied", "fair", "dissatisfied", name="requestrating"),
            nullable=True,
        ),
        _when("rated_at"),
        sa.Column("reopen_reason", _text(500), nullable=True),
        _when("reopened_at"),
        _when("escalated_at"),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.ForeignKeyConstraint(["handler_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("branch_id", "number"),
    )
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.create_index("ix_request_branch_created", ["branch_id", "created_at"])
        batch_op.create_index(batch_op.f("ix_request_member_id"), ["member_id"])
        batch_op.create_index(batch_op.f("ix_request_state"), ["state"])

    op.create_table(
        "request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _when("at", nullable=False),
        sa.Column("action", _text(32), nullable=False),
        sa.Column("state_from", _text(16), nullable=True),
        sa.Column("state_to", _text(16), nullable=False),
        sa.Column("comment", _text(2000), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_event_request_id"), ["request_id"])


def downgrade() -> None:
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_event_request_id"))
    op.drop_table("request_event")
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_state"))
        batch_op.drop_index(batch_op.f("ix_request_member_id"))
        batch_op.drop_index("ix_request_branch_created")
    op.drop_table("request")
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL keeps the enums as types of their own; drop_table leaves them.
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
