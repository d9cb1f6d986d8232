"""meeting kinds for the 组织生活 calendar and training: 主题党日, 组织生活会, 民主评议党员, 培训

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("assembly", "committee", "group", "lecture")
NEW_KINDS = ("theme_day", "life_meeting", "member_review", "training")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL keeps the kinds in a native enum type.
        for kind in NEW_KINDS:
            op.execute(f"ALTER TYPE meetingkind ADD VALUE IF NOT EXISTS '{kind}'")
        return
    # SQLite stores the kind as text sized to the longest name.
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.Enum(*OLD_KINDS, name="meetingkind"),
            type_=sa.Enum(*OLD_KINDS, *NEW_KINDS, name="meetingkind"),
            existing_nullable=False,
        )


def downgrade() -> None:
    # PostgreSQL cannot drop a value from an enum type; the extra values are harmless.
    pass
