"""Putting mail into the outbox. The unique ``dedup_key`` makes queuing the same mail twice a no-op.

Every queued mail is also the recipient's in-app notification (通知). A mail of a kind that may
wait for the weekly digest, to someone who chose the digest, is stored as held: it shows in the
app at once and goes out inside the next digest, never on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, ReminderMode, Task
from tracker.services.mail.catalogue import MailKind, goes_to_digest
from tracker.services.mail.messages import Message

# The reminders about a task's deadline: a new owner or deadline makes them wrong.
DEADLINE_REMINDERS = frozenset(
    {
        MailKind.DUE_SOON,
        MailKind.DUE_TODAY,
        MailKind.OVERDUE,
        MailKind.OVERDUE_LEGAL,
        MailKind.ESCALATION_LEADER,
        MailKind.PROGRESS_REQUEST,
    }
)


def queue(messages: Iterable[Message], now: datetime) -> int:
    """Queue each message; returns how many were new (a known ``dedup_key`` is skipped)."""
    return sum(_queue_one(message, now) for message in messages)


def _queue_one(message: Message, now: datetime) -> bool:
    held = goes_to_digest(message.kind, message.recipient.reminder_mode == ReminderMode.DIGEST)
    values = {
        "kind": message.kind.value,
        "dedup_key": message.dedup_key,
        "task_id": message.task_id,
        "recipient_id": message.recipient.id,
        "recipient_email": message.recipient.email,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "status": NotificationStatus.HELD if held else NotificationStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": None if held else now,
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
    new = db.session.execute(statement).scalar() is not None
    if new and message.folds:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(message.folds), Notification.status == NotificationStatus.HELD)
            .values(status=NotificationStatus.DIGESTED)
            .execution_options(synchronize_session=False)
        )
    return new


def held_by_recipient() -> dict[int, list[Notification]]:
    """The notifications waiting for each person's next digest, oldest first."""
    held: dict[int, list[Notification]] = {}
    rows = db.session.scalars(
        sa.select(Notification)
        .where(Notification.status == NotificationStatus.HELD, Notification.recipient_id.is_not(None))
        .order_by(Notification.created_at, Notification.id)
    )
    for row in rows:
        held.setdefault(row.recipient_id, []).append(row)  # type: ignore[arg-type]
    return held


def drop_queued_reminders(task: Task) -> int:
    """A new owner or deadline makes the queued reminders wrong: cancel those not yet sent."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.task_id == task.id,
            Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.HELD]),
            Notification.kind.in_([kind.value for kind in DEADLINE_REMINDERS]),
        )
        .values(status=NotificationStatus.CANCELLED, last_error="任务已改派或调整时限，提醒作废")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
