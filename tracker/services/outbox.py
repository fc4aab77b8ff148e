"""Putting mail into the outbox. The unique ``dedup_key`` makes queuing the same mail twice a no-op."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, User


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
