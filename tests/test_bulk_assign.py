"""交办 in bulk as a service, without a page: which rows are assigned, skipped or refused."""

from __future__ import annotations

from datetime import date

from tests.factories import FROZEN_NOW, make_task, make_user
from tracker.extensions import db
from tracker.models import Assignment, Department, Priority, Role, TaskState, User
from tracker.services.bulk_assign import AssignRow, assign_rows

DEADLINE = date(2026, 9, 30)


def departments_of(personas) -> tuple[Department, Department]:  # noqa: ANN001
    return db.session.get(Department, personas.bob_dept.id), db.session.get(Department, personas.dave_dept.id)


def row(task_id: int | None, lead_id: int | None, deadline: date | None = DEADLINE, **more: object) -> AssignRow:
    values = {"co_department_ids": [], "priority": Priority.NORMAL, "expected_version": None, **more}
    return AssignRow(task_id=task_id, lead_department_id=lead_id, deadline=deadline, **values)  # type: ignore[arg-type]


def test_it_assigns_the_decided_rows_and_skips_the_blank_and_unchanged_ones(personas, ctx):
    alice = db.session.get(User, personas.alice.id)
    traffic, order = departments_of(personas)
    decided, blank, same = (make_task(state=TaskState.NOT_STARTED) for _ in range(3))
    same.lead_department_id, same.deadline, same.priority = order.id, DEADLINE, Priority.NORMAL
    db.session.flush()
    tasks = {t.id: t for t in (decided, blank, same)}
    done = assign_rows(
        [row(decided.id, traffic.id), row(blank.id, None, None), row(same.id, order.id)],
        tasks,
        {traffic.id: traffic, order.id: order},
        alice,
        FROZEN_NOW,
    )
    assert (done.refusals, done.assigned, [d.id for d in done.leads]) == ({}, 1, [traffic.id])
    assert decided.assignment == Assignment.ASSIGNED and decided.lead_department_id == traffic.id
    assert blank.assignment == Assignment.UNASSIGNED and blank.lead_department_id is None


def test_it_refuses_a_half_filled_row_and_a_task_of_another_report_by_row(personas, ctx):
    alice = db.session.get(User, personas.alice.id)
    traffic, _ = departments_of(personas)
    first, second = make_task(state=TaskState.NOT_STARTED), make_task(state=TaskState.NOT_STARTED)
    done = assign_rows(
        [row(first.id, traffic.id, None), row(second.id, None), row(None, traffic.id), row(first.id + 999, traffic.id)],
        {first.id: first, second.id: second},
        {traffic.id: traffic},
        alice,
        FROZEN_NOW,
    )
    assert set(done.refusals) == {0, 1, 2, 3} and done.assigned == 0
    assert "同时选择牵头单位和填写完成时限" in done.refusals[0] and "不属于此报告" in done.refusals[2]


def test_it_keeps_the_assignee_only_while_they_belong_to_an_owner(personas, ctx):
    alice = db.session.get(User, personas.alice.id)
    traffic, order = departments_of(personas)
    staff = make_user(Role.STAFF, department_id=traffic.id)
    stays, goes = (
        make_task(state=TaskState.NOT_STARTED, lead_department_id=traffic.id, assignee_id=staff.id) for _ in range(2)
    )
    departments = {traffic.id: traffic, order.id: order}
    done = assign_rows(
        [row(stays.id, order.id, co_department_ids=[traffic.id]), row(goes.id, order.id)],
        {stays.id: stays, goes.id: goes},
        departments,
        alice,
        FROZEN_NOW,
    )
    assert done.refusals == {} and done.assigned == 2
    assert (stays.assignee_id, goes.assignee_id) == (staff.id, None)
