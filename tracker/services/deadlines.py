"""Where a task stands against its deadline, in working days: the one home of "overdue", "due
soon", "no progress for N days" and "late to acknowledge", for the light, the lists, the queues
and the reminders alike. Overdue is derived, never stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from tracker.clock import local_date, local_zone
from tracker.models import OPEN_STATES, Task
from tracker.services.workdays import WorkCalendar

LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2, "grey": 3}


@dataclass(frozen=True)
class Standing:
    light: str  # red, yellow, green; grey for closed tasks
    workdays_left: int | None  # "剩余N个工作日"; negative when overdue; None without a deadline
    overdue: bool
    stale: bool
    last_update: datetime | None
    stale_after: int  # the policy's "no progress for N days" this standing was judged by
    due_soon_within: int  # the policy's "due soon" (working days) it was judged by

    @property
    def due_soon(self) -> bool:
        """Open, not overdue, and the policy's due-soon working days or fewer left."""
        return (
            self.light != "grey"
            and not self.overdue
            and self.workdays_left is not None
            and self.workdays_left <= self.due_soon_within
        )

    @property
    def workdays_late(self) -> int | None:
        """How many working days past its deadline an overdue task is (0 on the rest days right
        after a deadline); None when it is not overdue. Pages, the ledger and mails say this."""
        return -self.workdays_left if self.overdue and self.workdays_left is not None else None


def stale_after_days() -> int:
    """The reminder rules' "no progress for N days" (30 unless the legal office changed it)."""
    return _policy("stale_after_days")


def due_soon_workdays() -> int:
    """The reminder rules' "due soon": this many working days or fewer left (5 unless changed)."""
    return _policy("due_soon_workdays")


def acknowledge_within_workdays() -> int:
    """The reminder rules' time to acknowledge (签收) an assignment, in working days, before it
    is chased (催签) and listed for the legal office (2 unless changed)."""
    return _policy("acknowledge_within_workdays")


def _policy(key: str) -> int:
    from tracker.services.mail.reminder_rules import load_rules

    return int(load_rules()[key])


def quiet_since(task: Task, last_update: datetime | None) -> datetime | None:
    """Since when the lead department has said nothing: its last progress, else the 签收, else
    the task's creation."""
    return last_update or task.acknowledged_at or task.created_at


def quiet_days(since: datetime, today: date, zone: tzinfo | None = None) -> int:
    """Whole calendar days, in the office's time zone (``zone``, when the caller read it once
    for many), from ``since`` to ``today``."""
    return (today - local_date(since, zone)).days


def is_stale(since: datetime | None, today: date, after_days: int) -> bool:
    return since is not None and quiet_days(since, today) >= after_days


def is_overdue(deadline: date | None, today: date) -> bool:
    return deadline is not None and deadline < today


def standing(
    task: Task,
    today: date,
    calendar: WorkCalendar,
    last_update: datetime | None,
    stale_after: int,
    due_soon_within: int,
) -> Standing:
    """Red when overdue; yellow when due within the policy's ``due_soon_workdays`` working days
    or quiet for its ``stale_after_days``; green otherwise; grey when closed, on hold or cancelled."""
    left = calendar.workdays_until(today, task.deadline) if task.deadline is not None else None
    is_open = task.state in OPEN_STATES
    overdue = is_open and is_overdue(task.deadline, today)
    stale = is_open and is_stale(quiet_since(task, last_update), today, stale_after)
    if not is_open:
        light = "grey"
    elif overdue:
        light = "red"
    elif (left is not None and left <= due_soon_within) or stale:
        light = "yellow"
    else:
        light = "green"
    return Standing(light, left, overdue, stale, last_update, stale_after, due_soon_within)


def standings(tasks: Sequence[Task], today: date, calendar: WorkCalendar | None = None) -> dict[int, Standing]:
    """Standing of every task, keyed by id; no query beyond loading the calendar when not given."""
    calendar = calendar or WorkCalendar.load()
    stale_after, due_soon_within = stale_after_days(), due_soon_workdays()
    return {t.id: standing(t, today, calendar, t.last_progress_at, stale_after, due_soon_within) for t in tasks}


@dataclass(frozen=True)
class Thresholds:
    """The dates that decide the light on ``today``, so SQL can filter and count by colour with
    the same rules as :func:`standing`."""

    today: date
    due_soon_until: date  # a deadline on or before this day is due soon (the policy's working days)
    stale_before: datetime  # quiet since before this instant means stale

    @classmethod
    def on(cls, today: date, calendar: WorkCalendar) -> Thresholds:
        return cls(today, due_soon_until(today, calendar, due_soon_workdays()), stale_before(today, stale_after_days()))

    def overdue(self) -> ColumnElement[bool]:
        return sa.and_(Task.state.in_(OPEN_STATES), Task.deadline < self.today)

    @staticmethod
    def quiet_since() -> ColumnElement[datetime]:
        """:func:`quiet_since` in SQL."""
        return sa.func.coalesce(Task.last_progress_at, Task.acknowledged_at, Task.created_at)

    def light(self) -> ColumnElement[str]:
        """The light as a SQL CASE: 'red', 'yellow', 'green' or 'grey', as :func:`standing` says."""
        return self._case(*LIGHT_ORDER)

    def urgency(self) -> ColumnElement[int]:
        """The light's rank (red 0 … grey 3) as a SQL CASE, to sort by."""
        return self._case(*LIGHT_ORDER.values())

    def _case(self, red: Any, yellow: Any, green: Any, grey: Any) -> ColumnElement[Any]:
        since = self.quiet_since()
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
        since = self.quiet_since()
        not_red = sa.or_(Task.deadline.is_(None), Task.deadline >= self.today)
        warning = sa.or_(Task.deadline <= self.due_soon_until, since < self.stale_before)
        if light == "yellow":
            return sa.and_(is_open, not_red, warning)
        return sa.and_(is_open, not_red, sa.not_(sa.func.coalesce(warning, False)))


def due_soon_until(today: date, calendar: WorkCalendar, workdays: int) -> date:
    """The last deadline that leaves at most ``workdays`` working days after ``today``."""
    return calendar.add_workdays(today, workdays + 1) - timedelta(days=1)


def stale_before(today: date, after_days: int) -> datetime:
    """:func:`is_stale` for SQL: quiet since before this instant (local midnight) means stale."""
    return datetime.combine(today - timedelta(days=after_days - 1), time(0), local_zone()).astimezone(UTC)


def acknowledgement_late(assigned_at: datetime, today: date, calendar: WorkCalendar, within: int) -> bool:
    """Whether an assignment made at ``assigned_at`` and not yet acknowledged is late (催签):
    ``within`` working days (:func:`acknowledge_within_workdays`) have passed."""
    return today > calendar.add_workdays(local_date(assigned_at), within)


def late_acknowledgement_before(today: date, calendar: WorkCalendar) -> datetime:
    """:func:`acknowledgement_late` for SQL: an assignment made before this instant is late today."""
    day, within = today, acknowledge_within_workdays()
    # The latest day whose acknowledgement is late today (add_workdays never goes backwards).
    while not acknowledgement_late(datetime.combine(day, time(12), local_zone()), today, calendar, within):
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), local_zone()).astimezone(UTC)


def by_urgency(tasks: Sequence[Task], standing_of: dict[int, Standing]) -> list[Task]:
    """Red first, then yellow, green, closed; within a colour, the nearest deadline first."""
    return sorted(
        tasks,
        key=lambda t: (LIGHT_ORDER[standing_of[t.id].light], t.deadline is None, t.deadline or date.max, t.id),
    )
