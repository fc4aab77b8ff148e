"""Time in one place: instants are aware UTC datetimes; calendar dates are in the office's zone.

Importers take these functions by name (``from tracker.clock import utcnow``); to freeze time for
all of them at once, tests set ``frozen`` (tests/conftest.py, fixture ``frozen_clock``), which
``utcnow()`` returns instead of the wall clock, and so do ``local_today()`` and everything else
that reads the time here. Unset (None), as in production, the wall clock is read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app

# The test hook: an aware UTC datetime that utcnow() returns while it is set; never set by the app.
frozen: datetime | None = None


def utcnow() -> datetime:
    if frozen is not None:
        return frozen
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment: datetime, zone: tzinfo | None = None) -> date:
    """The calendar date of ``moment`` in the office's time zone (Asia/Shanghai by default;
    ``zone`` when the caller read it once for many)."""
    return moment.astimezone(zone or local_zone()).date()


def local_today() -> date:
    return local_date(utcnow())
