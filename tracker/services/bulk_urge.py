"""催办 in bulk: one message to many tasks at once, each still its own 催办.

Every task goes through :func:`workflow.urge`, so each is recorded on its own (its 催办记录 and
its timeline show it) and is still urged at most once a day; a task that cannot be urged (closed,
not yet assigned) is skipped with the reason, and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Task, User
from tracker.policy import Action, can
from tracker.services import task_query, workflow
from tracker.services.workdays import WorkCalendar

# The most tasks one bulk 催办 reaches: a province's overdue list is urged department by department.
BULK_URGE_LIMIT = 500


@dataclass
class UrgeSummary:
    """What a bulk 催办 did: tasks urged (with the mails queued), tasks already urged today, and
    tasks skipped with the reason."""

    urged: list[Task] = field(default_factory=list)
    mails: int = 0
    already_today: list[Task] = field(default_factory=list)
    skipped: list[tuple[Task, str]] = field(default_factory=list)


def tasks_to_urge(
    actor: User, task_ids: list[int], wanted: task_query.TaskFilter | None, today: date, calendar: WorkCalendar
) -> list[Task]:
    """The tasks a bulk 催办 is for: those picked (``task_ids``), or every task the list shows
    under ``wanted``; only tasks ``actor`` may see, at most BULK_URGE_LIMIT, in the list's order."""
    if wanted is not None:
        task_ids = task_query.matching_ids(actor, wanted, today, calendar, BULK_URGE_LIMIT)
    wanted_ids = list(dict.fromkeys(task_ids))[:BULK_URGE_LIMIT]
    found = {task.id: task for task in db.session.scalars(sa.select(Task).where(Task.id.in_(wanted_ids)))}
    return [found[i] for i in wanted_ids if i in found and can(actor, Action.VIEW_TASK, found[i])]


def urge_tasks(tasks: list[Task], actor: User, message: str, today: date, now: datetime) -> UrgeSummary:
    """催办 each of ``tasks`` with ``message`` (the caller checked that ``actor`` may 催办); a
    refusal skips that task only."""
    summary = UrgeSummary()
    for task in tasks:
        try:
            with db.session.begin_nested():
                queued = workflow.urge(task, actor, message, today, now)
        except workflow.WorkflowError as refusal:
            summary.skipped.append((task, str(refusal)))
            continue
        if queued:
            summary.urged.append(task)
            summary.mails += queued
        else:
            summary.already_today.append(task)
    return summary
