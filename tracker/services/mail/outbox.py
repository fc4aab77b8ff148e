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

from tracker.database import json_table
from tracker.extensions import db
from tracker.models import ListedReminder, Notification, NotificationStatus, ReminderMode, Task, User
from tracker.models.types import UTCDateTime
from tracker.services.mail import messages
from tracker.services.mail.catalogue import DEADLINE_KINDS, goes_to_digest
from tracker.services.mail.messages import Message

if TYPE_CHECKING:
    from tracker.services.mail.planner import Reminder


def queue(messages: Iterable[Message], now: datetime) -> int:
    """Queue the messages in one statement; returns how many were new (a known ``dedup_key`` is
    skipped). A new digest marks the notifications it folds in as digested."""
    messages = list(messages)
    rows = []
    for message in messages:
        row = _mail_row(message)
        if goes_to_digest(message.kind, message.recipient.reminder_mode == ReminderMode.DIGEST):
            row["status"] = NotificationStatus.HELD.value
        rows.append(row)
    new = _insert(rows, now)
    folded = [n for message in messages if message.dedup_key in new for n in message.folds]
    if folded:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(folded), Notification.status == NotificationStatus.HELD)
            .values(status=NotificationStatus.DIGESTED)
            .execution_options(synchronize_session=False)
        )
    return len(new)


# Held while one planner plans and queues reminders (PostgreSQL): a second waits, then finds them known.
PLANNING_LOCK = 0x7472_6D64  # "trmd"


def lock_planning() -> None:
    """Wait for any other planner to commit, and keep them waiting until this transaction ends
    (PostgreSQL; SQLite lets one writer in at a time anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(PLANNING_LOCK)))


def queue_reminders(reminders: Sequence[Reminder], now: datetime, *, only_new: bool = False) -> int:
    """Queue the planned reminders as one mail per person: a person's only new reminder is that
    person's mail; several become one mail listing them, each recorded as a
    :class:`ListedReminder` of that list (its dedup key makes a repeat a no-op, and its task's
    催办记录 finds it); a digest user's digest-able kinds are held for the digest. A plan that
    finds nothing new costs one query; else a handful whatever the number. ``only_new``: the
    reminders were planned under :func:`lock_planning` as the ones the outbox lacked. Returns
    how many reminders were new."""
    if not reminders:
        return 0
    fresh = list(reminders)
    if not only_new:
        unknown = unknown_keys([r.dedup_key for r in fresh])
        if not unknown:
            return 0  # a plan that finds nothing new: the one query above
        lock_planning()
        if db.session.get_bind().dialect.name == "postgresql":
            unknown = unknown_keys([r.dedup_key for r in fresh])  # another may have queued some meanwhile
        fresh = [r for r in fresh if r.dedup_key in unknown]
    by_person: dict[int, list[Reminder]] = {}
    for reminder in fresh:
        if not reminder.held:
            by_person.setdefault(reminder.recipient.id, []).append(reminder)
    batches = [batch for batch in by_person.values() if len(batch) > 1]
    lists = [
        messages.reminder_list(
            batch[0].recipient, [r.item() for r in batch], f"{now:%Y%m%d%H%M%S}:{batch[0].dedup_key}"
        )
        for batch in batches
    ]
    list_ids = _insert([_mail_row(mail) for mail in lists], now)
    listed = [
        {
            "dedup_key": reminder.dedup_key,
            "kind": reminder.kind.value,
            "task_id": reminder.task.id,
            "recipient_id": reminder.recipient.id,
            "list_id": list_id,
        }
        for mail, batch in zip(lists, batches, strict=True)
        if (list_id := list_ids.get(mail.dedup_key)) is not None
        for reminder in batch
    ]
    alone = [
        _mail_row(reminder.message()) | ({"status": NotificationStatus.HELD.value} if reminder.held else {})
        for reminder in fresh
        if reminder.held or len(by_person[reminder.recipient.id]) == 1
    ]
    return _insert_counting(alone, now) + _insert_listed(listed, now)


def is_known(dedup_key: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """Whether a reminder or mail of this dedup key was queued: as an outbox row, or as a line of
    a day list."""
    return sa.or_(
        sa.select(Notification.id).where(Notification.dedup_key == dedup_key).exists(),
        sa.select(ListedReminder.dedup_key).where(ListedReminder.dedup_key == dedup_key).exists(),
    )


LISTED_COLUMNS: dict[str, Any] = {
    "dedup_key": sa.String,
    "kind": sa.String,
    "task_id": sa.Integer,
    "recipient_id": sa.Integer,
    "list_id": sa.Integer,
}


def _insert_listed(rows: list[dict[str, Any]], now: datetime) -> int:
    """Record the reminders the day lists carried, in one statement; returns how many were new."""
    if not rows:
        return 0
    source = json_table(rows, LISTED_COLUMNS, "source")
    chosen = sa.select(*source.c, sa.literal(now, UTCDateTime)).where(sa.true())  # WHERE true: as below
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ListedReminder)
        .from_select([*LISTED_COLUMNS, "created_at"], chosen)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
    )
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


# What a queued row says; the rest (attempts, times) follows from its status and the moment.
ROW_COLUMNS: dict[str, Any] = {
    "kind": sa.String,
    "dedup_key": sa.String,
    "task_id": sa.Integer,
    "recipient_id": sa.Integer,
    "recipient_email": sa.String,
    "subject": sa.String,
    "body_text": sa.Text,
    "body_html": sa.Text,
    "status": sa.String,
}


def _insert(rows: list[dict[str, Any]], now: datetime) -> dict[str, int]:
    """Insert the rows of :data:`ROW_COLUMNS` in one statement, skipping known dedup keys;
    returns the new rows' ids by dedup key. Pending rows are due at ``now``."""
    if not rows:
        return {}
    statement = _insert_statement(rows, now).returning(Notification.dedup_key, Notification.id)
    return dict(db.session.execute(statement).tuples().all())


