from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import User
from tracker.services.audit import record_event


def authenticate(email: str, password: str, *, now: datetime, remote_addr: str | None) -> User | None:
    """The active user with this email and password, or None. Both outcomes are audited."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is not None and user.is_active and user.check_password(password):
        record_event("login", now=now, actor=user, object_type="user", object_id=user.id, remote_addr=remote_addr)
        return user
    record_event(
        "login_failed",
        now=now,
        object_type="user",
        object_id=user.id if user is not None else None,
        after={"email": email.strip()[:254]},
        remote_addr=remote_addr,
    )
    return None
