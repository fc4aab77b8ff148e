"""The clock's test hook: ``frozen_clock`` stops the time for every module that imported
``utcnow`` or ``local_today`` by name, and the clock runs again once the test is over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import freeze_clock
from tracker import cli_doctor, clock, scheduler
from tracker.views import dashboard, mail, tasks


def test_it_reads_the_wall_clock_when_nothing_is_frozen():
    assert clock.frozen is None
    before = datetime.now(UTC)
    now = clock.utcnow()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_every_importer_sees_the_frozen_instant(ctx, frozen_clock):
    moment = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    assert frozen_clock(moment) == moment
    assert [f() for f in (clock.utcnow, dashboard.utcnow, mail.utcnow, cli_doctor.utcnow, scheduler.utcnow)] == [
        moment
    ] * 5
    assert tasks.local_today() == dashboard.local_today() == date(2026, 6, 1)
    frozen_clock(moment + timedelta(hours=16))  # 01:00 on 2 June in Shanghai, still 1 June in UTC
    assert dashboard.local_today() == date(2026, 6, 2)


def test_a_date_freezes_it_at_nine_in_the_morning_office_time(ctx, frozen_clock):
    assert frozen_clock(date(2026, 10, 15)) == datetime(2026, 10, 15, 1, 0, tzinfo=UTC)
    assert clock.local_today() == date(2026, 10, 15)
    assert clock.utcnow().tzinfo is UTC


def test_a_naive_datetime_is_refused(frozen_clock):
    with pytest.raises(ValueError, match="naive"):
        frozen_clock(datetime(2026, 6, 1, 9, 0))
    assert clock.frozen is None


def test_the_clock_runs_again_when_the_patch_is_undone():
    with pytest.MonkeyPatch.context() as patch:
        freeze_clock(patch, date(2026, 6, 1))
        assert clock.utcnow() == datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    assert clock.frozen is None
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(minutes=1)
