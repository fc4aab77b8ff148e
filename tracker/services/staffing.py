"""Who is there to act: the active heads of each department, the legal office, the leadership,
and the departments that lead open tasks with nobody at their head.

A department without an active 部门负责人 cannot acknowledge, extend or close its tasks; the
legal office must act on its behalf or the administrator must give it a head. The queue, the
assignment forms, the admin pages and ``flask doctor`` all ask this module.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    OPEN_STATES,
    Assignment,
    Department,
    ExtensionRequest,
    ExtensionStatus,
    Role,
    Task,
    TaskState,
    User,
)
from tracker.policy import OFFICE_ROLES


def is_head_of(department_id: sa.ColumnElement[int | None]) -> sa.ColumnElement[bool]:
    """SQL on User: an active head of the department ``department_id`` (a column or a value)."""
    return sa.and_(User.role == Role.HEAD, User.is_active, User.department_id == department_id)


def is_legal_officer() -> sa.ColumnElement[bool]:
    """SQL on User: an active member of the legal office (the administrator is not mailed as one)."""
    return sa.and_(User.role == Role.LEGAL, User.is_active)


def is_leader() -> sa.ColumnElement[bool]:
    return sa.and_(User.role == Role.LEADER, User.is_active)


def heads_by_department(department_ids: Iterable[int | None] | None = None) -> dict[int, list[User]]:
    """The active heads of each department (of every department under None), in one query;
    departments without one are absent."""
    query = sa.select(User).where(is_head_of(User.department_id), User.department_id.is_not(None))
    if department_ids is not None:
        wanted = {d for d in department_ids if d is not None}
        if not wanted:
            return {}
        query = query.where(User.department_id.in_(wanted))
    heads: dict[int, list[User]] = {}
    for head in db.session.scalars(query.order_by(User.id)):
        heads.setdefault(head.department_id, []).append(head)  # type: ignore[arg-type]
    return heads


def department_heads(department_id: int | None) -> list[User]:
    return heads_by_department([department_id]).get(department_id, []) if department_id is not None else []


def legal_officers() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(is_legal_officer()).order_by(User.id)))


def leaders() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(is_leader()).order_by(User.id)))


def has_active_head() -> sa.ColumnElement[bool]:
    """SQL: the task's lead department has at least one active head."""
    return sa.exists().where(
        User.department_id == Task.lead_department_id, User.role == Role.HEAD, User.is_active.is_(True)
    )


def led_without_head() -> sa.ColumnElement[bool]:
    """SQL: an open top-level task whose lead department has no active head (nobody there can
    acknowledge, ask for an extension or apply for closure). Written as "led by one of the
    departments without a head", so that the database looks up those few departments' tasks."""
    headless = sa.select(Department.id).where(
        ~sa.exists().where(User.department_id == Department.id, User.role == Role.HEAD, User.is_active.is_(True))
    )
    return sa.and_(
        Task.parent_id.is_(None),
        Task.state.in_(OPEN_STATES),
        Task.lead_department_id.in_(headless),
    )


def headless_department_ids(department_ids: Iterable[int]) -> set[int]:
    """Those of ``department_ids`` that have no active head."""
    wanted = set(department_ids)
    return wanted - set(heads_by_department(wanted))


def active_departments_without_head() -> list[Department]:
    """The active departments with no active head, by name: what the administrator should fix
    (nobody there can acknowledge, extend or close a task), whether or not they lead tasks yet."""
    departments = db.session.scalars(
        sa.select(Department).where(Department.is_active.is_(True)).order_by(Department.name)
    ).all()
    headless = headless_department_ids(d.id for d in departments)
    return [d for d in departments if d.id in headless]


def lacks_head(department_id: int | None) -> bool:
    """A department (not "none") with no active head."""
    return department_id is not None and not department_heads(department_id)


def open_tasks_led(department_id: int) -> int:
    """How many open top-level tasks ``department_id`` leads."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Task)
            .where(Task.lead_department_id == department_id, Task.parent_id.is_(None), Task.state.in_(OPEN_STATES))
        )
        or 0
    )


def departments_leading_without_head() -> list[tuple[Department, list[int]]]:
    """Each active or inactive department that leads open tasks and has no active head, with the
    ids of those tasks (oldest first)."""
    rows = db.session.execute(
        sa.select(Task.lead_department_id, Task.id).where(led_without_head()).order_by(Task.created_at, Task.id)
    ).all()
    by_department: dict[int, list[int]] = {}
    for department_id, task_id in rows:
        by_department.setdefault(department_id, []).append(task_id)
    if not by_department:
        return []
    departments = db.session.scalars(
        sa.select(Department).where(Department.id.in_(by_department)).order_by(Department.name)
    ).all()
    return [(d, by_department[d.id]) for d in departments]


def office_is_staffed() -> bool:
    """Is there an active member of the legal office or an administrator (someone to 交办, review
    closures, decide extensions and act for a department without a head)?"""
    query = sa.select(User.id).where(User.role.in_(OFFICE_ROLES), User.is_active.is_(True)).limit(1)
    return db.session.scalar(query) is not None


def waiting_on_office() -> sa.ColumnElement[bool]:
    """SQL: the task's next step is the legal office's: to 交办 it (never assigned, or 退回), to
    verify its closure (待审核), or to decide a pending 延期申请."""
    pending_extension = sa.exists().where(
        ExtensionRequest.task_id == Task.id, ExtensionRequest.status == ExtensionStatus.PENDING
    )
    return sa.or_(
        Task.assignment.in_([Assignment.UNASSIGNED, Assignment.RETURNED]),
        Task.state == TaskState.CLOSURE_PENDING,
        pending_extension,
    )


def led_by_inactive_department() -> sa.ColumnElement[bool]:
    """SQL: the task's lead department has been deactivated (nobody there may act on it)."""
    return Task.lead_department.has(Department.is_active.is_(False))
