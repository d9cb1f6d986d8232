"""Organisation: branches (党支部), members (党员), invites, the audit log and saved forms."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum, auto
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.base import UtcDateTime


class BranchKind(StrEnum):
    """单独组建 / 联合党支部 / 临时党支部."""

    single = auto()
    joint = auto()
    temporary = auto()


class Role(StrEnum):
    member = auto()
    secretary = auto()
    admin = auto()


class MemberStatus(StrEnum):
    active = auto()
    left = auto()
    blocked = auto()


class Branch(SQLModel, table=True):
    """党支部: the basic party organisation."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    kind: BranchKind = Field(default=BranchKind.single, max_length=16)
    term_ends_on: date | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)


class Member(SQLModel, table=True):
    """党员 and the people who lead them; one row per Telegram user."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    branch_id: int | None = Field(default=None, foreign_key="branch.id", index=True)
    name: str = Field(max_length=64)
    role: Role = Field(default=Role.member, max_length=16)
    status: MemberStatus = Field(default=MemberStatus.active, max_length=16)
    locale: str | None = Field(default=None, max_length=8)
    is_committee: bool = False
    party_group_id: int | None = Field(default=None, index=True)
    joined_at: datetime = Field(sa_type=UtcDateTime)
    status_changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # When they became a branch secretary (the new-secretary training rule counts from it).
    secretary_since: datetime | None = Field(default=None, sa_type=UtcDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_secretary(self) -> bool:
        return self.role == Role.secretary


class Invite(SQLModel, table=True):
    """A deep-link token that lets one or more people join a branch in a role."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    role: Role = Field(max_length=16)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    max_uses: int = 1
    uses: int = 0
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class AuditLog(SQLModel, table=True):
    """Who did which privileged thing when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UtcDateTime)
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    action: str = Field(max_length=64)
    subject: str = Field(default="", max_length=128)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class FormState(SQLModel, table=True):
    """A half-filled guided form, kept in the database so it survives a restart."""

    __tablename__ = "form_state"
    __table_args__ = (UniqueConstraint("telegram_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    form: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=UtcDateTime)
