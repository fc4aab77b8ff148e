"""我的待办: everything waiting on a person.

For the legal office (and the administrator), in groups, each with its count and oldest first:
closures to verify, extension requests, returned tasks, tasks not yet assigned, assignments not
acknowledged past the 催签 limit, and open tasks whose lead department has no active head (the
office must act for it). For a head: the open tasks the department leads (less those it returned)
and, once acknowledged, those it helps with, and tasks handed to them. For staff: the open tasks
handed to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import (
    OPEN_STATES,
    Assignment,
    ExtensionRequest,
    ExtensionStatus,
    Role,
    Task,
    TaskState,
    User,
    task_co_departments,
)
from tracker.policy import OFFICE_ROLES
from tracker.services import deadlines, staffing, task_query
from tracker.services.workdays import WorkCalendar

GROUP_LIMIT = 50  # tasks listed per group; the count says how many there are


@dataclass(frozen=True)
class QueueItem:
    task: Task
    since: datetime | None  # how long it has waited (for "oldest first")


@dataclass(frozen=True)
class QueueGroup:
    key: str
    title: str  # a message id
    count: int
    items: list[QueueItem]


@dataclass
class Queue:
    tasks: list[Task] = field(default_factory=list)  # a head's or a member of staff's open work
    office_groups: list[QueueGroup] | None = None  # the legal office's groups (None for anyone else)


def _pending_extension() -> sa.ColumnElement[bool]:
    return sa.exists().where(ExtensionRequest.task_id == Task.id, ExtensionRequest.status == ExtensionStatus.PENDING)


def _office_conditions(
    today: date, calendar: WorkCalendar
) -> list[tuple[str, str, sa.ColumnElement[bool], sa.ColumnElement[datetime]]]:
    """(key, title, condition, "waiting since" column) of each group of the legal office's queue."""
    is_open = Task.state.in_(OPEN_STATES)
    extension_since = (
        sa.select(sa.func.min(ExtensionRequest.created_at))
        .where(ExtensionRequest.task_id == Task.id, ExtensionRequest.status == ExtensionStatus.PENDING)
        .correlate(Task)
        .scalar_subquery()
    )
    return [
        ("closures", N_("待审核销号"), Task.state == TaskState.CLOSURE_PENDING, Task.last_progress_at),
        ("extensions", N_("待审批的延期申请"), sa.and_(is_open, _pending_extension()), extension_since),
        (
            "returned",
            N_("被退回、待重新交办"),
            sa.and_(is_open, Task.assignment == Assignment.RETURNED),
            Task.updated_at,
        ),
        (
            "unassigned",
            N_("尚未交办"),
            sa.and_(is_open, Task.parent_id.is_(None), Task.assignment == Assignment.UNASSIGNED),
            Task.created_at,
        ),
        (
            "unacknowledged",
            N_("交办后逾期未签收"),
            sa.and_(
                is_open,
                Task.assignment == Assignment.ASSIGNED,
                Task.assigned_at < deadlines.late_acknowledgement_before(today, calendar),
            ),
            Task.assigned_at,
        ),
        ("headless", N_("牵头单位无部门负责人，需代为办理"), staffing.led_without_head(), Task.created_at),
    ]


def office_groups(today: date, calendar: WorkCalendar | None = None) -> list[QueueGroup]:
    """The legal office's groups that hold anything, each oldest first."""
    calendar = calendar or WorkCalendar.load()
    groups: list[QueueGroup] = []
    for key, title, condition, since in _office_conditions(today, calendar):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(condition)) or 0
        if not count:
            continue
        waited = since.label("since")
        rows = db.session.execute(
            sa.select(Task, waited)
            .where(condition)
            .options(*task_query.TASK_LOADING)
            .order_by(waited.asc().nulls_first(), Task.id)
            .limit(GROUP_LIMIT)
        ).all()
        groups.append(QueueGroup(key, title, count, [QueueItem(task, moment) for task, moment in rows]))
    return groups


def office_count(today: date, calendar: WorkCalendar | None = None) -> int:
    """How many tasks wait on the legal office (each once, whatever its groups): the badge."""
    calendar = calendar or WorkCalendar.load()
    (_, _, closures, _), *others = _office_conditions(today, calendar)
    # The closures to verify, the largest group, are counted from an index alone; the others'
    # tasks not among them are deduplicated in a union, where each group finds its few tasks by
    # an index (one scan with their OR would read the whole table).
    waiting_else = sa.union(*(sa.select(Task.id).where(condition, sa.not_(closures)) for _, _, condition, _ in others))
    return db.session.scalar(
        sa.select(
            sa.select(sa.func.count()).select_from(Task).where(closures).scalar_subquery()
            + sa.select(sa.func.count()).select_from(waiting_else.subquery()).scalar_subquery()
        )
    )


def department_work(user: User) -> sa.ColumnElement[bool]:
    """SQL: the open tasks waiting on a head or a member of staff."""
    is_open = Task.state.in_(OPEN_STATES)
    mine = sa.or_(Task.assignee_id == user.id, Task.parent.has(Task.assignee_id == user.id))
    if user.role != Role.HEAD or user.department_id is None:
        return sa.and_(is_open, mine, Task.assignment != Assignment.RETURNED)
    leads = sa.and_(Task.lead_department_id == user.department_id, Task.assignment != Assignment.RETURNED)
    helps = sa.and_(
        sa.exists().where(
            task_co_departments.c.task_id == Task.id, task_co_departments.c.department_id == user.department_id
        ),
        Task.assignment == Assignment.ACKNOWLEDGED,
    )
    return sa.and_(is_open, sa.or_(leads, helps, mine))


def queue_for(user: User, today: date) -> Queue:
    if user.role in OFFICE_ROLES:
        return Queue(office_groups=office_groups(today))
    tasks = db.session.scalars(
        sa.select(Task).where(department_work(user)).options(*task_query.TASK_LOADING, selectinload(Task.parent))
    ).all()
    return Queue(tasks=list(tasks))
