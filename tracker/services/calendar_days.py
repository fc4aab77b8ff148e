"""The holiday table (``CalendarDay`` rows) that the legal office and the administrator keep: a
year's notice saved at once, or a single day added or removed. Each change is audited; the
services add and flush, the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import CalendarDay, User
from tracker.services.audit import record_event
from tracker.services.holiday_notice import NoticeDay, ParsedNotice


def save_days(notice: ParsedNotice, actor: User, now: datetime) -> list[CalendarDay]:
    """Replace the rows of the notice's year, and of any day it sets in a neighbouring year
    (元旦 from 31 December), with the notice's days. Rows of other years stay. Returns the new
    rows in date order."""
    days = notice.days
    replaced = db.session.scalars(
        sa.select(CalendarDay)
        .where(
            sa.or_(
                CalendarDay.day.between(date(notice.year, 1, 1), date(notice.year, 12, 31)),
                CalendarDay.day.in_([d.day for d in days]),
            )
        )
        .order_by(CalendarDay.day)
    ).all()
    before = [_snapshot(row) for row in replaced]
    for row in replaced:
        db.session.delete(row)
    # Deletes first: a day of the notice may already have a row, and the day is the key.
    db.session.flush()
    rows = [_row(day, now) for day in days]
    db.session.add_all(rows)
    db.session.flush()
    record_event(
        "calendar_notice_saved",
        now=now,
        actor=actor,
        object_type="calendar_year",
        object_id=notice.year,
        before={"days": before},
        after={"days": [_snapshot(row) for row in rows]},
    )
    return rows


def add_day(day: date, is_workday: bool, name: str, actor: User, now: datetime) -> CalendarDay:
    """Set one day as a holiday or a working day; an existing row for the day is overwritten."""
    row = db.session.get(CalendarDay, day)
    before = _snapshot(row) if row is not None else None
    if row is None:
        row = CalendarDay(day=day, created_at=now)
        db.session.add(row)
    row.is_workday = is_workday
    row.name = name.strip()
    db.session.flush()
    record_event(
        "calendar_day_saved",
        now=now,
        actor=actor,
        object_type="calendar_year",
        object_id=day.year,
        before=before,
        after=_snapshot(row),
    )
    return row


def delete_day(row: CalendarDay, actor: User, now: datetime) -> None:
    """Remove a row: the day goes back to chinese_calendar's status, or the weekend rule."""
    before = _snapshot(row)
    db.session.delete(row)
    db.session.flush()
    record_event(
        "calendar_day_deleted", now=now, actor=actor, object_type="calendar_year", object_id=row.day.year, before=before
    )


def days_by_year(rows: Iterable[CalendarDay]) -> dict[int, list[CalendarDay]]:
    """Rows grouped by year, the latest year first, each year's in date order."""
    years: dict[int, list[CalendarDay]] = {}
    for row in sorted(rows, key=lambda r: r.day):
        years.setdefault(row.day.year, []).append(row)
    return dict(sorted(years.items(), reverse=True))


def _row(day: NoticeDay, now: datetime) -> CalendarDay:
    return CalendarDay(day=day.day, is_workday=day.is_workday, name=day.name[:50], created_at=now)


def _snapshot(row: CalendarDay) -> dict[str, Any]:
    return {"day": row.day.isoformat(), "is_workday": row.is_workday, "name": row.name}
