"""Reading the State Council's holiday notice: the 2026 notice gives exactly what chinese_calendar
knows of 2026; older wordings, ranges across the new year, and text that is no notice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

from tracker.services.holiday_notice import NoticeDay, NoticeError, parse_notice

SHARED_NOTICES = Path(__file__).resolve().parents[1].parent / "shared" / "holidays"
# A copy of the shared notice, so that the test never depends on a file outside the project.
NOTICE_2026 = Path(__file__).resolve().parent / "samples" / "holidays-2026-notice.txt"

# Older notices, as published, in their other wordings: no weekday in brackets, "星期日",
# "与周末连休", "放假1天，不调休", two festivals in one line, a sentence about a day that is no holiday.
NOTICE_2024 = """国务院办公厅关于2024年部分节假日安排的通知
一、元旦：1月1日放假，与周末连休。
二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
五、端午节：6月10日放假，与周末连休。
六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。
"""
NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
"""
TITLE_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n"


def library_days(year: int) -> tuple[set[date], set[date]]:
    """chinese_calendar's holidays of ``year`` (weekend days inside a holiday span included, as a
    notice's "至" includes them) and its make-up working days (the weekend days it lists as work)."""
    holidays = {day for day in chinese_calendar.holidays if day.year == year}
    workdays = {day for day in chinese_calendar.workdays if day.year == year and day.weekday() >= 5}
    return holidays, workdays


def days(year: int, month: int, first: int, last: int) -> set[date]:
    return {date(year, month, d) for d in range(first, last + 1)}


# --- the published notices -------------------------------------------------------------------------------


def test_it_reads_the_2026_notice_exactly_as_chinese_calendar_knows_2026():
    notice = parse_notice(NOTICE_2026.read_text(encoding="utf-8"))

    holidays, workdays = library_days(2026)
    assert notice.year == 2026
    assert set(notice.holidays) == holidays
    assert set(notice.workdays) == workdays
    assert len(holidays) == 33 and len(workdays) == 6  # not two empty sets agreeing


def test_it_names_each_day_after_its_festival():
    notice = parse_notice(NOTICE_2026.read_text(encoding="utf-8"))

    assert [f.name for f in notice.festivals] == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    spring = notice.festivals[1]
    assert spring.holidays == tuple(sorted(days(2026, 2, 15, 23)))
    assert spring.workdays == (date(2026, 2, 14), date(2026, 2, 28))
    assert notice.days[:4] == [
        NoticeDay(date(2026, 1, 1), False, "元旦"),
        NoticeDay(date(2026, 1, 2), False, "元旦"),
        NoticeDay(date(2026, 1, 3), False, "元旦"),
        NoticeDay(date(2026, 1, 4), True, "元旦"),
    ]
    assert notice.workdays[date(2026, 9, 20)] == "国庆节"  # made up before the festival it belongs to


def test_the_sample_is_the_shared_notice():
    shared = SHARED_NOTICES / "2026-notice.txt"
    if not shared.exists():
        pytest.skip(f"{shared} is not there (the sample copy is what the other tests read)")
    assert NOTICE_2026.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


@pytest.mark.parametrize(("year", "text"), [(2024, NOTICE_2024), (2025, NOTICE_2025)])
def test_it_reads_older_wordings_as_chinese_calendar_knows_them(year, text):
    notice = parse_notice(text)

    holidays, workdays = library_days(year)
    assert (notice.year, set(notice.holidays), set(notice.workdays)) == (year, holidays, workdays)


def test_it_reads_a_notice_pasted_as_one_line_with_full_width_digits():
    text = NOTICE_2026.read_text(encoding="utf-8")
    squashed = text.replace("\n", "").replace("1月1日", "１月１日").replace(" ", "")

    assert parse_notice(squashed) == parse_notice(text)


def test_it_reads_days_off_in_lieu():
    notice = parse_notice(TITLE_2027 + "一、清明节：4月5日放假，4月6日（星期二）补休。")

    assert set(notice.holidays) == {date(2027, 4, 5), date(2027, 4, 6)}
    assert notice.workdays == {}


def test_a_range_ending_on_a_smaller_day_without_a_month_ends_in_the_next_month():
    notice = parse_notice(TITLE_2027 + "一、春节：1月30日（周六）至2日（周二）放假，共4天。")

    assert notice.festivals[0].holidays == (date(2027, 1, 30), date(2027, 1, 31), date(2027, 2, 1), date(2027, 2, 2))


# --- the new year -----------------------------------------------------------------------------------------


def test_a_range_ending_before_it_starts_runs_into_the_next_year():
    notice = parse_notice(
        TITLE_2027 + "一、元旦：12月31日（周五）至1月2日（周日）放假，共3天。1月8日（周六）上班。\n"
        "二、春节：2月6日（周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。"
    )

    new_year = notice.festivals[0]
    assert new_year.holidays == (date(2027, 12, 31), date(2028, 1, 1), date(2028, 1, 2))
    assert set(notice.workdays) == {date(2028, 1, 8), date(2027, 2, 20)}  # each line starts in the notice's year


def test_it_takes_the_years_the_notice_writes():
    notice = parse_notice(
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
        "二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。\n"
    )

    assert set(notice.festivals[0].holidays) == {date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)}
    assert set(notice.festivals[1].holidays) == days(2023, 1, 21, 27)
    assert set(notice.workdays) == {date(2023, 1, 28), date(2023, 1, 29)}


# --- text that is no notice, or contradicts itself --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "没有找到通知标题“国务院办公厅关于××××年部分节假日安排的通知”"),
        ("今天天气很好，我们去公园散步。1月1日放假。", "没有找到通知标题"),
        (TITLE_2027 + "各单位要妥善安排好值班和安全工作。", "没有找到节假日安排"),
        (TITLE_2027 + "一、元旦：另行通知。", "“元旦”一项中没有找到放假日期：另行通知。"),
        (TITLE_2027 + "一、元旦：1月1日（周四）放假。", "2027-01-01是周五，而通知写的是“周四”"),
        (TITLE_2027 + "一、元旦：1月1日至3日放假，共4天。", "“元旦”一项写明放假4天，但识别出3天"),
        (TITLE_2027 + "一、春节：2月29日至3月2日放假。", "“春节”一项的日期“2月29日”不存在"),
        (TITLE_2027 + "一、春节：1月1日至2月28日放假。", "日期范围“1月1日至2月28日”过长"),
        (TITLE_2027 + "一、元旦：1日放假。", "“元旦”一项的日期“1日”没有写月份"),
        (
            TITLE_2027 + "一、元旦：1月1日放假。\n二、春节：2月6日至8日放假。1月1日上班。",
            "2027-01-01在通知中出现了两次（“元旦”和“春节”）",
        ),
    ],
)
def test_it_says_in_chinese_what_is_wrong(text, message):
    with pytest.raises(NoticeError) as raised:
        parse_notice(text)

    assert message in raised.value.message
    assert str(raised.value) == raised.value.message


def test_its_errors_keep_the_untranslated_message_and_its_values():
    """A page shows them in the user's language: gettext(message_id, **params)."""
    with pytest.raises(NoticeError) as raised:
        parse_notice(TITLE_2027 + "一、元旦：1月1日（周四）放假。")

    assert raised.value.message_id.startswith("“%(name)s”一项中，%(date)s是周%(actual)s")
    assert raised.value.params == {"name": "元旦", "date": "2027-01-01", "actual": "五", "written": "周四"}
