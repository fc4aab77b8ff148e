"""The scheduler: plans reminders, sends the outbox, rolls new progress into the drafts of
next year's report and, when BACKUP_DIR is set, writes the nightly backup, on a clock, in
Asia/Shanghai.

Jobs are thin: each pushes an app context and calls a service. Only one scheduler works at a
time (a PostgreSQL advisory lock held for the scheduler's life, or a lock file on SQLite); a
second one started by mistake finds the lock taken and idles. Even without the lock the outbox's
dedup keys and the sender's row claims keep a second scheduler harmless.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from tracker.clock import local_date, utcnow
from tracker.extensions import db
from tracker.services import heartbeat

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
PLAN_EVERY_MINUTES = 10  # planning is idempotent: a frequent tick catches up after a restart
SEND_EVERY_SECONDS = 60
ADVISORY_LOCK_KEY = 0x7472_6163  # "trac"
# A daily run at the roll-up hour: a scheduler that was busy or restarting may start it this
# late. Running it twice in a day is harmless (nothing new, nothing written; mails are deduplicated).
ROLLUP_GRACE_SECONDS = 4 * 3600
# The nightly backup may start this late too; a second archive in a night is merely one more file.
BACKUP_GRACE_SECONDS = 4 * 3600


class SchedulerLock:
    """Held for the whole life of the scheduler that got it; :meth:`acquire` is cheap to repeat."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._connection: sa.Connection | None = None
        self._file: IO[str] | None = None
        # The jobs run in threads of one process and may reach for the lock at the same moment.
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    def acquire(self) -> bool:
        """Hold the lock, or say that another scheduler does. Checked before every job: a lock
        lost with its connection (a database restart, a dropped network) is taken again if free,
        else this scheduler steps down and idles."""
        with self._guard:
            if self.held and not self._still_held():
                log.warning("the scheduler lock was lost with its database connection")
                self._forget_connection()
            return self._acquire()

    def _still_held(self) -> bool:
        """A session advisory lock lives as long as its connection: is the connection alive?"""
        if self._connection is None:
            return True  # the lock file is held for the life of this process
        try:
            self._connection.execute(sa.text("SELECT 1"))
            self._connection.commit()
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def _forget_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except sa.exc.SQLAlchemyError:
                pass
            self._connection = None

    def _acquire(self) -> bool:
        if self.held:
            return True
        with self.app.app_context():
            engine = db.engine
        if engine.dialect.name == "postgresql":
            # A session lock on a connection of our own (a transaction lock on a pooled
            # connection would be released at once).
            connection = engine.connect()
            got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
            connection.commit()
            if got:
                self._connection = connection
            else:
                connection.close()
            return bool(got)
        path = Path(self.app.instance_path) / "scheduler.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._connection is not None:
            # Closing only returns the connection to the pool, where the session (and the lock)
            # would live on: unlock first. A connection already gone took the lock with it.
            try:
                self._connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                self._connection.commit()
                self._connection.close()
                self._connection = None
            except sa.exc.SQLAlchemyError:
                self._forget_connection()
        if self._file is not None:
            self._file.close()
            self._file = None


def plan_reminders(app: Flask, lock: SchedulerLock, now: datetime | None = None) -> int:
    """Queue the reminders, 催签 and digests due now (the planner keeps the hours and days).
    Returns how many were queued."""
    if not lock.acquire():
        return 0
    from tracker.services.mail import planner

    with app.app_context():
        _beat()
        now = now or utcnow()
        queued = planner.queue_due(now)
        db.session.commit()
        return queued


def send_mail(app: Flask, lock: SchedulerLock, now: datetime | None = None) -> Any:
    """Send (or, without SMTP, record) the mail that is due."""
    if not lock.acquire():
        return None
    from tracker.services.mail import sender

    with app.app_context():
        _beat()
        return sender.send_due(now or utcnow(), limit=app.config["MAIL_PER_MINUTE"])


