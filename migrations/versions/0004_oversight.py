"""oversight: rules, exemptions, terms, health, 述职评议 (issue 11)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("level", sa.Enum("green", "yellow", "red", name="healthlevel"), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("branch_id", "period"),
    )
    op.create_table(
        "annual_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("deadline", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year"),
    )
    op.create_table(
        "branch_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("branch_term", schema=None) as batch_op:
        batch_op.create_index("ix_branch_term_branch", ["branch_id", "recorded_at"], unique=False)

    op.create_table(
        "compliance_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("period", sa.Enum("month", "quarter", "year", name="ruleperiod"), nullable=False),
        sa.Column("min_count", sa.Integer(), nullable=False),
        sa.Column("groups_only", sa.Boolean(), nullable=False),
        sa.Column("updated_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind"),
    )
    op.create_table(
        "exemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("period_label", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("branch_id", "kind", "period_label"),
    )
    with op.batch_alter_table("exemption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exemption_branch_id"), ["branch_id"], unique=False)

    op.create_table(
        "member_activity",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_table(
        "secretary_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("secretary_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("status", sa.Enum("draft", "submitted", name="reportstatus"), nullable=False),
        sa.Column("submitted_at", bot.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("fairly", sa.Integer(), nullable=False),
        sa.Column("dissatisfied", sa.Integer(), nullable=False),
        sa.Column(
            "rating",
            sa.Enum("good", "fairly_good", "average", "poor", name="reviewrating"),
            nullable=True,
        ),
        sa.Column("rating_comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("rated_by", sa.Integer(), nullable=True),
        sa.Column("rated_at", bot.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", bot.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_file.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rated_by"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["annual_review.id"],
        ),
        sa.ForeignKeyConstraint(
            ["secretary_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "branch_id"),
    )
    with op.batch_alter_table("secretary_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_secretary_report_branch_id"), ["branch_id"], unique=False
        )

    op.create_table(
        "satisfaction_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["secretary_report.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("satisfaction_vote")
    with op.batch_alter_table("secretary_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_secretary_report_branch_id"))

    op.drop_table("secretary_report")
    op.drop_table("member_activity")
    with op.batch_alter_table("exemption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemption_branch_id"))

    op.drop_table("exemption")
    op.drop_table("compliance_rule")
    with op.batch_alter_table("branch_term", schema=None) as batch_op:
        batch_op.drop_index("ix_branch_term_branch")

    op.drop_table("branch_term")
    op.drop_table("annual_review")
    op.drop_table("health_snapshot")
    # PostgreSQL keeps enum types after their tables; SQLite has none.
    for name in ("healthlevel", "ruleperiod", "reportstatus", "reviewrating"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
