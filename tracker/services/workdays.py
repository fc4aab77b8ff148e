"""Working days on the Chinese calendar: public holidays (休) and make-up working days (班).

A day's status comes from, in order: a ``CalendarDay`` row (entered from the State Council's
yearly notice, or an office's correction), then chinese_calendar for the years it knows, then
plain weekends (Monday to Friday work). No year ever raises: chinese_calendar's own
``is_workday`` raises NotImplementedError outside its years, so it is never called here.

Load one ``WorkCalendar`` per request or job and ask it about every task: it reads the table
once and answers from memory.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from itertools import accumulate

import chinese_calendar
import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from tracker.extensions import db
from tracker.models import CalendarDay

# The library's public tables. They hold entries only for the years it supports, so a day of
# another year is found in neither and falls through to the weekend rule.
LIBRARY_HOLIDAYS: Mapping[date, object] = chinese_calendar.holidays
LIBRARY_WORKDAYS: Mapping[date, object] = chinese_calendar.workdays
LIBRARY_LAST_YEAR = max(day.year for day in LIBRARY_HOLIDAYS)
DEFAULT_WARNING_MONTHS = 3


class WorkCalendar:
    """Which days are working days, from a mapping {day: is_workday} that overrides
    chinese_calendar and the weekend rule. Cheap to query; build one with ``load``."""

    def __init__(self, days: Mapping[date, bool] | None = None) -> None:
        self._days: dict[date, bool] = dict(days or {})
        # Per year: running count of working days from 1 January through each day of the year.
        self._years: dict[int, list[int]] = {}
        last_row_year = max((day.year for day in self._days), default=LIBRARY_LAST_YEAR)
        self._known_through = date(max(LIBRARY_LAST_YEAR, last_row_year), 12, 31)

    @classmethod
    def load(cls, session: Session | scoped_session[Session] | None = None) -> WorkCalendar:
        """All ``CalendarDay`` rows, read in one query (``db.session`` by default)."""
        session = session if session is not None else db.session
        rows = session.execute(sa.select(CalendarDay.day, CalendarDay.is_workday)).all()
        return cls({day: is_workday for day, is_workday in rows})

    def is_workday(self, day: date) -> bool:
        _require_date(day)
        status = self._days.get(day)
        if status is not None:
            return status
        if day in LIBRARY_WORKDAYS:
            return True
        return day.weekday() < 5 and day not in LIBRARY_HOLIDAYS

    def workdays_until(self, today: date, deadline: date) -> int:
        """The countdown "剩余N个工作日": the working days after ``today`` up to and including
        ``deadline``; when the deadline is past, minus the working days after ``deadline`` up
        to and including ``today``.

        Examples (2026): today Wed 30 Sep, deadline Fri 9 Oct → 2 (1–7 Oct are holidays);
        deadline today → 0; deadline the next working day → 1; today Mon 12 Oct, deadline
        Wed 30 Sep → -4 (8, 9, 10 Oct (a make-up Saturday) and 12 Oct).
        0 also comes out for a deadline just past when only rest days followed it (deadline
        Friday, today Saturday) and for one on the rest days ahead: decide "overdue" by
        comparing dates, not by this number.
        """
        _require_date(today)
        _require_date(deadline)
        if deadline >= today:
            return self._count_between(today, deadline)
        return -self._count_between(deadline, today)

    def add_workdays(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself never counts); n must be >= 1,
        else ValueError. add_workdays(Wed 30 Sep 2026, 1) is Thu 8 Oct."""
        _require_date(day)
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        year = day.year
        running = self._year(year)
        # The running count the answer reaches, expressed within the answer's own year.
        target = running[_day_of_year(day)] + n
        while target > running[-1]:
            target -= running[-1]
            year += 1
            running = self._year(year)
        # The count first reaches ``target`` on a working day, since it only rises on those.
        return date(year, 1, 1) + timedelta(days=bisect_left(running, target))

    def next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.add_workdays(day, 1)

    def is_first_workday_of_week(self, day: date) -> bool:
        """Is ``day`` the first working day of its ISO week (Monday, or later when Monday is a
        holiday)? Weekly mail goes out on it."""
        monday = day - timedelta(days=day.weekday())
        first = monday if self.is_workday(monday) else self.next_workday(monday)
        return day == first

    def known_through(self) -> date:
        """The last day with holiday data: 31 December of chinese_calendar's last year, or of the
        latest ``CalendarDay`` row's year when that is later. After it only weekends count."""
        return self._known_through

    def months_without_data(self, today: date, months: int = DEFAULT_WARNING_MONTHS) -> bool:
        """True when the ``months`` months from ``today`` reach past ``known_through``, so an
        admin should enter the next year's notice."""
        _require_date(today)
        return _add_months(today, months) > self._known_through

    def _count_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (start <= end)."""
        start_running = self._year(start.year)
        end_running = self._year(end.year)
        count = end_running[_day_of_year(end)] - start_running[_day_of_year(start)]
        for year in range(start.year, end.year):
            count += self._year(year)[-1]
        return count

    def _year(self, year: int) -> list[int]:
        running = self._years.get(year)
        if running is None:
            first = date(year, 1, 1)
            length = 366 if calendar.isleap(year) else 365
            flags = (int(self.is_workday(first + timedelta(days=i))) for i in range(length))
            running = self._years[year] = list(accumulate(flags))
        return running


def _require_date(day: date) -> None:
    # A datetime would miss the {date: ...} lookups, and its UTC date can be the wrong day:
    # callers convert with tracker.clock.local_date first.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")


def _day_of_year(day: date) -> int:
    """0 for 1 January."""
    return day.toordinal() - date(day.year, 1, 1).toordinal()


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` months later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
