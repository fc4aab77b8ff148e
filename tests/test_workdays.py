"""Working days: weekends, the 2026 holidays and make-up days, years chinese_calendar does not
know, and CalendarDay rows that fill or correct it. Every value was checked by hand against the
State Council's 2026 notice and a wall calendar."""

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from tests.conftest import count_queries
from tests.factories import FROZEN_NOW
from tracker.extensions import db
from tracker.models import CalendarDay
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)  # a Monday; the local date of FROZEN_NOW


def add_calendar_days(*days: tuple[date, bool, str]) -> None:
    for day, is_workday, name in days:
        db.session.add(CalendarDay(day=day, is_workday=is_workday, name=name, created_at=FROZEN_NOW))
    db.session.flush()


# Illustrative rows as an admin would enter them for 2027; not the published notice.
ROWS_2027 = (
    (date(2027, 1, 1), False, "元旦"),  # a Friday
    (date(2027, 2, 5), False, "春节"),  # a Friday
    (date(2027, 2, 20), True, "春节调休上班"),  # a Saturday
)


def test_it_works_monday_to_friday_and_rests_at_weekends():
    calendar = WorkCalendar()
    assert calendar.is_workday(TODAY)
    assert calendar.is_workday(date(2026, 6, 5))  # Friday
    assert not calendar.is_workday(date(2026, 6, 6))  # Saturday
    assert not calendar.is_workday(date(2026, 6, 7))  # Sunday
    assert calendar.next_workday(date(2026, 6, 5)) == date(2026, 6, 8)
    assert calendar.add_workdays(date(2026, 6, 5), 2) == date(2026, 6, 9)


def test_it_counts_down_the_working_days_left():
    calendar = WorkCalendar()
    assert calendar.workdays_until(TODAY, TODAY) == 0
    assert calendar.workdays_until(TODAY, date(2026, 6, 2)) == 1
    assert calendar.workdays_until(TODAY, date(2026, 6, 6)) == 4  # Tue–Fri; the Saturday adds none
    # 2–30 June has 21 weekdays, less the Dragon Boat Festival on Friday 19 June.
    assert calendar.workdays_until(TODAY, date(2026, 6, 30)) == 20
    # Friday's deadline is one working day past on Monday.
    assert calendar.workdays_until(TODAY, date(2026, 5, 29)) == -1


def test_it_knows_the_2026_spring_festival():
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2026, 2, 14))  # Saturday, made up
    assert calendar.is_workday(date(2026, 2, 28))  # Saturday, made up
    assert not any(calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))  # 15–23 Feb
    assert calendar.is_workday(date(2026, 2, 24))
    assert calendar.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)
    assert calendar.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)


def test_it_knows_the_2026_national_day_holiday():
    calendar = WorkCalendar()
    assert not any(calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))  # 1–7 Oct
    assert calendar.is_workday(date(2026, 9, 20))  # Sunday, made up
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, made up
    assert not calendar.is_workday(date(2026, 10, 11))


def test_it_agrees_with_chinese_calendar_on_every_day_of_2026():
    calendar = WorkCalendar()
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert [calendar.is_workday(d) for d in days] == [chinese_calendar.is_workday(d) for d in days]


def test_it_counts_down_across_the_national_day_holiday():
    calendar = WorkCalendar()
    assert calendar.workdays_until(date(2026, 9, 30), date(2026, 10, 9)) == 2  # 8 and 9 Oct
    # 8, 9, 10 (the make-up Saturday) and 12 Oct.
    assert calendar.workdays_until(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert calendar.workdays_until(date(2026, 10, 12), date(2026, 9, 30)) == -4
    # From a Saturday to Monday: the make-up Sunday 20 Sep counts.
    assert calendar.workdays_until(date(2026, 9, 19), date(2026, 9, 21)) == 2


def test_it_adds_working_days_across_a_holiday():
    calendar = WorkCalendar()
    assert calendar.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert calendar.add_workdays(date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_it_falls_back_to_weekends_in_2027_without_raising():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))  # why this module never calls it
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2027, 1, 1))  # a Friday, unknown holiday or not
    assert not calendar.is_workday(date(2027, 1, 2))
    # 31 Dec, 1 Jan, 4–8 Jan.
    assert calendar.workdays_until(date(2026, 12, 30), date(2027, 1, 8)) == 7
    assert calendar.next_workday(date(2026, 12, 31)) == date(2027, 1, 1)
    assert calendar.is_workday(date(1999, 10, 1))  # before the library's years too: a Friday


