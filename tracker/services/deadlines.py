"""Where a task stands against its deadline, in working days. Overdue is derived, never stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import OPEN_STATES, ProgressUpdate, Task
from tracker.services.workdays import WorkCalendar

DUE_SOON_WORKDAYS = 5  # yellow when this many working days or fewer remain
STALE_DAYS = 30  # yellow when no progress was reported for longer than this

LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2, "grey": 3}


@dataclass(frozen=True)
class Standing:
    light: str  # red, yellow, green; grey for closed tasks
    workdays_left: int | None  # "剩余N个工作日"; negative when overdue; None without a deadline
    overdue: bool
    stale: bool
    last_update: datetime | None


def standing(task: Task, today: date, calendar: WorkCalendar, last_update: datetime | None) -> Standing:
    """Red when overdue; yellow when due within DUE_SOON_WORKDAYS working days or quiet for more
    than STALE_DAYS days; green otherwise; grey when the task is closed, on hold or cancelled."""
    left = calendar.workdays_until(today, task.deadline) if task.deadline is not None else None
    is_open = task.state in OPEN_STATES
    overdue = is_open and task.deadline is not None and task.deadline < today
    since = last_update or task.acknowledged_at or task.created_at
    stale = is_open and since is not None and (today - since.date()).days > STALE_DAYS
    if not is_open:
        light = "grey"
    elif overdue:
        light = "red"
    elif (left is not None and left <= DUE_SOON_WORKDAYS) or stale:
        light = "yellow"
    else:
        light = "green"
    return Standing(light, left, overdue, stale, last_update)


def last_updates(task_ids: Sequence[int]) -> dict[int, datetime]:
    """The time of each task's latest progress update, in one query."""
    if not task_ids:
        return {}
    rows = db.session.execute(
        sa.select(ProgressUpdate.task_id, sa.func.max(ProgressUpdate.created_at))
        .where(ProgressUpdate.task_id.in_(task_ids))
        .group_by(ProgressUpdate.task_id)
    )
    return {task_id: latest for task_id, latest in rows}  # max() keeps the column's UTC type


def standings(tasks: Sequence[Task], today: date, calendar: WorkCalendar | None = None) -> dict[int, Standing]:
    """Standing of every task, keyed by id, with two queries whatever the number of tasks."""
    calendar = calendar or WorkCalendar.load()
    latest = last_updates([t.id for t in tasks])
    return {t.id: standing(t, today, calendar, latest.get(t.id)) for t in tasks}


def by_urgency(tasks: Sequence[Task], standing_of: dict[int, Standing]) -> list[Task]:
    """Red first, then yellow, green, closed; within a colour, the nearest deadline first."""
    return sorted(
        tasks,
        key=lambda t: (LIGHT_ORDER[standing_of[t.id].light], t.deadline is None, t.deadline or date.max, t.id),
    )
