"""我的待办 holds everything waiting on its owner: the legal office's groups, a head's and a member
of staff's open work; leaders, who wait on nobody, have none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import count_queries, login
from tests.factories import FROZEN_NOW, make_department, make_task
from tracker.extensions import db
from tracker.models import Assignment, ExtensionRequest, TaskState, task_co_departments
from tracker.services import queues

TODAY = date(2026, 6, 1)  # a Monday


def office_scene(personas):
    """One task in each group of the legal office's queue (and one that waits on nobody)."""
    bob_dept, dave_dept = personas.bob_dept.id, personas.dave_dept.id
    headless = make_department(name="网警支队")
    tasks = {
        "closures": make_task(title="待销号", state=TaskState.CLOSURE_PENDING, lead_department_id=bob_dept,
                              assignment=Assignment.ACKNOWLEDGED, last_progress_at=FROZEN_NOW),
        "returned": make_task(title="被退回", state=TaskState.NOT_STARTED, lead_department_id=dave_dept,
                              assignment=Assignment.RETURNED),
        "unassigned": make_task(title="未交办", state=TaskState.NOT_STARTED),
        "unacknowledged": make_task(title="逾期未签收", state=TaskState.NOT_STARTED, lead_department_id=bob_dept,
                                    assignment=Assignment.ASSIGNED,
                                    assigned_at=datetime(2026, 5, 25, 1, 0, tzinfo=UTC)),
        "headless": make_task(title="无负责人", lead_department_id=headless.id, assignment=Assignment.ACKNOWLEDGED),
        "quiet": make_task(title="正常办理", lead_department_id=bob_dept, assignment=Assignment.ACKNOWLEDGED),
        "fresh": make_task(title="刚交办", state=TaskState.NOT_STARTED, lead_department_id=bob_dept,
                           assignment=Assignment.ASSIGNED, assigned_at=FROZEN_NOW),
    }  # fmt: skip
    extension = make_task(title="待审批延期", lead_department_id=bob_dept, assignment=Assignment.ACKNOWLEDGED)
    db.session.add(
        ExtensionRequest(task=extension, reason="需协调", requested_deadline=date(2026, 9, 30), created_at=FROZEN_NOW)
    )
    tasks["extensions"] = extension
    db.session.commit()
    return tasks


def test_the_legal_office_sees_every_group_with_its_count(personas, ctx):
    tasks = office_scene(personas)
    groups = {g.key: g for g in queues.office_groups(TODAY)}
    assert set(groups) == {"closures", "extensions", "returned", "unassigned", "unacknowledged", "headless"}
    for key, group in groups.items():
        assert group.count == 1 and group.items[0].task.id == tasks[key].id, key
    assert queues.office_count(TODAY) == 6


def test_the_badge_counts_a_task_in_several_groups_once(personas, ctx):
    headless = make_department(name="网警支队")
    # Awaiting 销号 in a department without a head, with an extension pending: three groups.
    both = make_task(title="待销号且无负责人", state=TaskState.CLOSURE_PENDING, lead_department_id=headless.id,
                     assignment=Assignment.ACKNOWLEDGED)  # fmt: skip
    db.session.add(
        ExtensionRequest(task=both, reason="需协调", requested_deadline=date(2026, 9, 30), created_at=FROZEN_NOW)
    )
    # Awaiting 销号 and never assigned: two groups.
    make_task(title="待销号", state=TaskState.CLOSURE_PENDING, lead_department_id=personas.bob_dept.id)
    make_task(title="无负责人", lead_department_id=headless.id, assignment=Assignment.ACKNOWLEDGED)
    db.session.commit()
    groups = {g.key: g.count for g in queues.office_groups(TODAY)}
    assert groups == {"closures": 2, "extensions": 1, "headless": 2, "unassigned": 1}
    assert queues.office_count(TODAY) == 3


def test_each_group_lists_the_oldest_first(personas, ctx):
    first = make_task(title="先到", state=TaskState.CLOSURE_PENDING, last_progress_at=FROZEN_NOW - timedelta(days=3))
    second = make_task(title="后到", state=TaskState.CLOSURE_PENDING, last_progress_at=FROZEN_NOW)
    db.session.commit()
    group = next(g for g in queues.office_groups(TODAY) if g.key == "closures")
    assert [item.task.id for item in group.items] == [first.id, second.id]


def test_the_office_queue_page_and_badge_show_the_groups(client, personas, app):
    with app.app_context():
        office_scene(personas)
    login(client, personas.alice.email)
    page = client.get("/my").get_data(as_text=True)
    for title in (
        "待审核销号",
        "待审批的延期申请",
        "被退回、待重新交办",
        "尚未交办",
        "交办后逾期未签收",
        "牵头单位无部门负责人",
    ):
        assert title in page
    assert "没有待办的督办任务" not in page
    assert '我的待办 <span class="badge badge-red"' in page


def test_the_office_queue_runs_a_fixed_number_of_queries(client, personas, app):
    with app.app_context():
        office_scene(personas)
    login(client, personas.alice.email)
    with count_queries(app) as few:
        client.get("/my")
    with app.app_context():
        for n in range(10):
            make_task(title=f"又一项{n}", state=TaskState.CLOSURE_PENDING, last_progress_at=FROZEN_NOW)
        db.session.commit()
    with count_queries(app) as many:
        client.get("/my")
    assert len(many) == len(few)


def test_a_head_no_longer_sees_a_task_the_department_returned(personas, ctx):
    mine = make_task(title="本单位", lead_department_id=personas.bob_dept.id, assignment=Assignment.ACKNOWLEDGED)
    make_task(title="已退回", lead_department_id=personas.bob_dept.id, assignment=Assignment.RETURNED,
              state=TaskState.NOT_STARTED)  # fmt: skip
    assert [t.id for t in queues.queue_for(personas.bob, TODAY).tasks] == [mine.id]


def test_only_the_lead_department_sees_a_task_waiting_for_acknowledgement(personas, ctx):
    waiting = make_task(title="待签收", lead_department_id=personas.bob_dept.id, assignment=Assignment.ASSIGNED,
                        state=TaskState.NOT_STARTED)  # fmt: skip
    db.session.execute(task_co_departments.insert().values(task_id=waiting.id, department_id=personas.dave_dept.id))
    assert [t.id for t in queues.queue_for(personas.bob, TODAY).tasks] == [waiting.id]
    assert queues.queue_for(personas.dave, TODAY).tasks == []
    waiting.assignment = Assignment.ACKNOWLEDGED
    assert [t.id for t in queues.queue_for(personas.dave, TODAY).tasks] == [waiting.id]  # now dave helps with it


def test_staff_see_the_open_tasks_handed_to_them(personas, ctx):
    handed = make_task(title="交给我", lead_department_id=personas.bob_dept.id, assignee_id=personas.carol.id,
                       assignment=Assignment.ACKNOWLEDGED)  # fmt: skip
    make_task(title="已办结", assignee_id=personas.carol.id, state=TaskState.DONE)
    assert [t.id for t in queues.queue_for(personas.carol, TODAY).tasks] == [handed.id]


@pytest.mark.parametrize("who", ["erin"])
def test_leaders_have_no_queue(client, personas, who):
    login(client, getattr(personas, who).email)
    assert client.get("/my").status_code == 403
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/my"' not in page
