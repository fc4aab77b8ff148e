"""Where a task stands against its deadline. Overdue is derived, never stored."""

from __future__ import annotations

from datetime import date

from tracker.models import OPEN_STATES, Task

DUE_SOON_DAYS = 7


def is_overdue(task: Task, today: date) -> bool:
    return task.deadline is not None and task.state in OPEN_STATES and task.deadline < today


def days_left(task: Task, today: date) -> int | None:
    """Calendar days until the deadline (negative when past); None without a deadline."""
    return None if task.deadline is None else (task.deadline - today).days


def light(task: Task, today: date) -> str:
    """Traffic light: red when overdue, yellow when due soon, green otherwise; grey when closed."""
    if task.state not in OPEN_STATES:
        return "grey"
    if is_overdue(task, today):
        return "red"
    left = days_left(task, today)
    if left is not None and left <= DUE_SOON_DAYS:
        return "yellow"
    return "green"
