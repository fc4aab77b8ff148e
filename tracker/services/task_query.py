"""The task list's query: filters, search, sorting and paging, shared by the list page and its exports.

Everything is decided in SQL, so a page costs the same few queries with 100 tasks or 100,000:
the traffic light is compared through the dates in :class:`deadlines.Thresholds`, and the search
finds any substring of titles, descriptions and progress updates through the search index
(:mod:`tracker.services.search`; Chinese has no spaces to split words on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from tracker.extensions import db
from tracker.models import Department, ItemKind, Task, TaskState, User
from tracker.policy import visible_tasks
from tracker.services import search
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
    """Title, description or a recent progress update contains ``text``, Latin letters in either
    case. Every kind of update counts, co-departments' 协办反馈 too: their words are about the
    task all the same."""
    return search.mentioning(text)


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


def matching_ids(user: User, wanted: TaskFilter, today: date, calendar: WorkCalendar, limit: int) -> list[int]:
    """The ids of every task the list shows under ``wanted`` (at most ``limit``, in its order)."""
    thresholds = Thresholds.on(today, calendar)
    query = sa.select(Task.id).where(condition(user, wanted, thresholds)).order_by(*ordering(wanted.sort, thresholds))
    return list(db.session.scalars(query.limit(limit)))


def _page_ids(user: User, wanted: TaskFilter, thresholds: Thresholds, page: int, total: int) -> list[int]:
    """The ids of one page, in order: sorting and skipping over narrow rows is much cheaper than
    over whole tasks. A page nearer the end than the start is read from the end, in the reverse
    order, and turned round: the database then keeps the few rows up to the page in a small heap
    instead of sorting every task, so the last page costs what the first does (a page in the
    middle costs the most)."""
    order = ordering(wanted.sort, thresholds)
    skip = (page - 1) * PER_PAGE
    after = total - skip - PER_PAGE  # rows after this page
    query = sa.select(Task.id).where(condition(user, wanted, thresholds))
    if after >= skip:
        return list(db.session.scalars(query.order_by(*order).limit(PER_PAGE).offset(skip)))
    backwards = query.order_by(*(_reversed(term) for term in order)).offset(max(after, 0))
    return list(db.session.scalars(backwards.limit(min(PER_PAGE, total - skip))))[::-1]


def _reversed(term: Any) -> Any:
    """An ORDER BY term the other way round. Every ordering ends with the id, and each database
    puts NULLs at the same end for ASC as at the other for DESC, so the reversed order is exactly
    the order read backwards."""
    if isinstance(term, UnaryExpression) and term.modifier is operators.desc_op:
        return term.element
    return sa.desc(term)


def page_of(user: User, wanted: TaskFilter, page: int, today: date, calendar: WorkCalendar) -> TaskPage:
    """One page of the list; a page past the end shows the last one."""
    thresholds = Thresholds.on(today, calendar)
    if wanted.search and page <= 1:
        # The rows of a search cost more than their count: the first page and the count come
        # from one statement, so the search index is read once.
        found = db.session.execute(
            sa.select(Task.id, sa.func.count().over())
            .where(condition(user, wanted, thresholds))
            .order_by(*ordering(wanted.sort, thresholds))
            .limit(PER_PAGE)
        ).all()
        ids = [task_id for task_id, _total in found]
        total = found[0][1] if found else 0
        page = 1
    else:
        total = count(user, wanted, thresholds)
        page = min(max(page, 1), max(1, -(-total // PER_PAGE)))
        ids = _page_ids(user, wanted, thresholds, page, total)
    loaded = {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(ids)).options(*TASK_LOADING))}
    tasks = [loaded[i] for i in ids]
    return TaskPage(tasks, standings(tasks, today, calendar), total, page, PER_PAGE)
