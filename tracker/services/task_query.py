"""The task list's query: filters, search, sorting and paging, shared by the list page and its exports.

Everything is decided in SQL, so a page costs the same few queries with 100 tasks or 100,000:
the traffic light is compared through the dates in :class:`deadlines.Thresholds`, and the search
looks into titles, descriptions and progress updates with a substring match (Chinese has no
spaces to split words on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import Department, ItemKind, ProgressUpdate, Task, TaskState, User
from tracker.policy import visible_tasks
from tracker.services.deadlines import LIGHT_ORDER, Standing, Thresholds, standings
from tracker.services.workdays import WorkCalendar

PER_PAGE = 50
MANUAL_KIND = "manual"  # tasks created by hand, not from a report item
KINDS = (ItemKind.MEASURE.value, ItemKind.SHORTCOMING.value, MANUAL_KIND)
LIGHTS = tuple(LIGHT_ORDER)
SORTS = ("urgency", "deadline", "-deadline", "title", "state", "department", "-updated", "-percent")

TASK_LOADING = (
    selectinload(Task.lead_department),
    selectinload(Task.co_departments),
    selectinload(Task.assignee),
    selectinload(Task.report_item),
)


@dataclass(frozen=True)
class TaskFilter:
    """What the list shows; every field None or empty means "no restriction"."""

    department_id: int | None = None  # the lead department (牵头单位)
    state: TaskState | None = None
    light: str | None = None  # one of LIGHTS
    report_id: int | None = None
    kind: str | None = None  # one of KINDS
    assignee_id: int | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None
    search: str = ""
    sort: str = "urgency"

    def query_args(self) -> dict[str, Any]:
        """The filter as query-string arguments (without defaults), so a view can be bookmarked."""
        args = {
            "department": self.department_id,
            "state": self.state.value if self.state else None,
            "light": self.light,
            "report": self.report_id,
            "kind": self.kind,
            "assignee": self.assignee_id,
            "deadline_from": self.deadline_from.isoformat() if self.deadline_from else None,
            "deadline_to": self.deadline_to.isoformat() if self.deadline_to else None,
            "q": self.search or None,
            "sort": self.sort if self.sort != "urgency" else None,
        }
        return {name: value for name, value in args.items() if value is not None}


@dataclass
class TaskPage:
    tasks: list[Task]
    standing_of: dict[int, Standing]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def condition(user: User, wanted: TaskFilter, thresholds: Thresholds) -> ColumnElement[bool]:
    """The SQL condition for the top-level tasks ``user`` may see that match ``wanted``."""
    parts: list[ColumnElement[bool]] = [visible_tasks(user), Task.parent_id.is_(None)]
    if wanted.department_id is not None:
        parts.append(Task.lead_department_id == wanted.department_id)
    if wanted.state is not None:
        parts.append(Task.state == wanted.state)
    if wanted.light is not None:
        parts.append(thresholds.light_is(wanted.light))
    if wanted.report_id is not None:
        parts.append(Task.report_id == wanted.report_id)
    if wanted.kind == MANUAL_KIND:
        parts.append(Task.kind.is_(None))
    elif wanted.kind is not None:
        parts.append(Task.kind == ItemKind(wanted.kind))
    if wanted.assignee_id is not None:
        parts.append(Task.assignee_id == wanted.assignee_id)
    if wanted.deadline_from is not None:
        parts.append(Task.deadline >= wanted.deadline_from)
    if wanted.deadline_to is not None:
        parts.append(Task.deadline <= wanted.deadline_to)
    if wanted.search:
        parts.append(_mentions(wanted.search))
    return sa.and_(*parts)


def _mentions(text: str) -> ColumnElement[bool]:
    """Title, description or any progress update contains ``text``; Latin letters match in either
    case. ILIKE is several times slower than LIKE on PostgreSQL, and a text without Latin letters
    (any Chinese search) has no case to ignore, so only such texts pay for it."""
    has_case = any(char.isascii() and char.isalpha() for char in text)

    def contains(column: Any) -> ColumnElement[bool]:
        return column.icontains(text, autoescape=True) if has_case else column.contains(text, autoescape=True)

    # IN, not a correlated EXISTS: under the OR, PostgreSQL then reads the updates once. Every
    # kind counts, co-departments' 协办反馈 too: their words are about the task all the same.
    in_progress = Task.id.in_(sa.select(ProgressUpdate.task_id).where(contains(ProgressUpdate.text)))
    return sa.or_(contains(Task.title), contains(Task.description), in_progress)


def ordering(sort: str, thresholds: Thresholds) -> list[Any]:
    """ORDER BY for a sort name; every ordering ends with the id, so pages never overlap."""
    deadline_last_when_missing = [Task.deadline.is_(None), Task.deadline]
    by_name: dict[str, list[Any]] = {
        "urgency": [thresholds.urgency(), *deadline_last_when_missing],
        "deadline": deadline_last_when_missing,
        "-deadline": [Task.deadline.is_(None), Task.deadline.desc()],
        "title": [Task.title],
        "state": [Task.state, *deadline_last_when_missing],
        "department": [
            sa.select(Department.name).where(Department.id == Task.lead_department_id).scalar_subquery(),
            *deadline_last_when_missing,
        ],
        "-updated": [Task.updated_at.desc()],
        "-percent": [Task.percent_done.desc(), *deadline_last_when_missing],
    }
    return [*by_name.get(sort, by_name["urgency"]), Task.id]


def count(user: User, wanted: TaskFilter, thresholds: Thresholds) -> int:
    # count(*), not count(id): PostgreSQL can then answer from the covering index alone.
    query = sa.select(sa.func.count()).select_from(Task).where(condition(user, wanted, thresholds))
    return db.session.scalar(query) or 0


def _page_ids(user: User, wanted: TaskFilter, thresholds: Thresholds, page: int) -> list[int]:
    """The ids of one page, in order: sorting and skipping over narrow rows is much cheaper than
    over whole tasks."""
    return list(
        db.session.scalars(
            sa.select(Task.id)
            .where(condition(user, wanted, thresholds))
            .order_by(*ordering(wanted.sort, thresholds))
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )


def page_of(user: User, wanted: TaskFilter, page: int, today: date, calendar: WorkCalendar) -> TaskPage:
    """One page of the list; a page past the end shows the last one."""
    thresholds = Thresholds.on(today, calendar)
    total = count(user, wanted, thresholds)
    page = min(max(page, 1), max(1, -(-total // PER_PAGE)))
    ids = _page_ids(user, wanted, thresholds, page)
    loaded = {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(ids)).options(*TASK_LOADING))}
    tasks = [loaded[i] for i in ids]
    return TaskPage(tasks, standings(tasks, today, calendar), total, page, PER_PAGE)
