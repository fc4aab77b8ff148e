"""One timeline of a task: its progress updates and its audit events, newest first; and the
co-departments' reports (协办反馈) among them, by department."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ListedReminder,
    Notification,
    OfflineUrge,
    ProgressUpdate,
    Task,
    UpdateKind,
    User,
)

# Events whose content the progress update itself shows.
SHOWN_AS_UPDATES = frozenset({"progress_recorded", "closure_submitted", "assist_reported"})


@dataclass
class Entry:
    at: datetime
    actor: User | None
    action: str  # an audit action, or the update's kind: "progress", "closure" or "assist"
    update: ProgressUpdate | None = None
    details: dict[str, Any] = field(default_factory=dict)


def task_timeline(task: Task) -> list[Entry]:
    """A fixed number of queries (the updates with their files, authors and departments; the
    events with their actors), whatever the history."""
    updates = db.session.scalars(
        sa.select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task.id)
        .options(
            selectinload(ProgressUpdate.attachments),
            selectinload(ProgressUpdate.author),
            selectinload(ProgressUpdate.department),
        )
    ).all()
    events = db.session.execute(
        sa.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "task", AuditEvent.object_id == task.id)
    ).all()
    entries = [Entry(u.created_at, u.author, u.kind.value, update=u) for u in updates]
    entries += [
        Entry(event.created_at, actor, event.action, details={"before": event.before or {}, "after": event.after or {}})
        for event, actor in events
        # A step the legal office took for a department keeps its own entry, with its note.
        if event.action not in SHOWN_AS_UPDATES or (event.after or {}).get("on_behalf")
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def co_department_reports(timeline: list[Entry]) -> list[tuple[str, list[ProgressUpdate]]]:
    """协办反馈: the co-departments' reports in ``timeline`` as (department name, reports newest
    first), by department name. Reads nothing more from the database."""
    by_department: dict[str, list[ProgressUpdate]] = defaultdict(list)
    for entry in timeline:
        update = entry.update
        if update is not None and update.kind == UpdateKind.ASSIST:
            name = update.department.name if update.department is not None else ""
            by_department[name].append(update)
    return sorted(by_department.items())


def urge_record(task: Task) -> list[Notification | ListedReminder | OfflineUrge]:
    """催办记录: every mail queued about the task (reminders, 催办, 催签…), every reminder a
    day list carried, and every 催办 logged by hand, newest first."""
    mails = db.session.scalars(sa.select(Notification).where(Notification.task_id == task.id)).all()
    listed = db.session.scalars(
        sa.select(ListedReminder).where(ListedReminder.task_id == task.id).options(selectinload(ListedReminder.list))
    ).all()
    offline = db.session.scalars(
        sa.select(OfflineUrge).where(OfflineUrge.task_id == task.id).options(selectinload(OfflineUrge.actor))
    ).all()

    def when(row: Notification | ListedReminder | OfflineUrge) -> datetime:
        return row.happened_at if isinstance(row, OfflineUrge) else row.created_at

    return sorted([*mails, *listed, *offline], key=when, reverse=True)
