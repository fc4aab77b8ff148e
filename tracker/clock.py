"""Time in one place: instants are aware UTC datetimes; calendar dates are in the office's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in the office's time zone (Asia/Shanghai by default)."""
    return moment.astimezone(local_zone()).date()


def local_today() -> date:
    return local_date(utcnow())
