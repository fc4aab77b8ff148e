"""The figures of the monitoring dashboard and the 通报 (progress bulletin), computed in SQL.

Every figure covers the top-level tasks the user may see; milestones count through their parent.
Cancelled tasks (已撤销) are left out of every figure. Figures are taken "as of" a date, so a
bulletin for an earlier day counts a task closed later as still open on that day:

- 已办结 done: verified (销号) on or before the date;
- 已逾期 overdue: not done by the date, not on hold, and its deadline before the date;
- 办结率: done ÷ tasks;
- 按期办结率: done on or before the deadline ÷ (done + overdue), the tasks that came due or were closed;
- 一次办结率: done without ever being sent back (退办) ÷ done;
- 延期次数: approved extensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import OPEN_STATES, AuditEvent, Department, SourceReport, Task, TaskState, User
from tracker.policy import visible_tasks
from tracker.services.deadlines import Thresholds, due_soon_until
from tracker.services.task_query import TASK_LOADING
from tracker.services.workdays import WorkCalendar

LIST_LIMIT = 20  # rows of the overdue and due-soon lists; the full lists are a link away
ACTIVITY_LIMIT = 15
CHART_MONTHS = 12


@dataclass
class Tally:
    """Counts of one group of tasks (a department, a report, or all), as of a date."""

    tasks: int = 0
    done: int = 0
    overdue: int = 0
    done_on_time: int = 0
    done_first_time: int = 0
    extensions: int = 0
    percent_sum: int = 0
    last_update: datetime | None = None

    @property
    def completion_rate(self) -> float | None:
        return self.done / self.tasks if self.tasks else None

    @property
    def on_time_rate(self) -> float | None:
        due = self.done + self.overdue
        return self.done_on_time / due if due else None

    @property
    def first_time_rate(self) -> float | None:
        return self.done_first_time / self.done if self.done else None

    @property
    def average_percent(self) -> float | None:
        return self.percent_sum / self.tasks if self.tasks else None


@dataclass
class Group:
    id: int | None
    name: str
    tally: Tally


# The columns a department table can be ranked by, with the value each ranks on (None last).
DEPARTMENT_SORTS: dict[str, Any] = {
    "name": lambda g: g.name,
    "tasks": lambda g: g.tally.tasks,
    "done": lambda g: g.tally.done,
    "overdue": lambda g: g.tally.overdue,
    "completion": lambda g: g.tally.completion_rate,
    "on_time": lambda g: g.tally.on_time_rate,
    "first_time": lambda g: g.tally.first_time_rate,
    "extensions": lambda g: g.tally.extensions,
    "last_update": lambda g: g.tally.last_update,
}


def rank(groups: list[Group], by: str, descending: bool = True) -> list[Group]:
    """The groups ordered by one column; groups without a value (no tasks due yet) come last."""
    value = DEPARTMENT_SORTS.get(by, DEPARTMENT_SORTS["overdue"])
    present = [g for g in groups if value(g) is not None]
    absent = [g for g in groups if value(g) is None]
    present.sort(key=lambda g: g.name)
    present.sort(key=value, reverse=descending)  # stable: ties stay in name order
    return present + sorted(absent, key=lambda g: g.name)


@dataclass
class Overview:
    as_of: date
    total: Tally
    by_state: dict[TaskState, int]
    by_light: dict[str, int]
    departments: list[Group]
    reports: list[Group]
    monthly_done: list[tuple[date, int]]  # (first day of month, tasks closed that month), oldest first


def _scope(user: User) -> ColumnElement[bool]:
    return sa.and_(visible_tasks(user), Task.parent_id.is_(None), Task.state != TaskState.CANCELLED)


def _number(condition: ColumnElement[bool]) -> Any:
    """How many rows of the group meet ``condition``."""
    return sa.func.count().filter(condition)


# The columns of a tally, in the order of Tally's fields; last_update is the latest, the rest add up.
TALLY_FIGURES = ("tasks", "done", "overdue", "done_on_time", "done_first_time", "extensions", "percent_sum")


def _tally_columns(as_of: date) -> list[Any]:
    done = sa.and_(Task.state == TaskState.DONE, Task.completed_on <= as_of)
    open_then = sa.or_(Task.state.in_(OPEN_STATES), sa.and_(Task.state == TaskState.DONE, Task.completed_on > as_of))
    overdue = sa.and_(open_then, Task.deadline < as_of)
    on_time = sa.and_(done, sa.or_(Task.deadline.is_(None), Task.completed_on <= Task.deadline))
    first_time = sa.and_(done, Task.sent_back_count == 0)

    figures = [
        sa.func.count(),
        _number(done),
        _number(overdue),
        _number(on_time),
        _number(first_time),
        sa.func.coalesce(sa.func.sum(Task.extension_count), 0),
        sa.func.coalesce(sa.func.sum(Task.percent_done), 0),
    ]
    return [
        *(f.label(name) for f, name in zip(figures, TALLY_FIGURES, strict=True)),
        sa.func.max(Task.last_progress_at).label("last_update"),
    ]


def overview(user: User, as_of: date, calendar: WorkCalendar, *, lights_on: date | None = None) -> Overview:
    """The dashboard's figures for ``user`` as of ``as_of``, in two queries whatever the number of
    tasks: one pass over the tasks grouped by department and report (states and lights counted
    in the same pass), folded in the same statement into a row per department, a row per report
    and one for all, names joined; then the monthly closures. States and lights are today's
    (``lights_on``, default ``as_of``)."""
    thresholds = Thresholds.on(lights_on or as_of, calendar)
    counted_states = [state for state in TaskState if state != TaskState.CANCELLED]
    lights = ("red", "yellow")
    # About 10 rows per department (one per report it has tasks from): refolding them costs
    # nothing next to the pass over the tasks, which both databases make once.
    parts = (
        sa.select(
            Task.lead_department_id.label("department_id"),
            Task.report_id,
            *_tally_columns(as_of),
            *(_number(Task.state == state).label(f"state_{state.value}") for state in counted_states),
            *(_number(thresholds.light_is(light)).label(light) for light in lights),
        )
        .where(_scope(user))
        .group_by(Task.lead_department_id, Task.report_id)
        .cte("parts")
    )
    counts = [*TALLY_FIGURES, *(f"state_{state.value}" for state in counted_states), *lights]

    def folded(grouping: str, key: Any, name: Any) -> sa.Select[Any]:
        return sa.select(
            sa.literal(grouping).label("grouping"),
            key.label("id"),
            name.label("name"),
            # As integers: PostgreSQL sums bigints as numeric, which the driver reads slowly as Decimal.
            *(sa.cast(sa.func.sum(parts.c[column]), sa.BigInteger).label(column) for column in counts),
            sa.func.max(parts.c.last_update).label("last_update"),
        )

    by_department = (
        folded("department", parts.c.department_id, Department.name)
        .select_from(parts.outerjoin(Department, Department.id == parts.c.department_id))
        .group_by(parts.c.department_id, Department.name)
    )
    by_report = (
        folded("report", parts.c.report_id, SourceReport.title)
        .select_from(parts.outerjoin(SourceReport, SourceReport.id == parts.c.report_id))
        .group_by(parts.c.report_id, SourceReport.title)
    )
    overall = folded("total", sa.null(), sa.null()).select_from(parts)  # one row, of NULLs when no task
    total = Tally()
    by_state = dict.fromkeys(counted_states, 0)
    by_light = dict.fromkeys(("red", "yellow", "green", "grey"), 0)
    groups: dict[str, list[Group]] = {"department": [], "report": []}
    for row in db.session.execute(sa.union_all(by_department, by_report, overall)).mappings():
        tally = Tally(*(int(row[name] or 0) for name in TALLY_FIGURES), last_update=row["last_update"])
        if row["grouping"] != "total":
            groups[row["grouping"]].append(Group(row["id"], row["name"] or "", tally))
            continue
        total = tally
        by_state = {state: int(row[f"state_{state.value}"] or 0) for state in counted_states}
        still_open = sum(number for state, number in by_state.items() if state in OPEN_STATES)
        red, yellow = (int(row[light] or 0) for light in lights)
        by_light = {"red": red, "yellow": yellow, "green": still_open - red - yellow, "grey": total.tasks - still_open}
    return Overview(
        as_of=as_of,
        total=total,
        by_state=by_state,
        by_light=by_light,
        departments=groups["department"],
        reports=groups["report"],
        monthly_done=_monthly_done(user, as_of),
    )


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _monthly_done(user: User, as_of: date) -> list[tuple[date, int]]:
    """Tasks closed in each of the last CHART_MONTHS months up to ``as_of`` (one query, at most
    one row per day)."""
    first = _month_start(as_of, CHART_MONTHS - 1)
    rows = db.session.execute(
        sa.select(Task.completed_on, sa.func.count())
        .where(_scope(user), Task.state == TaskState.DONE, Task.completed_on >= first, Task.completed_on <= as_of)
        .group_by(Task.completed_on)
    )
    months = {_month_start(as_of, back): 0 for back in range(CHART_MONTHS - 1, -1, -1)}
    for day, number in rows:
        months[_month_start(day)] += number
    return list(months.items())


def overdue_tasks(user: User, as_of: date, limit: int = LIST_LIMIT) -> list[Task]:
    """Tasks still open as of ``as_of`` with the deadline before it, the longest overdue first."""
    [overdue] = _loaded(_overdue_ids(user, as_of, limit))
    return overdue


def watch_lists(user: User, today: date, calendar: WorkCalendar, workdays: int) -> tuple[list[Task], list[Task]]:
    """The dashboard's two lists, their tasks loaded together: the overdue (as
    :func:`overdue_tasks`), and the open tasks due from today up to ``workdays`` working days
    ahead, the nearest first."""
    overdue, due_soon = _loaded(_overdue_ids(user, today, LIST_LIMIT), _due_soon_ids(user, today, calendar, workdays))
    return overdue, due_soon


def _loaded(*id_lists: list[int]) -> list[list[Task]]:
    """The tasks of each list of ids, in its order, read in one query (and one per relation)."""
    wanted = [task_id for ids in id_lists for task_id in ids]
    found = (
        {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(wanted)).options(*TASK_LOADING))}
        if wanted
        else {}
    )
    return [[found[task_id] for task_id in ids] for ids in id_lists]


def _overdue_ids(user: User, as_of: date, limit: int) -> list[int]:
    """Two ordered look-ups merged, each down its own index: the open tasks by deadline, and the
    few closed after ``as_of`` (for a bulletin of an earlier day). One condition with both would
    walk the deadline index past every task closed long ago."""
    late = sa.and_(_scope(user), Task.deadline < as_of)
    first = sa.union_all(
        *(
            sa.select(Task.id, Task.deadline)
            .where(late, condition)
            .order_by(Task.deadline, Task.id)
            .limit(limit)
            .subquery()
            .select()
            for condition in (
                Task.state.in_(OPEN_STATES),
                sa.and_(Task.state == TaskState.DONE, Task.completed_on > as_of),
            )
        )
    ).subquery()
    return list(db.session.scalars(sa.select(first.c.id).order_by(first.c.deadline, first.c.id).limit(limit)))


def _due_soon_ids(user: User, today: date, calendar: WorkCalendar, workdays: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Task.id)
            .where(
                _scope(user),
                Task.state.in_(OPEN_STATES),
                Task.deadline >= today,
                Task.deadline <= due_soon_until(today, calendar, workdays),
            )
            .order_by(Task.deadline, Task.id)
            .limit(LIST_LIMIT)
        )
    )


@dataclass
class Activity:
    event: AuditEvent
    actor: User | None
    task: Task


def recent_activity(user: User, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """The latest audit events on tasks the user may see, newest first (two queries)."""
    rows = db.session.execute(
        sa.select(AuditEvent, User, Task)
        .join(Task, sa.and_(AuditEvent.object_type == "task", Task.id == AuditEvent.object_id))
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(visible_tasks(user))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
        .options(selectinload(Task.lead_department))
    ).all()
    return [Activity(event, actor, task) for event, actor, task in rows]
