"""The branch's own Telegram group (支部群) and what the bot posted in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class BranchGroup(SQLModel, table=True):
    """A group chat linked to a branch (or, with no branch, the committee's own group).

    state: pending (asked the secretary to confirm) → linked → unlinked. One linked
    group per branch and one committee group (the service keeps this).
    """

    __tablename__ = "branch_group"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    title: str = Field(default="", max_length=255)
    branch_id: int | None = Field(default=None, foreign_key="branch.id", index=True)
    state: str = Field(default="pending", max_length=16)
    requested_by: int | None = Field(default=None, foreign_key="member.id")
    requested_at: datetime = Field(sa_type=UtcDateTime)
    linked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    unlinked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class GroupPost(SQLModel, table=True):
    """One thing posted once in a group (a meeting notice, a study item, 公示), whose
    counts the bot keeps up to date in place."""

    __tablename__ = "group_post"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: str = Field(max_length=32)
    subject_id: int = Field(index=True)
    batch_id: int = Field(foreign_key="delivery_batch.id")
    shown: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UtcDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
