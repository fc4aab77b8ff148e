"""交办 in bulk: a report's tasks assigned from one table, all or nothing.

A row with neither a lead department nor a deadline is skipped (not yet decided), a row with only
one of them is refused, a row that changes nothing is skipped; every other row is assigned
through :func:`workflow.assign`, keeping the task's assignee only while that person still
belongs to one of its owners. The caller commits only when no row was refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _

from tracker.models import Department, Priority, Task, User
from tracker.services import workflow


@dataclass(frozen=True)
class AssignRow:
    """One row of the table as submitted."""

    task_id: int | None  # None: not a number
    lead_department_id: int | None
    co_department_ids: Sequence[int]
    deadline: date | None
    priority: Priority
    expected_version: int | None  # the task's version when the table was loaded


@dataclass
class BulkAssignment:
    refusals: dict[int, str] = field(default_factory=dict)  # the reason, by row index
    assigned: int = 0
    leads: list[Department] = field(default_factory=list)  # the lead department of each task assigned


def assign_rows(
    rows: Sequence[AssignRow],
    tasks: dict[int, Task],
    departments: dict[int, Department],
    actor: User,
    now: datetime,
) -> BulkAssignment:
    """Assign the decided rows of ``tasks`` (the report's, by id) to ``departments`` (the active
    ones, by id). Nothing should be committed when the result holds refusals."""
    result = BulkAssignment()
    for index, row in enumerate(rows):
        task = tasks.get(row.task_id) if row.task_id is not None else None
        if task is None:
            result.refusals[index] = _("该任务不属于此报告，请刷新页面。")
            continue
        lead = departments.get(row.lead_department_id or 0)
        if lead is None and row.deadline is None:
            continue
        if lead is None or row.deadline is None:
            result.refusals[index] = _("请同时选择牵头单位和填写完成时限，或将两项都留空。")
            continue
        co = [departments[i] for i in row.co_department_ids if i in departments]
        if unchanged(task, lead, co, row.deadline, row.priority):
            continue
        owners = {lead.id, *(d.id for d in co)}
        assignee = task.assignee if task.assignee and task.assignee.department_id in owners else None
        try:
            workflow.assign(
                task,
                actor,
                lead_department=lead,
                co_departments=co,
                assignee=assignee,
                start_date=task.start_date,
                deadline=row.deadline,
                priority=row.priority,
                expected_version=row.expected_version,
                now=now,
            )
        except workflow.WorkflowError as refusal:
            result.refusals[index] = refusal.message
            continue
        result.assigned += 1
        result.leads.append(lead)
    return result


def unchanged(task: Task, lead: Department, co: list[Department], deadline: date, priority: Priority) -> bool:
    """Whether assigning ``task`` so would change nothing (a co-department that is also the lead
    counts as none)."""
    return (
        task.lead_department_id == lead.id
        and {d.id for d in task.co_departments} == {d.id for d in co if d.id != lead.id}
        and task.deadline == deadline
        and task.priority == priority
    )
