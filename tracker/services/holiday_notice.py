"""Reading the State Council's yearly holiday notice ("国务院办公厅关于YYYY年部分节假日安排的通知").

The notice lists one festival a line::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

Every clause that says 放假 (or 补休, a day off in lieu) gives holidays, every one that says 上班
gives make-up working days. A date without a year is in the year of the date before it in the line
(the notice's year for the first), and without a month in that date's month; the end of a range
that falls before its start is in the next month ("1月30日至2日") or year ("12月31日至1月2日").
The notice's own checks are kept: the weekday in brackets must be the date's, and "共N天" must
be the number of holidays.

Pure functions: no database, no application. Messages are in Chinese; ``NoticeError`` also keeps
the message id and its values, so a page can show them in the user's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tracker.errors import Refusal
from tracker.i18n import N_

TITLE = re.compile(r"关于(\d{4})年部分节假日安排的通知")
# "一、元旦：" at the start of a line or after a full stop (a notice pasted as one line).
FESTIVAL = re.compile(r"(?:^|(?<=。))[ \t]*[一二三四五六七八九十]+、[ \t]*([^:,。\n]{1,30}?)[ \t]*:", re.MULTILINE)
# A date, with the bracket after it: "2022年12月31日（星期六）", "3日（周六）".
DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^()]*)\))?"
DATE_OR_RANGE = re.compile(DATE + r"(?:(?:至|到|-|~)" + DATE + r")?")
# Clauses end at a comma, semicolon or full stop outside brackets.
CLAUSE_END = re.compile(r"[,;。](?![^()]*\))")
DAY_COUNT = re.compile(r"(?:共|放假)(\d{1,2})天")
WEEKDAY_HINT = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
WEEKDAYS = "一二三四五六日"
LONGEST_HOLIDAY = 15  # days; a longer range is a misreading (the longest, Spring Festival, is 9)


class NoticeError(Refusal):
    """Text that is not a holiday notice, or one that contradicts itself. ``message`` says why, in
    Chinese; ``message_id`` and ``params`` are the same message untranslated, for ``gettext``."""

    status = 400

    def __init__(self, message_id: str, **params: Any) -> None:
        super().__init__(message_id % params if params else message_id)
        self.message_id = message_id
        self.params = params


@dataclass(frozen=True)
class Festival:
    """One numbered line of the notice: its holidays and its make-up working days, in date order."""

    name: str
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]


@dataclass(frozen=True)
class NoticeDay:
    day: date
    is_workday: bool  # True: a make-up working day (班); False: a holiday (休)
    name: str  # the festival's name, as the notice writes it


@dataclass(frozen=True)
class ParsedNotice:
    year: int
    festivals: tuple[Festival, ...]

    @property
    def holidays(self) -> dict[date, str]:
        return {day: f.name for f in self.festivals for day in f.holidays}

    @property
    def workdays(self) -> dict[date, str]:
        return {day: f.name for f in self.festivals for day in f.workdays}

    @property
    def days(self) -> list[NoticeDay]:
        """Every day the notice sets, in date order."""
        days = [NoticeDay(day, False, name) for day, name in self.holidays.items()]
        days += [NoticeDay(day, True, name) for day, name in self.workdays.items()]
        return sorted(days, key=lambda d: d.day)


def parse_notice(text: str) -> ParsedNotice:
    """The year, festivals, holidays and make-up days of a pasted notice. Raises NoticeError when
    the text has no title or no festival, or when a line cannot be read or contradicts itself."""
    # NFKC turns full-width digits and punctuation (１，：（）) into ASCII; the full stop stays.
    text = unicodedata.normalize("NFKC", text or "")
    title = TITLE.search(re.sub(r"[ \t\u00a0]+", "", text))
    if title is None:
        raise NoticeError(
            N_(
                "没有找到通知标题“国务院办公厅关于××××年部分节假日安排的通知”。"
                "请粘贴国务院办公厅发布的节假日安排通知全文（含标题）。"
            )
        )
    year = int(title.group(1))
    headings = list(FESTIVAL.finditer(text))
    if not headings:
        raise NoticeError(N_("没有找到节假日安排：通知中应有“一、元旦：1月1日至3日放假……”这样的条目。"))
    festivals = []
    for n, heading in enumerate(headings):
        end = headings[n + 1].start() if n + 1 < len(headings) else len(text)
        line = text[heading.end() : end].split("\n", 1)[0]
        festivals.append(_festival(heading.group(1).strip(), line, year))
    _check_each_day_once(festivals)
    return ParsedNotice(year, tuple(festivals))


def _festival(name: str, line: str, year: int) -> Festival:
    holidays: list[date] = []
    workdays: list[date] = []
    context = _Context(year)
    for clause in CLAUSE_END.split(line):
        is_holiday = "放假" in clause or "补休" in clause
        is_workday = "上班" in clause
        if not (is_holiday or is_workday):
            continue
        days = [day for match in DATE_OR_RANGE.finditer(clause) for day in context.days(match, name)]
        # A clause saying both (never seen) reads as holidays, the notice's first concern.
        (holidays if is_holiday else workdays).extend(days)
    if not holidays:
        raise NoticeError(N_("“%(name)s”一项中没有找到放假日期：%(line)s"), name=name, line=line.strip())
    stated = DAY_COUNT.search(line)
    if stated and int(stated.group(1)) != len(set(holidays)):
        raise NoticeError(
            N_("“%(name)s”一项写明放假%(stated)s天，但识别出%(found)s天，请核对日期：%(line)s"),
            name=name,
            stated=stated.group(1),
            found=str(len(set(holidays))),
            line=line.strip(),
        )
    return Festival(name, tuple(sorted(set(holidays))), tuple(sorted(set(workdays))))


class _Context:
    """The year and month a date without them takes: those of the date before it in the line."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.month: int | None = None

    def days(self, match: re.Match[str], name: str) -> list[date]:
        start = self._date(*match.group(1, 2, 3, 4), name=name)
        if match.group(7) is None:
            return [start]
        end = self._date(*match.group(5, 6, 7, 8), name=name, after=start)
        if (end - start).days >= LONGEST_HOLIDAY:
            raise NoticeError(N_("“%(name)s”一项的日期范围“%(text)s”过长，请核对。"), name=name, text=match.group(0))
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]

    def _date(
        self,
        year: str | None,
        month: str | None,
        day: str,
        bracket: str | None,
        *,
        name: str,
        after: date | None = None,
    ) -> date:
        text = f"{year}年" * bool(year) + f"{month}月" * bool(month) + f"{day}日"
        resolved_month = int(month) if month else self.month
        if resolved_month is None:
            raise NoticeError(N_("“%(name)s”一项的日期“%(text)s”没有写月份。"), name=name, text=text)
        resolved_year = int(year) if year else self.year
        # An end before its start is in the next month ("30日至2日") or year ("12月31日至1月2日").
        if after is not None and month is None and int(day) < after.day:
            resolved_year, resolved_month = divmod(resolved_year * 12 + resolved_month, 12)
            resolved_month += 1
        try:
            value = date(resolved_year, resolved_month, int(day))
            if after is not None and year is None and value < after:
                value = value.replace(year=value.year + 1)
        except ValueError as error:
            raise NoticeError(N_("“%(name)s”一项的日期“%(text)s”不存在。"), name=name, text=text) from error
        hint = WEEKDAY_HINT.search(bracket or "")
        if hint and WEEKDAYS.index(hint.group(1).replace("天", "日")) != value.weekday():
            raise NoticeError(
                N_("“%(name)s”一项中，%(date)s是周%(actual)s，而通知写的是“%(written)s”，请核对年份和日期。"),
                name=name,
                date=value.isoformat(),
                actual=WEEKDAYS[value.weekday()],
                written=hint.group(0),
            )
        self.year, self.month = value.year, value.month
        return value


def _check_each_day_once(festivals: list[Festival]) -> None:
    seen: dict[date, str] = {}
    for festival in festivals:
        for day in (*festival.holidays, *festival.workdays):
            if day in seen:
                raise NoticeError(
                    N_("%(date)s在通知中出现了两次（“%(first)s”和“%(second)s”），请核对。"),
                    date=day.isoformat(),
                    first=seen[day],
                    second=festival.name,
                )
            seen[day] = festival.name
