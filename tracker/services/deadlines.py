"""Where a task stands against its deadline, in working days. Overdue is derived, never stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from tracker.models import OPEN_STATES, Task
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


def standings(tasks: Sequence[Task], today: date, calendar: WorkCalendar | None = None) -> dict[int, Standing]:
    """Standing of every task, keyed by id; no query beyond loading the calendar when not given."""
    calendar = calendar or WorkCalendar.load()
    return {t.id: standing(t, today, calendar, t.last_progress_at) for t in tasks}


@dataclass(frozen=True)
class Thresholds:
    """The dates that decide the light on ``today``, so SQL can filter and count by colour with
    the same rules as :func:`standing`."""

    today: date
    due_soon_until: date  # a deadline on or before this day has <= DUE_SOON_WORKDAYS working days left
    stale_before: datetime  # quiet since before this instant means stale

    @classmethod
    def on(cls, today: date, calendar: WorkCalendar) -> Thresholds:
        due_soon_until = calendar.add_workdays(today, DUE_SOON_WORKDAYS + 1) - timedelta(days=1)
        # standing(): (today - since.date()).days > STALE_DAYS, i.e. since.date() < today - STALE_DAYS
        stale_before = datetime.combine(today - timedelta(days=STALE_DAYS), time(0), UTC)
        return cls(today, due_soon_until, stale_before)

    def overdue(self) -> ColumnElement[bool]:
        return sa.and_(Task.state.in_(OPEN_STATES), Task.deadline < self.today)

    def light(self) -> ColumnElement[str]:
        """The light as a SQL CASE: 'red', 'yellow', 'green' or 'grey', as :func:`standing` says."""
        return self._case(*LIGHT_ORDER)

    def urgency(self) -> ColumnElement[int]:
        """The light's rank (red 0 … grey 3) as a SQL CASE, to sort by."""
        return self._case(*LIGHT_ORDER.values())

    def _case(self, red: Any, yellow: Any, green: Any, grey: Any) -> ColumnElement[Any]:
        since = sa.func.coalesce(Task.last_progress_at, Task.acknowledged_at, Task.created_at)
        return sa.case(
            (Task.state.not_in(OPEN_STATES), grey),
            (Task.deadline < self.today, red),
            (sa.or_(Task.deadline <= self.due_soon_until, since < self.stale_before), yellow),
            else_=green,
        )

    def light_is(self, light: str) -> ColumnElement[bool]:
        """The condition for one colour, written so that indexes on state and deadline can help."""
        is_open = Task.state.in_(OPEN_STATES)
        if light == "grey":
            return Task.state.not_in(OPEN_STATES)
        if light == "red":
            return self.overdue()
        since = sa.func.coalesce(Task.last_progress_at, Task.acknowledged_at, Task.created_at)
        not_red = sa.or_(Task.deadline.is_(None), Task.deadline >= self.today)
        warning = sa.or_(Task.deadline <= self.due_soon_until, since < self.stale_before)
        if light == "yellow":
            return sa.and_(is_open, not_red, warning)
        return sa.and_(is_open, not_red, sa.not_(sa.func.coalesce(warning, False)))


def by_urgency(tasks: Sequence[Task], standing_of: dict[int, Standing]) -> list[Task]:
    """Red first, then yellow, green, closed; within a colour, the nearest deadline first."""
    return sorted(
        tasks,
        key=lambda t: (LIGHT_ORDER[standing_of[t.id].light], t.deadline is None, t.deadline or date.max, t.id),
    )
