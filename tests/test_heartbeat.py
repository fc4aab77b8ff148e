"""The scheduler's heartbeat: each job that holds the lock records the wall clock, so that
``flask doctor`` can tell a silent scheduler; a scheduler without the lock records nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Setting
from tracker.scheduler import SchedulerLock, plan_reminders, send_mail
from tracker.services import heartbeat

NINE = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday


@pytest.fixture
def lock(app):
    held = SchedulerLock(app)
    yield held
    held.release()


def last_beat(app) -> datetime | None:
    with app.app_context():
        return heartbeat.last()


def test_it_stores_one_setting_and_moves_it_forward(ctx):
    assert heartbeat.last() is None
    heartbeat.beat(NINE)
    heartbeat.beat(NINE + timedelta(minutes=1))
    assert heartbeat.last() == NINE + timedelta(minutes=1)
    stored = db.session.scalars(sa.select(Setting)).all()
    assert [(s.name, s.value) for s in stored] == [("scheduler_heartbeat", {"at": "2026-06-01T01:01:00+00:00"})]


@pytest.mark.parametrize("job", [plan_reminders, send_mail])
def test_it_beats_from_a_job_holding_the_lock_at_the_wall_clocks_time(app, lock, frozen_clock, job):
    wall_clock = frozen_clock(NINE + timedelta(hours=2))
    job(app, lock, NINE)  # the job's own moment is not the heartbeat's
    assert last_beat(app) == wall_clock


@pytest.mark.parametrize("job", [plan_reminders, send_mail])
def test_it_does_not_beat_from_a_scheduler_without_the_lock(app, lock, job):
    other = SchedulerLock(app)
    try:
        assert lock.acquire()
        job(app, other, NINE)
    finally:
        other.release()
    assert last_beat(app) is None
