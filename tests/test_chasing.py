from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from tests.factories import make_task
from tracker.clock import local_zone
from tracker.extensions import db
from tracker.models import Assignment, Notification
from tracker.services.mail import outbox, planner

# Assigned on Wednesday 30 September 2026, 09:00 in Shanghai, just before the National Day holiday
# (1–7 October). Two working days to acknowledge: Thursday 8 and Friday 9 October.
ASSIGNED_AT = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)


def chase_unacknowledged(day: date, hour: int = 9) -> int:
    """Plan and queue the 催签 due at ``hour`` o'clock in Shanghai on ``day``."""
    now = datetime.combine(day, time(hour), local_zone())
    return outbox.queue_reminders(planner.plan_chases(now), now)


def _waiting_task(personas, **overrides):
    return make_task(
        **{
            "lead_department_id": personas.bob_dept.id,
            "assignment": Assignment.ASSIGNED,
            "assigned_at": ASSIGNED_AT,
            **overrides,
        }
    )


def _chases() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == "chase_acknowledgement")))


def test_it_waits_two_working_days_not_counting_the_holiday(personas, ctx):
    _waiting_task(personas)
    assert chase_unacknowledged(date(2026, 10, 9)) == 0


def test_it_chases_the_head_after_two_working_days(personas, ctx):
    task = _waiting_task(personas, title="强化部门联动，打击违法犯罪")
    # Saturday 10 October 2026 is a make-up working day.
    assert chase_unacknowledged(date(2026, 10, 10)) == 1
    [mail] = _chases()
    assert mail.recipient_email == "bob@example.gov.cn" and mail.task_id == task.id
    assert mail.subject == "【催签】强化部门联动，打击违法犯罪"
    assert "2026年9月30日交办" in mail.body_text


def test_it_chases_once_a_day(personas, ctx):
    _waiting_task(personas)
    assert chase_unacknowledged(date(2026, 10, 10)) == 1
    assert chase_unacknowledged(date(2026, 10, 10)) == 0
    assert chase_unacknowledged(date(2026, 10, 12)) == 1


def test_it_leaves_acknowledged_and_closed_tasks_alone(personas, ctx):
    _waiting_task(personas, assignment=Assignment.ACKNOWLEDGED)
    _waiting_task(personas, state="cancelled")
    assert chase_unacknowledged(date(2026, 10, 12)) == 0


def test_it_waits_for_a_working_day(personas, ctx):
    _waiting_task(personas)
    assert chase_unacknowledged(date(2026, 10, 11)) == 0  # a Sunday
    assert chase_unacknowledged(date(2026, 10, 12)) == 1


def test_it_waits_for_the_send_hour_whoever_asks(personas, ctx, runner):
    _waiting_task(personas)
    assert chase_unacknowledged(date(2026, 10, 12), hour=8) == 0
    assert chase_unacknowledged(date(2026, 10, 12), hour=9) == 1
