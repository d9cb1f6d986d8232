"""training indexes: check-ins and completed study read from the index alone (issues 11, 13)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00

Every branch's health level sums each member's 学时 of the year from the course
check-ins and the completed study items; these indexes answer both without reading the
table rows (bench/oversight.py measures it).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_attendance_meeting_checkin",
        "attendance",
        ["meeting_id", "checked_in_at", "member_id"],
        unique=False,
    )
    op.create_index(
        "ix_study_record_member_done",
        "study_record",
        ["member_id", "completed_at", "item_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_study_record_member_done", table_name="study_record")
    op.drop_index("ix_attendance_meeting_checkin", table_name="attendance")
