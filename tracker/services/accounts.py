"""Signing in, with a throttle against password guessing.

The throttle counts ``login_failed`` audit events in the database, so it holds across web workers
and processes, on SQLite and PostgreSQL alike; a per-process memory counter would not.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.audit import record_event

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)


class SignInThrottled(Exception):
    """Too many recent failures: no password is checked until ``retry_at``."""

    def __init__(self, retry_at: datetime, *, now: datetime, per_address: bool) -> None:
        self.retry_at = retry_at
        self.minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
        if per_address:
            self.message = ngettext(
                "来自您所在网络地址的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                "来自您所在网络地址的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                self.minutes,
            )
        else:
            self.message = ngettext(
                "该账号的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                "该账号的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                self.minutes,
            )
        super().__init__(self.message)


def authenticate(email: str, password: str, *, now: datetime, remote_addr: str | None) -> User | None:
    """The active user with this email and password, or None. Every outcome is audited.

    Raises :class:`SignInThrottled` (after adding a ``login_throttled`` event) when the account or
    the address has failed too often within :data:`FAILURE_WINDOW`; the password is then not
    checked at all, so even the right one is refused. The caller commits.
    """
    normalized = email.strip().lower()[:254]
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == normalized))
    refusal = _throttle(user, normalized, remote_addr, now=now)
    if refusal is not None:
        record_event(
            "login_throttled",
            now=now,
            object_type="user",
            object_id=user.id if user is not None else None,
            after={"email": normalized, "retry_at": refusal.retry_at.isoformat()},
            remote_addr=remote_addr,
        )
        raise refusal
    if user is None:
        # Spend the time a real check takes, so the answer's speed does not reveal who has an account.
        check_password_hash(_dummy_hash(), password)
    elif user.is_active and user.check_password(password):
        record_event("login", now=now, actor=user, object_type="user", object_id=user.id, remote_addr=remote_addr)
        return user
    record_event(
        "login_failed",
        now=now,
        object_type="user",
        object_id=user.id if user is not None else None,
        after={"email": normalized},
        remote_addr=remote_addr,
    )
    return None


def _throttle(user: User | None, email: str, remote_addr: str | None, *, now: datetime) -> SignInThrottled | None:
    """The refusal to raise, or None when this attempt may go ahead."""
    failures = sa.select(AuditEvent.created_at).where(
        AuditEvent.action == "login_failed", AuditEvent.created_at > now - FAILURE_WINDOW
    )
    # A known account is matched by id (the (object_type, object_id, created_at) index serves it);
    # an unknown email by its text, so that the throttle does not tell which emails exist.
    if user is not None:
        account = failures.where(AuditEvent.object_type == "user", AuditEvent.object_id == user.id)
    else:
        account = failures.where(
            AuditEvent.object_type == "user",
            AuditEvent.object_id.is_(None),
            sa.func.lower(AuditEvent.after["email"].as_string()) == email,
        )
    retry_at = _retry_at(account, MAX_FAILURES_PER_ACCOUNT)
    if retry_at is not None:
        return SignInThrottled(retry_at, now=now, per_address=False)
    if remote_addr:
        retry_at = _retry_at(failures.where(AuditEvent.remote_addr == remote_addr), MAX_FAILURES_PER_ADDRESS)
        if retry_at is not None:
            return SignInThrottled(retry_at, now=now, per_address=True)
    return None


def _retry_at(failures: sa.Select[tuple[datetime]], limit: int) -> datetime | None:
    """When the window will hold fewer than ``limit`` of ``failures`` again, or None if it already does.

    That is when the ``limit``-th most recent failure leaves the window.
    """
    oldest_that_counts = db.session.scalar(failures.order_by(AuditEvent.created_at.desc()).offset(limit - 1).limit(1))
    return oldest_that_counts + FAILURE_WINDOW if oldest_that_counts is not None else None


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password of anyone", method="scrypt")
