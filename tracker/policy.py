"""Who may do what: the one place that decides.

Views, services and templates ask :func:`can` (or :func:`require`, which aborts 403). Whether an
action fits the task's current state (a closed task takes no progress) is a separate question,
answered by the workflow service with a message; this module answers only "is it this user's
business".
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from tracker.models import Department, Role, Task, User, task_co_departments


class Action(enum.StrEnum):
    VIEW_TASK = "view_task"
    EDIT_TASK = "edit_task"  # title, description, dates, owners, priority; 交办
    ACKNOWLEDGE = "acknowledge"  # 签收 or 退回
    ASSIGN_STAFF = "assign_staff"  # a head hands the task to a member of the department
    ADD_MILESTONE = "add_milestone"  # the legal office or the lead department's head
    POST_PROGRESS = "post_progress"  # 反馈, with evidence
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    SUBMIT_CLOSURE = "submit_closure"  # 办结申请
    DECIDE = "decide"  # approve or refuse an extension, verify (销号) or send back (退办) a closure
    SUSPEND = "suspend"  # 暂缓, 撤销, resume
    URGE = "urge"  # 催办
    ACT_ON_BEHALF = "act_on_behalf"  # 代签收, 代为申请延期, 代为申请办结, for a department that cannot
    MANAGE_REPORTS = "manage_reports"  # import, review, confirm, link shortcomings and measures
    READ_DRAFTS = "read_drafts"  # read next year's draft and export it (writing it: MANAGE_REPORTS)
    VIEW_ALL = "view_all"  # every task and department
    VIEW_DASHBOARD = "view_dashboard"  # the monitoring dashboard, over the tasks the user may see
    MANAGE_PEOPLE = "manage_people"  # users and departments
    MANAGE_CALENDAR = "manage_calendar"  # holidays and make-up working days
    MANAGE_MAIL = "manage_mail"  # the outbox: read every mail, retry failed ones; the reminder rules
    SEE_PROBLEMS = "see_problems"  # what ``flask doctor`` finds, on the dashboard
    HAVE_QUEUE = "have_queue"  # 我的待办: work waits on this user (not on leaders, who only read)


OFFICE_ROLES = frozenset({Role.ADMIN, Role.LEGAL})  # the legal office, and the administrator
OVERSIGHT_ROLES = frozenset({Role.ADMIN, Role.LEGAL, Role.LEADER})
DEPARTMENT_ROLES = frozenset({Role.HEAD, Role.STAFF})  # a department's people: tasks are handed to them
DEFAULT_ROLE = Role.STAFF  # a new account's unless chosen: the commonest, and the least powerful

# Actions on no particular task, by role.
_GLOBAL: dict[Action, frozenset[Role]] = {
    Action.MANAGE_REPORTS: OFFICE_ROLES,
    Action.READ_DRAFTS: OVERSIGHT_ROLES,
    Action.VIEW_ALL: OVERSIGHT_ROLES,
    Action.VIEW_DASHBOARD: OVERSIGHT_ROLES | {Role.HEAD},
    Action.MANAGE_PEOPLE: frozenset({Role.ADMIN}),
    Action.MANAGE_CALENDAR: OFFICE_ROLES,
    Action.MANAGE_MAIL: OFFICE_ROLES,
    Action.SEE_PROBLEMS: OFFICE_ROLES,
    Action.HAVE_QUEUE: frozenset({Role.ADMIN, Role.LEGAL, Role.HEAD, Role.STAFF}),
    Action.EDIT_TASK: OFFICE_ROLES,
    Action.URGE: OFFICE_ROLES,  # 催办 in bulk, from the list
}
# Task actions that belong to the legal office whoever owns the task.
_OFFICE_TASK_ACTIONS = frozenset({Action.EDIT_TASK, Action.DECIDE, Action.SUSPEND, Action.URGE, Action.ACT_ON_BEHALF})
# Task actions that belong to the head of the lead department.
_LEAD_HEAD_ACTIONS = frozenset(
    {Action.ACKNOWLEDGE, Action.ASSIGN_STAFF, Action.REQUEST_EXTENSION, Action.SUBMIT_CLOSURE}
)


def can(user: User | None, action: Action, task: Task | None = None) -> bool:
    """May ``user`` do ``action`` (to ``task``, for task actions)? Anonymous users may nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if task is None:
        return user.role in _GLOBAL.get(action, frozenset())
    if action in _OFFICE_TASK_ACTIONS:
        return user.role in OFFICE_ROLES
    if action in _LEAD_HEAD_ACTIONS:
        return _heads_lead_department(user, task)
    if action == Action.ADD_MILESTONE:
        return user.role in OFFICE_ROLES or _heads_lead_department(user, task)
    if action == Action.POST_PROGRESS:
        return _heads_lead_department(user, task) or _heads_co_department(user, task) or _is_assignee(user, task)
    if action == Action.VIEW_TASK:
        return (
            user.role in OVERSIGHT_ROLES
            or _heads_lead_department(user, task)
            or _heads_co_department(user, task)
            or _is_assignee(user, task)
        )
    return False


def require(user: User | None, action: Action, task: Task | None = None) -> None:
    """Abort with 403 unless :func:`can` allows it."""
    if not can(user, action, task):
        abort(403)


def visible_tasks(user: User) -> ColumnElement[bool]:
    """SQL condition for the tasks ``user`` may see, to filter lists and exports in the query."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    mine = sa.or_(Task.assignee_id == user.id, Task.parent.has(Task.assignee_id == user.id))
    if user.role != Role.HEAD or user.department_id is None:
        return mine
    co_department = sa.exists().where(
        task_co_departments.c.task_id == Task.id, task_co_departments.c.department_id == user.department_id
    )
    return sa.or_(mine, Task.lead_department_id == user.department_id, co_department)


def visible_people(user: User) -> ColumnElement[bool]:
    """SQL condition on ``User``: whose names ``user`` may see outside the tasks shown to them
    (filters, the words describing an export): everyone for the oversight roles, else the
    people of one's own department."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    if user.department_id is not None:
        return sa.or_(User.department_id == user.department_id, User.id == user.id)
    return User.id == user.id


def visible_departments(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Department``, likewise: every department for the oversight roles, else
    the user's own."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    return Department.id == user.department_id if user.department_id is not None else sa.false()


def _root(task: Task) -> Task:
    """Milestones belong to their parent's departments."""
    return task.parent if task.parent is not None else task


def _heads_lead_department(user: User, task: Task) -> bool:
    department = task.lead_department_id or _root(task).lead_department_id
    return user.role == Role.HEAD and user.department_id is not None and user.department_id == department


def _heads_co_department(user: User, task: Task) -> bool:
    return (
        user.role == Role.HEAD
        and user.department_id is not None
        and any(d.id == user.department_id for d in _root(task).co_departments)
    )


def _is_assignee(user: User, task: Task) -> bool:
    return task.assignee_id == user.id or (task.parent is not None and task.parent.assignee_id == user.id)
