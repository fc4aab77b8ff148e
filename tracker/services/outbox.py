"""Putting mail into the outbox. The unique ``dedup_key`` makes queuing the same mail twice a no-op."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, Role, User


def queue_mail(
    *,
    kind: str,
    dedup_key: str,
    recipient: User,
    subject: str,
    body_text: str,
    now: datetime,
    task_id: int | None = None,
) -> bool:
    """Queue one mail; return False when a mail with this ``dedup_key`` was queued before."""
    values = {
        "kind": kind,
        "dedup_key": dedup_key,
        "task_id": task_id,
        "recipient_id": recipient.id,
        "recipient_email": recipient.email,
        "subject": subject,
        "body_text": body_text,
        "body_html": "",
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Notification)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(Notification.id)
    )
    # RETURNING, not rowcount: the ORM's insert reports no row count on PostgreSQL.
    return db.session.execute(statement).scalar() is not None


def department_heads(department_id: int | None) -> list[User]:
    return heads_by_department([department_id]).get(department_id, []) if department_id is not None else []


def heads_by_department(department_ids: Iterable[int | None]) -> dict[int, list[User]]:
    """The active heads of each department, in one query."""
    wanted = {d for d in department_ids if d is not None}
    heads: dict[int, list[User]] = {}
    if not wanted:
        return heads
    query = sa.select(User).where(User.department_id.in_(wanted), User.role == Role.HEAD, User.is_active)
    for head in db.session.scalars(query.order_by(User.id)):
        heads.setdefault(head.department_id, []).append(head)  # type: ignore[arg-type]
    return heads


def legal_officers() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == Role.LEGAL, User.is_active)))
