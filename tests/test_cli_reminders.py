import json
from datetime import UTC, date, datetime

import sqlalchemy as sa

from tests.factories import make_task
from tracker.extensions import db
from tracker.models import Assignment, Notification, TaskState


def _task_due_1_june_2021(app, personas):
    with app.app_context():
        task = make_task(
            title="完善制度，促进依法行政",
            lead_department_id=personas.bob_dept.id,
            deadline=date(2021, 6, 4),
            state=TaskState.IN_PROGRESS,
            assignment=Assignment.ACKNOWLEDGED,
            acknowledged_at=datetime(2021, 5, 20, tzinfo=UTC),
            created_at=datetime(2021, 5, 20, tzinfo=UTC),
        )
        db.session.commit()
        return task.id


def test_it_prints_what_would_be_queued_and_writes_nothing(app, runner, personas):
    task_id = _task_due_1_june_2021(app, personas)
    result = runner.invoke(args=["remind", "--dry-run", "--at", "2021-06-01T09:00", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {
            "kind": "due_soon",
            "task_id": task_id,
            "recipient": "bob@example.gov.cn",
            "subject": "【督办提醒】完善制度，促进依法行政 距截止还有3个工作日",
            "dedup_key": f"due_soon:{task_id}:2021-06-04:3:{personas.bob.id}",
        }
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_it_plans_nothing_before_nine(app, runner, personas):
    _task_due_1_june_2021(app, personas)
    result = runner.invoke(args=["remind", "--dry-run", "--at", "2021-06-01T08:59", "--json"])
    assert json.loads(result.output) == []


def test_it_refuses_a_time_it_cannot_read(runner):
    result = runner.invoke(args=["remind", "--dry-run", "--at", "tomorrow"])
    assert result.exit_code == 2 and "不是有效的时间" in result.output