def _insert_counting(rows: list[dict[str, Any]], now: datetime) -> int:
    """:func:`_insert` when only the number of new rows matters (no ids sent back)."""
    if not rows:
        return 0
    return db.session.execute(_insert_statement(rows, now).execution_options(preserve_rowcount=True)).rowcount


def _insert_statement(rows: list[dict[str, Any]], now: datetime) -> Any:
    source = json_table(rows, ROW_COLUMNS, "source")
    moment = sa.literal(now, UTCDateTime)
    due = sa.case((source.c.status == NotificationStatus.PENDING.value, moment))
    # WHERE true: SQLite reads "INSERT … SELECT … ON CONFLICT" as a join's ON without it.
    chosen = sa.select(*source.c, sa.literal(0), moment, due).where(sa.true())
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return (
        insert(Notification)
        .from_select([*ROW_COLUMNS, "attempts", "created_at", "next_attempt_at"], chosen)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
    )


def _mail_row(message: Message) -> dict[str, Any]:
    """The outbox row of ``message``, due when queued."""
    return {
        "kind": message.kind.value,
        "dedup_key": message.dedup_key,
        "task_id": message.task_id,
        "recipient_id": message.recipient.id,
        "recipient_email": message.recipient.email,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "status": NotificationStatus.PENDING.value,
    }


def unknown_keys(keys: list[str]) -> set[str]:
    """Which of ``keys`` are not in the outbox yet, in one query whatever their number (the keys
    go as one array, or one JSON text on SQLite, not as thousands of parameters; only the new
    ones come back, so a tick that finds nothing new reads nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        keys_array = sa.literal(keys, type_=postgresql.ARRAY(sa.String))
        asked = sa.func.unnest(keys_array).table_valued("value").render_derived(name="asked")
    else:
        asked = sa.func.json_each(json.dumps(keys)).table_valued("value")
    return set(db.session.scalars(sa.select(asked.c.value).where(~is_known(asked.c.value))))


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
            Notification.kind.in_([kind.value for kind in DEADLINE_KINDS]),
        )
        .values(status=NotificationStatus.CANCELLED, last_error="任务已改派或调整时限，提醒作废")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def search(
    *, status: str | None = None, kind: str | None = None, recipient: str | None = None, task: int | None = None
) -> sa.Select[tuple[Notification]]:
    """The outbox, newest first, narrowed to a status, a kind, a recipient (part of the address
    or of the person's name) and a task (its own mails and the day lists that carried it)."""
    query = sa.select(Notification)
    if status is not None:
        query = query.where(Notification.status == NotificationStatus(status))
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if recipient is not None:
        pattern = f"%{recipient}%"
        named = sa.select(User.id).where(User.name.ilike(pattern))
        query = query.where(sa.or_(Notification.recipient_email.ilike(pattern), Notification.recipient_id.in_(named)))
    if task is not None:
        lists = sa.select(ListedReminder.list_id).where(ListedReminder.task_id == task)
        query = query.where(sa.or_(Notification.task_id == task, Notification.id.in_(lists)))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def counts_by_status() -> dict[NotificationStatus, int]:
    rows = db.session.execute(sa.select(Notification.status, sa.func.count()).group_by(Notification.status))
    return {NotificationStatus(status): number for status, number in rows}
