"""The nightly backup: written at BACKUP_HOUR in the office's time zone by the scheduler that
holds the lock, named by its local time, and only the newest BACKUP_KEEP archives kept."""

from __future__ import annotations

import tarfile
from datetime import UTC, datetime

import pytest

from tracker.scheduler import SchedulerLock, back_up, build_scheduler
from tracker.services import backup

# 02:00 on Tuesday 2 June 2026 in Shanghai.
NIGHT = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def backup_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "backups"


def old_archives(folder, days: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"tracker-backup-202605{day:02d}-0200.tar.gz" for day in range(1, days + 1)]
    for name in names:
        (folder / name).write_bytes(b"an older archive")
    return names


def test_it_writes_tonights_archive_and_keeps_only_the_newest(app, backup_dir):
    older = old_archives(backup_dir, 15)
    (backup_dir / "notes.txt").write_text("not an archive")

    with app.app_context():
        nightly = backup.nightly_backup(backup_dir, 14, NIGHT)

    assert nightly.summary.path == backup_dir / "tracker-backup-20260602-0200.tar.gz"
    assert [path.name for path in nightly.removed] == older[:2]
    remaining = sorted(path.name for path in backup_dir.iterdir())
    assert remaining == ["notes.txt", *older[2:], "tracker-backup-20260602-0200.tar.gz"]
    with tarfile.open(nightly.summary.path, "r:gz") as tar:
        assert tar.getnames()[0] == backup.MANIFEST


def test_it_backs_up_only_while_holding_the_scheduler_lock(app, backup_dir):
    holder, other = SchedulerLock(app), SchedulerLock(app)
    try:
        assert back_up(app, holder, NIGHT) == backup_dir / "tracker-backup-20260602-0200.tar.gz"
        assert back_up(app, other, NIGHT) is None
    finally:
        holder.release()
        other.release()
    assert [path.name for path in backup_dir.iterdir()] == ["tracker-backup-20260602-0200.tar.gz"]


def test_it_schedules_the_backup_at_the_backup_hour_in_the_office_time_zone(app, backup_dir, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_HOUR", 3)
    scheduler, lock = build_scheduler(app)
    job = scheduler.get_job("back_up")
    lock.release()
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert str(job.trigger) == "cron[hour='3', minute='0']"


def test_it_schedules_no_backup_without_a_backup_dir(app):
    scheduler, lock = build_scheduler(app)
    lock.release()
    assert scheduler.get_job("back_up") is None
