from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models.types import UTCDateTime, enum_column, utcnow

# The password hash of a user who has not chosen a password yet: it matches no password.
UNUSABLE_PASSWORD = "!unusable"
PASSWORD_HASH_METHODS = ("scrypt:", "pbkdf2:")  # what werkzeug's generate_password_hash writes


class Role(enum.StrEnum):
    ADMIN = "admin"  # 系统管理员
    LEGAL = "legal"  # 法制部门
    LEADER = "leader"  # 局领导
    HEAD = "head"  # 部门负责人
    STAFF = "staff"  # 部门工作人员


class ReminderMode(enum.StrEnum):
    """What a user receives of the non-urgent reminders; escalations and overdue notices always go."""

    EVERY = "every"  # each reminder as its own mail
    DIGEST = "digest"  # only the weekly digest


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh")
    reminder_mode: Mapped[ReminderMode] = mapped_column(enum_column(ReminderMode), default=ReminderMode.EVERY)
    # Part of the session cookie's user id: a new password ends every other session.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(16))
    # The secret in the user's iCalendar feed address; None when no feed was issued or it was revoked.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by a password someone else chose (an administrator, the command line): the user must
    # choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    department: Mapped[Department | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = secrets.token_hex(16)

    def set_unusable_password(self) -> None:
        """No password signs in (werkzeug refuses a hash without ``$``) until one is set."""
        self.password_hash = UNUSABLE_PASSWORD
        self.session_token = secrets.token_hex(16)

    @property
    def has_usable_password(self) -> bool:
        """Whether a password can sign this user in: an account created without one (or a hash
        werkzeug did not write) matches none until its 设置密码 link is used."""
        return self.password_hash.startswith(PASSWORD_HASH_METHODS) and self.password_hash.count("$") >= 2

    def get_id(self) -> str:
        """What the session remembers: the id and the session token, so that a changed password
        or a deactivation signs the user out everywhere."""
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
