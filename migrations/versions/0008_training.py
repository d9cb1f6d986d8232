"""training: training records and hours (issue 13)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS = ("trainingsource", "recordstate")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, bot.models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "training_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("meeting", "study", "external", name="trainingsource"),
            nullable=False,
        ),
        sa.Column("title", _text(200), nullable=False),
        sa.Column("organiser", _text(200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("hours_tenths", sa.Integer(), nullable=False),
        sa.Column("secretary_training", sa.Boolean(), nullable=False),
        sa.Column("file_id", _text(255), nullable=True),
        sa.Column("media_kind", _text(16), nullable=True),
        sa.Column(
            "state",
            sa.Enum("pending", "approved", "returned", name="recordstate"),
            nullable=False,
        ),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        _when("decided_at"),
        sa.Column("comment", _text(500), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["member.id"]),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("training_record", schema=None) as batch_op:
        batch_op.create_index("ix_training_record_member_held", ["member_id", "held_on"])
        batch_op.create_index(batch_op.f("ix_training_record_branch_id"), ["branch_id"])
        batch_op.create_index(batch_op.f("ix_training_record_state"), ["state"])

    op.create_table(
        "training_course",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("name", _text(100), nullable=False),
        sa.Column("secretary_training", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        _when("set_at", nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["set_by"], ["member.id"]),
        sa.PrimaryKeyConstraint("meeting_id"),
    )
    op.create_table(
        "training_target",
        sa.Column("role", _text(16), nullable=False),
        sa.Column("hours_tenths", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        _when("changed_at", nullable=False),
        sa.ForeignKeyConstraint(["changed_by"], ["member.id"]),
        sa.PrimaryKeyConstraint("role"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(_when("secretary_since"))
    with op.batch_alter_table("study_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hours_tenths", sa.Integer(), nullable=False, server_default="5")
        )
    # Today's secretaries were appointed when they joined in that role, as far as we know.
    op.execute("UPDATE member SET secretary_since = joined_at WHERE role = 'secretary'")


def downgrade() -> None:
    with op.batch_alter_table("study_item", schema=None) as batch_op:
        batch_op.drop_column("hours_tenths")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("secretary_since")
    op.drop_table("training_target")
    op.drop_table("training_course")
    with op.batch_alter_table("training_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_record_state"))
        batch_op.drop_index(batch_op.f("ix_training_record_branch_id"))
        batch_op.drop_index("ix_training_record_member_held")
    op.drop_table("training_record")
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