def tidy_up(app: Flask, lock: SchedulerLock, now: datetime | None = None) -> int | None:
    """Hourly housekeeping: forget sign-in counters of windows long gone. Returns how many went."""
    if not lock.acquire():
        return None
    from tracker.services import accounts

    with app.app_context():
        purged = accounts.purge_sign_in_counters(now or utcnow())
        db.session.commit()
        return purged


def roll_up_drafts(app: Flask, lock: SchedulerLock, now: datetime | None = None) -> int | None:
    """On the roll-up's days, bring new progress into every draft. Returns how many drafts got a
    new version (None without the lock, 0 on other days)."""
    if not lock.acquire():
        return None
    from tracker.services import drafts
    from tracker.services.workdays import WorkCalendar

    with app.app_context():
        now = now or utcnow()
        if not drafts.rollup_due(local_date(now), WorkCalendar.load()):
            return 0
        written = drafts.roll_up_all(now)
        db.session.commit()
        return len(written)


def back_up(app: Flask, lock: SchedulerLock, now: datetime | None = None) -> Path | None:
    """Write the nightly archive into BACKUP_DIR and delete the oldest beyond BACKUP_KEEP. Returns
    the new archive (None without the lock)."""
    if not lock.acquire():
        return None
    from tracker.services import backup

    with app.app_context():
        nightly = backup.nightly_backup(Path(app.config["BACKUP_DIR"]), app.config["BACKUP_KEEP"], now or utcnow())
        for warning in nightly.summary.warnings():
            app.logger.error("nightly backup: %s", warning)
        return nightly.summary.path


def _beat() -> None:
    """Record that a scheduler holding the lock is alive, committed at once so that a job failing
    later still counts. The wall clock, not the job's ``now``: a test's or a replay's moment says
    nothing about whether a scheduler runs now."""
    heartbeat.beat(utcnow())
    db.session.commit()


def build_scheduler(app: Flask, *, blocking: bool = False) -> tuple[BaseScheduler, SchedulerLock]:
    zone = ZoneInfo(app.config["TIMEZONE"])
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone=zone, job_defaults=JOB_DEFAULTS)
    lock = SchedulerLock(app)
    # Triggers get the zone explicitly: a trigger without one falls back to the machine's zone.
    scheduler.add_job(
        plan_reminders,
        IntervalTrigger(minutes=PLAN_EVERY_MINUTES, timezone=zone),
        args=[app, lock],
        id="plan_reminders",
        next_run_time=datetime.now(zone),
    )
    scheduler.add_job(
        send_mail,
        IntervalTrigger(seconds=SEND_EVERY_SECONDS, timezone=zone),
        args=[app, lock],
        id="send_mail",
        next_run_time=datetime.now(zone),
    )

    scheduler.add_job(
        tidy_up,
        IntervalTrigger(hours=1, timezone=zone),
        args=[app, lock],
        id="tidy_up",
        next_run_time=datetime.now(zone),
    )
    scheduler.add_job(
        roll_up_drafts,
        CronTrigger(hour=app.config["DRAFT_ROLLUP_HOUR"], minute=0, timezone=zone),
        args=[app, lock],
        id="roll_up_drafts",
        misfire_grace_time=ROLLUP_GRACE_SECONDS,
    )
    if app.config["BACKUP_DIR"]:
        scheduler.add_job(
            back_up,
            CronTrigger(hour=app.config["BACKUP_HOUR"], minute=0, timezone=zone),
            args=[app, lock],
            id="back_up",
            misfire_grace_time=BACKUP_GRACE_SECONDS,
        )

    def report(event: JobExecutionEvent) -> None:
        if event.exception is not None:
            app.logger.error("scheduler job %s failed: %s", event.job_id, event.exception)
        else:
            app.logger.warning("scheduler job %s missed its run at %s", event.job_id, event.scheduled_run_time)

    scheduler.add_listener(report, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler, lock