def test_it_agrees_with_counting_day_by_day_across_years():
    calendar = WorkCalendar({date(2027, 1, 1): False, date(2028, 1, 8): True})
    start = date(2025, 12, 20)
    pairs = [(start + timedelta(days=a), start + timedelta(days=b)) for a in (0, 13, 400) for b in (0, 12, 380, 900)]
    for today, deadline in pairs:
        low, high = sorted((today, deadline))
        naive = sum(calendar.is_workday(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
        assert calendar.workdays_until(today, deadline) == (naive if deadline >= today else -naive)
    for n in (1, 5, 250, 700):
        later = calendar.add_workdays(start, n)
        assert calendar.is_workday(later)
        assert calendar.workdays_until(start, later) == n


def test_it_honours_calendar_day_rows_for_2027(app, ctx):
    add_calendar_days(*ROWS_2027)
    with count_queries(app) as statements:
        calendar = WorkCalendar.load()
        calendar.workdays_until(TODAY, date(2027, 3, 1))
    assert len(statements) == 1
    assert not calendar.is_workday(date(2027, 1, 1))
    assert not calendar.is_workday(date(2027, 2, 5))
    assert calendar.is_workday(date(2027, 2, 20))  # a Saturday
    assert calendar.is_workday(date(2027, 2, 8))  # no row: a Monday
    # 31 Dec and 4–8 Jan: New Year's Day no longer counts.
    assert calendar.workdays_until(date(2026, 12, 30), date(2027, 1, 8)) == 6
    assert calendar.next_workday(date(2026, 12, 31)) == date(2027, 1, 4)


def test_it_lets_a_row_correct_chinese_calendar_in_2026(ctx):
    add_calendar_days((date(2026, 10, 10), False, "更正"), (date(2026, 10, 7), True, "更正"))
    calendar = WorkCalendar.load(db.session)
    assert not calendar.is_workday(date(2026, 10, 10))
    assert calendar.is_workday(date(2026, 10, 7))
    # 7, 8, 9 and 12 Oct.
    assert calendar.workdays_until(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert calendar.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 7)
    assert calendar.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 12)


def test_it_knows_through_the_last_year_with_holiday_data(ctx):
    assert WorkCalendar().known_through() == date(2026, 12, 31)
    assert WorkCalendar({date(2025, 10, 1): False}).known_through() == date(2026, 12, 31)
    assert WorkCalendar.load().known_through() == date(2026, 12, 31)
    add_calendar_days(*ROWS_2027)
    assert WorkCalendar.load().known_through() == date(2027, 12, 31)


def test_it_warns_when_the_coming_months_lack_holiday_data():
    calendar = WorkCalendar()
    assert not calendar.months_without_data(TODAY)
    assert not calendar.months_without_data(date(2026, 9, 30))  # up to 30 Dec
    assert calendar.months_without_data(date(2026, 10, 1))  # up to 1 Jan 2027
    assert calendar.months_without_data(TODAY, months=7)
    assert not calendar.months_without_data(date(2026, 8, 31), months=1)  # 30 Sep, not 31
    with_2027 = WorkCalendar({day: is_workday for day, is_workday, _ in ROWS_2027})
    assert not with_2027.months_without_data(date(2026, 10, 1))
    assert with_2027.months_without_data(date(2027, 10, 1))


def test_it_refuses_a_datetime_and_a_count_below_one():
    calendar = WorkCalendar()
    with pytest.raises(TypeError):
        calendar.is_workday(datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        calendar.add_workdays(TODAY, 0)
