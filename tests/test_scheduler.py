import time
from datetime import UTC, date, datetime

import pytest
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
    assert set(jobs) == {"plan_reminders", "send_mail", "tidy_up", "roll_up_drafts"}
    assert all(str(job.trigger.timezone) == "Asia/Shanghai" for job in jobs.values())
    assert str(scheduler.timezone) == "Asia/Shanghai"
    lock.release()


@pytest.mark.postgresql_only("advisory locks are PostgreSQL's; SQLite's lock file cannot be lost")
def test_it_takes_a_lost_lock_back_or_steps_down(app):
    """The database drops the lock holder's connection: the next job finds out before it runs."""
    first, second = SchedulerLock(app), SchedulerLock(app)
    try:
        assert first.acquire() and not second.acquire()
        pid = first._connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        first._connection.commit()
        with app.app_context():
            db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            db.session.commit()
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            for _ in range(100):  # the termination is asynchronous
                if not db.session.execute(gone, {"pid": pid}).scalar():
                    break
                db.session.commit()
                time.sleep(0.05)
        assert second.acquire()  # the lock was free: the other scheduler takes over
        assert not first.acquire()  # and the first one, finding its connection gone, steps down
        second.release()
        assert first.acquire()  # once free again, it takes the lock back
    finally:
        first.release()
        second.release()
