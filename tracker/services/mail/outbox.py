"""Putting mail into the outbox. The unique ``dedup_key`` makes queuing the same mail twice a no-op.

Every queued mail is also the recipient's in-app notification (通知). A mail of a kind that may
wait for the weekly digest, to someone who chose the digest, is stored as held: it shows in the
app at once and goes out inside the next digest, never on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, ReminderMode, Task
from tracker.models.types import UTCDateTime
from tracker.services.mail import messages
from tracker.services.mail.catalogue import MailKind, goes_to_digest
from tracker.services.mail.messages import Message

if TYPE_CHECKING:
    from tracker.services.mail.planner import Reminder

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
    values = _mail_row(message, now)
    if goes_to_digest(message.kind, message.recipient.reminder_mode == ReminderMode.DIGEST):
        values |= {"status": NotificationStatus.HELD, "next_attempt_at": None}
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


def queue_reminders(reminders: Sequence[Reminder], now: datetime) -> int:
    """Queue the planned reminders as one mail per person: each reminder is its own outbox row
    (its dedup key makes a repeat a no-op, and its task's 催办记录 finds it), inserted in one
    statement; then the new ones of each person become one mail listing them, or the reminder's
    own mail when it is the only one. Rows of a digest user's digest-able kinds wait for the
    digest. Returns how many reminders were new."""
    if not reminders:
        return 0
    known = _known_keys([r.dedup_key for r in reminders])
    fresh = [r for r in reminders if r.dedup_key not in known]
    if not fresh:
        return 0  # a tick that finds nothing new: the one query above
    rendered = {r.dedup_key: r.message() for r in fresh if r.held}  # a digest lists their subjects
    rows = [_reminder_row(r, rendered.get(r.dedup_key), now) for r in fresh]
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Notification).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(Notification.dedup_key)
    )
    # Another planner may have queued some of them since the query above: the constraint skips those.
    new_keys = set(db.session.scalars(statement, rows).all())
    new = [r for r in fresh if r.dedup_key in new_keys and not r.held]
    by_person: dict[int, list[Reminder]] = {}
    for reminder in new:
        by_person.setdefault(reminder.recipient.id, []).append(reminder)
    _send_alone([batch[0] for batch in by_person.values() if len(batch) == 1], now)
    _send_as_lists([batch for batch in by_person.values() if len(batch) > 1], now)
    return len(new_keys)


def _send_alone(reminders: list[Reminder], now: datetime) -> None:
    """Each of ``reminders`` is its person's only one: its row becomes its own mail."""
    if not reminders:
        return
    table = Notification.__table__
    statement = (
        sa.update(table)
        .where(table.c.dedup_key == sa.bindparam("key"))
        .values(
            subject=sa.bindparam("subject"),
            body_text=sa.bindparam("text"),
            body_html=sa.bindparam("html"),
            status=NotificationStatus.PENDING.value,
            next_attempt_at=sa.bindparam("due", type_=UTCDateTime),
        )
    )
    rows = []
    for reminder in reminders:
        message = reminder.message()
        rows.append(
            {
                "key": reminder.dedup_key,
                "subject": message.subject,
                "text": message.body_text,
                "html": message.body_html,
                "due": now,
            }
        )
    db.session.connection().execute(statement, rows)


def _send_as_lists(batches: list[list[Reminder]], now: datetime) -> None:
    """Each batch is one person's several reminders: one mail lists them, and each reminder's
    row points at it. Three statements whatever the number of people and reminders."""
    if not batches:
        return
    mails = [
        messages.reminder_list(
            batch[0].recipient, [r.item() for r in batch], f"{now:%Y%m%d%H%M%S}:{batch[0].dedup_key}"
        )
        for batch in batches
    ]
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Notification)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(Notification.dedup_key, Notification.id)
    )
    mail_ids = dict(db.session.execute(statement, [_mail_row(mail, now) for mail in mails]).all())
    table = Notification.__table__
    db.session.connection().execute(
        sa.update(table).where(table.c.dedup_key == sa.bindparam("key")).values(bundle_id=sa.bindparam("bundle")),
        [
            {"key": reminder.dedup_key, "bundle": mail_ids[mail.dedup_key]}
            for mail, batch in zip(mails, batches, strict=True)
            if mail.dedup_key in mail_ids
            for reminder in batch
        ],
    )


def _mail_row(message: Message, now: datetime) -> dict[str, Any]:
    """The outbox row of ``message``, due at ``now``."""
    return {
        "kind": message.kind.value,
        "dedup_key": message.dedup_key,
        "task_id": message.task_id,
        "recipient_id": message.recipient.id,
        "recipient_email": message.recipient.email,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _known_keys(keys: list[str]) -> set[str]:
    """Which of ``keys`` are in the outbox already, in one query whatever their number (the keys
    go as one array, or one JSON text on SQLite, not as thousands of parameters)."""
    if db.session.get_bind().dialect.name == "postgresql":
        wanted = Notification.dedup_key == sa.func.any(sa.literal(keys, type_=postgresql.ARRAY(sa.String)))
    else:
        listed = sa.select(sa.column("value", sa.String)).select_from(sa.func.json_each(json.dumps(keys)))
        wanted = Notification.dedup_key.in_(listed)
    return set(db.session.scalars(sa.select(Notification.dedup_key).where(wanted)))


def _reminder_row(reminder: Reminder, message: Message | None, now: datetime) -> dict[str, Any]:
    item = reminder.item()
    return {
        "kind": reminder.kind.value,
        "dedup_key": reminder.dedup_key,
        "task_id": reminder.task.id,
        "recipient_id": reminder.recipient.id,
        "recipient_email": reminder.recipient.email,
        # Until it is sent, in its list or alone, the row says in a line what it is about.
        "subject": message.subject if message else item.line[:300],
        "body_text": message.body_text if message else "",
        "body_html": message.body_html if message else "",
        "status": NotificationStatus.HELD if message else NotificationStatus.BUNDLED,
        "attempts": 0,
        "next_attempt_at": None,
        "created_at": now,
    }


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
