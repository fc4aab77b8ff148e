"""Time in one place: instants are aware UTC datetimes; calendar dates are in the office's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment: datetime, zone: tzinfo | None = None) -> date:
    """The calendar date of ``moment`` in the office's time zone (Asia/Shanghai by default;
    ``zone`` when the caller read it once for many)."""
    return moment.astimezone(zone or local_zone()).date()


def local_today() -> date:
    return local_date(utcnow())
