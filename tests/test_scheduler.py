from datetime import UTC, date, datetime

import sqlalchemy as sa

from tests.factories import make_task
from tracker.extensions import db
from tracker.models import Assignment, Notification, TaskState
from tracker.scheduler import SchedulerLock, build_scheduler, plan_reminders


def test_it_lets_only_one_scheduler_hold_the_lock(app):
    first, second = SchedulerLock(app), SchedulerLock(app)
    try:
        assert first.acquire() and first.acquire()  # holding it again is free
        assert not second.acquire()
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


def test_it_plans_only_while_holding_the_lock(app, personas):
    with app.app_context():
        make_task(
            lead_department_id=personas.bob_dept.id,
            deadline=date(2021, 6, 4),
            state=TaskState.IN_PROGRESS,
            assignment=Assignment.ACKNOWLEDGED,
            created_at=datetime(2021, 5, 28, tzinfo=UTC),
        )
        db.session.commit()
    nine = datetime(2021, 6, 1, 1, 0, tzinfo=UTC)
    holder, other = SchedulerLock(app), SchedulerLock(app)
    try:
        assert plan_reminders(app, holder, nine) == 1
        assert plan_reminders(app, other, nine) == 0  # a second scheduler idles
        assert plan_reminders(app, holder, nine) == 0  # and planning again queues nothing new
    finally:
        holder.release()
        other.release()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_it_schedules_every_job_in_the_office_time_zone(app):
    scheduler, lock = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"plan_reminders", "send_mail", "roll_up_drafts"}
    assert all(str(job.trigger.timezone) == "Asia/Shanghai" for job in jobs.values())
    assert str(scheduler.timezone) == "Asia/Shanghai"
    lock.release()
