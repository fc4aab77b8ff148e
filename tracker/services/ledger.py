"""The 台账 (task ledger) as rows, and its .xlsx and .csv files.

The rows are read for the list's filter (``task_query.condition``) in five queries whatever the
number of tasks: the tasks with their lead department and assignee, the co-departments, the
latest progress update of each task (the lead department's), the latest report of each
co-department (协办反馈), and the accepted shortcoming↔measure links. The files are official
records, so their text is Chinese whatever the interface language.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from xml.sax.saxutils import escape

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import (
    Department,
    ItemKind,
    LinkStatus,
    ProgressUpdate,
    ReportItem,
    ShortcomingMeasureLink,
    Task,
    TaskState,
    UpdateKind,
    User,
    task_co_departments,
)
from tracker.names import STATE_NAMES, chinese_date
from tracker.services.deadlines import Standing, due_soon_workdays, stale_after_days
from tracker.services.deadlines import standing as deadline_standing
from tracker.services.workdays import WorkCalendar

HEADERS = (
    "序号",
    "存在问题",
    "整改措施",
    "牵头单位",
    "配合单位",
    "责任人",
    "完成时限",
    "进展情况",
    "完成情况",
    "是否销号",
    "备注",
)
# In Excel's width units, the width of a digit of the body font (Calibri 11: 7 px, 5.25 pt). Narrow
# enough that the eleven columns fit across A4 landscape at a print scale that keeps the text at
# 9 pt or more (``print_scale``); long texts wrap onto more lines instead.
COLUMN_WIDTHS = (6, 24, 26, 11, 12, 8, 12, 28, 18, 10, 14)
DEADLINE_COLUMN = HEADERS.index("完成时限")
# Fills of the deadline cell by light; light enough that the text stays readable when printed.
LIGHT_FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE", "grey": "D9D9D9"}
LIGHT_WORDS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}  # grey (closed) is said by the state
DATE_FORMAT = "yyyy-mm-dd"
SEPARATOR = "；"
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LedgerRow:
    number: int
    problem: str  # 存在问题
    measure: str  # 整改措施
    lead_department: str
    co_departments: str
    assignee: str
    deadline: date | None
    progress: str  # the lead's latest update, then each co-department's, with their dates
    completion: str  # state, percent, countdown and light in words
    closed: bool  # 是否销号
    remarks: str
    light: str  # red, yellow, green, grey

    def texts(self) -> tuple[str, ...]:
        """The eleven cells as text, dates as YYYY-MM-DD (the CSV and the print page)."""
        return (
            str(self.number),
            self.problem,
            self.measure,
            self.lead_department,
            self.co_departments,
            self.assignee,
            self.deadline.isoformat() if self.deadline else "",
            self.progress,
            self.completion,
            "是" if self.closed else "否",
            self.remarks,
        )


def build_rows(
    condition: ColumnElement[bool], order: Sequence[Any], today: date, calendar: WorkCalendar, zone: tzinfo
) -> list[LedgerRow]:
    """One row per task matching ``condition`` (see ``task_query.condition``), in ``order``; five
    queries whatever the number of tasks. The tasks are read as plain rows, not ORM objects: an
    export of 10,000 tasks would spend seconds building objects it only reads. ``zone`` dates
    the progress updates."""
    lead, assignee = aliased(Department), aliased(User)
    tasks = db.session.execute(
        sa.select(*_TASK_COLUMNS, lead.name.label("lead_name"), assignee.name.label("assignee_name"))
        .outerjoin(lead, lead.id == Task.lead_department_id)
        .outerjoin(assignee, assignee.id == Task.assignee_id)
        .where(condition)
        .order_by(*order)
    ).all()
    matching = sa.select(Task.id).where(condition)
    co_departments = _co_departments(matching)
    latest = _latest_updates(matching)
    assisting = _latest_co_department_reports(matching)
    shortcomings_of, measures_of = _accepted_links([t.report_item_id for t in tasks if t.report_item_id])
    rows = []
    stale_after, due_soon_within = stale_after_days(), due_soon_workdays()
    for number, task in enumerate(tasks, start=1):
        standing = deadline_standing(task, today, calendar, task.last_progress_at, stale_after, due_soon_within)
        problem, measure = _problem_and_measure(task, shortcomings_of, measures_of)
        rows.append(
            LedgerRow(
                number=number,
                problem=problem,
                measure=measure,
                lead_department=task.lead_name or "未交办",
                co_departments="、".join(co_departments.get(task.id, [])),
                assignee=task.assignee_name or "",
                deadline=task.deadline,
                progress=_progress(latest.get(task.id), assisting.get(task.id, []), zone),
                completion=_completion(task, standing, today),
                closed=task.state == TaskState.DONE,
                remarks=_remarks(task),
                light=standing.light,
            )
        )
    return rows


# What a row needs of a task (and what deadlines.standing reads).
_TASK_COLUMNS = (
    Task.id,
    Task.kind,
    Task.title,
    Task.description,
    Task.report_item_id,
    Task.state,
    Task.percent_done,
    Task.deadline,
    Task.original_deadline,
    Task.extension_count,
    Task.sent_back_count,
    Task.last_progress_at,
    Task.acknowledged_at,
    Task.created_at,
)


def _co_departments(matching: Select[tuple[int]]) -> dict[int, list[str]]:
    rows = db.session.execute(
        sa.select(task_co_departments.c.task_id, Department.name)
        .join(Department, Department.id == task_co_departments.c.department_id)
        .where(task_co_departments.c.task_id.in_(matching))
        .order_by(Department.name)
    )
    names: dict[int, list[str]] = defaultdict(list)
    for task_id, name in rows:
        names[task_id].append(name)
    return names


def _among(column: sa.ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN (ids)`` with the numbers written into the SQL: tens of thousands of ids would
    pass SQLite's limit on bound parameters. They are integers from our own rows, never input."""
    return column.in_(sa.bindparam(f"ids_{column.key}", sorted(set(ids)), expanding=True, literal_execute=True))


def _latest_updates(matching: Select[tuple[int]]) -> dict[int, tuple[str, datetime]]:
    """{task id: (text, created_at)} of each matching task's latest progress update or closure
    summary: the lead department's, not a co-department's 协办反馈."""
    newest_first = sa.func.row_number().over(
        partition_by=ProgressUpdate.task_id, order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    )
    ranked = (
        sa.select(ProgressUpdate.task_id, ProgressUpdate.text, ProgressUpdate.created_at, newest_first.label("place"))
        .where(ProgressUpdate.task_id.in_(matching), ProgressUpdate.kind != UpdateKind.ASSIST)
        .subquery()
    )
    latest = sa.select(ranked.c.task_id, ranked.c.text, ranked.c.created_at).where(ranked.c.place == 1)
    return {task_id: (text, created_at) for task_id, text, created_at in db.session.execute(latest)}


def _latest_co_department_reports(matching: Select[tuple[int]]) -> dict[int, list[tuple[str, str, datetime]]]:
    """{task id: [(department name, text, created_at)]}: each co-department's latest 协办反馈 on
    each matching task, by department name."""
    newest_first = sa.func.row_number().over(
        partition_by=(ProgressUpdate.task_id, ProgressUpdate.department_id),
        order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
    )
    ranked = (
        sa.select(
            ProgressUpdate.task_id,
            ProgressUpdate.department_id,
            ProgressUpdate.text,
            ProgressUpdate.created_at,
            newest_first.label("place"),
        )
        .where(ProgressUpdate.task_id.in_(matching), ProgressUpdate.kind == UpdateKind.ASSIST)
        .subquery()
    )
    latest = (
        sa.select(ranked.c.task_id, Department.name, ranked.c.text, ranked.c.created_at)
        .join(Department, Department.id == ranked.c.department_id)
        .where(ranked.c.place == 1)
        .order_by(Department.name)
    )
    reports: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    for task_id, name, text, created_at in db.session.execute(latest):
        reports[task_id].append((name, text, created_at))
    return reports


def _progress(lead: tuple[str, datetime] | None, assisting: list[tuple[str, str, datetime]], zone: tzinfo) -> str:
    """进展情况: "2026年6月1日：…", then a line "配合单位治安支队（2026年6月2日）：…" for each
    co-department's latest report."""
    lines = [f"{chinese_date(lead[1].astimezone(zone).date())}：{lead[0]}"] if lead else []
    lines += [f"配合单位{name}（{chinese_date(at.astimezone(zone).date())}）：{text}" for name, text, at in assisting]
    return "\n".join(lines)


def _accepted_links(item_ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """({measure item: titles of its shortcomings}, {shortcoming item: titles of its measures}),
    in report order."""
    if not item_ids:
        return {}, {}
    shortcoming, measure = aliased(ReportItem), aliased(ReportItem)
    link = ShortcomingMeasureLink
    rows = db.session.execute(
        sa.select(link.shortcoming_id, shortcoming.title, link.measure_id, measure.title)
        .join(shortcoming, shortcoming.id == link.shortcoming_id)
        .join(measure, measure.id == link.measure_id)
        .where(
            link.status == LinkStatus.ACCEPTED,
            sa.or_(_among(link.shortcoming_id, item_ids), _among(link.measure_id, item_ids)),
        )
        .order_by(shortcoming.position, measure.position)
    )
    shortcomings_of: dict[int, list[str]] = defaultdict(list)
    measures_of: dict[int, list[str]] = defaultdict(list)
    for shortcoming_id, shortcoming_title, measure_id, measure_title in rows:
        shortcomings_of[measure_id].append(shortcoming_title)
        measures_of[shortcoming_id].append(measure_title)
    return shortcomings_of, measures_of


def _problem_and_measure(
    task: sa.Row[Any], shortcomings_of: dict[int, list[str]], measures_of: dict[int, list[str]]
) -> tuple[str, str]:
    item_id = task.report_item_id
    if task.kind == ItemKind.SHORTCOMING:
        measures = measures_of.get(item_id, []) if item_id else []
        return task.title, "\n".join(measures) if measures else task.description
    if task.kind == ItemKind.MEASURE and item_id:
        return "\n".join(shortcomings_of.get(item_id, [])), task.title
    return "", task.title  # a task created by hand


def _completion(task: sa.Row[Any], standing: Standing, today: date) -> str:
    """进行中（60%）；剩余5个工作日；黄灯: the light in words, so a black-and-white print keeps it."""
    parts = [f"{STATE_NAMES[task.state]}（{task.percent_done}%）"]
    if standing.light != "grey" and standing.workdays_left is not None:
        if standing.overdue:
            late = standing.workdays_late or 0
            parts.append(f"已逾期{late}个工作日" if late > 0 else "已逾期")
        elif task.deadline == today:
            parts.append("今日到期")
        else:
            parts.append(f"剩余{standing.workdays_left}个工作日")
    if standing.light in LIGHT_WORDS:
        word = LIGHT_WORDS[standing.light]
        if standing.light == "yellow" and standing.stale:
            word += f"（{standing.stale_after}天以上未报送进展）"
        parts.append(word)
    return SEPARATOR.join(parts)


def _remarks(task: sa.Row[Any]) -> str:
    parts = []
    if task.extension_count:
        parts.append(f"延期{task.extension_count}次")
    if task.original_deadline and task.original_deadline != task.deadline:
        parts.append(f"原定完成时限{chinese_date(task.original_deadline)}")
    if task.sent_back_count:
        parts.append(f"退办{task.sent_back_count}次")
    if task.state in (TaskState.ON_HOLD, TaskState.CANCELLED):
        parts.append(STATE_NAMES[task.state])
    return SEPARATOR.join(parts)


# --- files ----------------------------------------------------------------------------------


# Row heights. Office suites do not size a row to its wrapped text when they open a file
# (LibreOffice and WPS show the first line only), so each row's height is written.
BODY_SIZE = 11  # pt: the cells' font, the workbook's default (Calibri 11)
TITLE_SIZE = 16  # pt
FULL_WIDTH = 2.1  # width units of a Chinese (full-width) character at 11 pt: 14.7 px against a 7-px digit
HALF_WIDTH = 1.0  # width units of a Latin letter, digit or half-width mark
CELL_MARGIN = 1.0  # width units of a column that its cells' inner margins take from the text
LINE_SPACING = 1.45  # em: LibreOffice sets Chinese at 11 pt (Noto Sans CJK) 16 pt apart; 等线 and 宋体 less
ROW_PADDING = 4  # pt, above the first line and below the last
MAX_ROW_HEIGHT = 409  # pt, the most Excel allows: a longer text is cut off in the cell
# UTF-8 bytes to themselves if printable ASCII, else to a space: a text so translated splits into
# its Latin words (and numbers), which a wrap does not break.
LATIN_WORDS_ONLY = bytes(byte if 0x21 <= byte <= 0x7E else 0x20 for byte in range(256))

# Printing on A4 landscape: at a fixed scale, never shrunk to one page's width below 9 pt; columns
# that do not fit run on to a page to the right, with the 序号 column and the header repeated.
MIN_PRINTED_SIZE = 9  # pt
A4_LANDSCAPE_WIDTH = 841.89  # pt
SIDE_MARGIN = 0.5  # inch, left and right
POINTS_PER_WIDTH_UNIT = 5.25  # a 7-px digit at 96 px to the inch
PAGE_NUMBERS = "第 &P 页，共 &N 页"
HEADER_FOOTER_LIMIT = 60  # characters of a print header's or footer's text: clear of the page numbers


def wrapped_lines(text: str, width: float) -> int:
    """The lines ``text`` takes wrapped in a column ``width`` units wide (at least one).

    A unit is the width of a digit of the body font; a Chinese character takes ``FULL_WIDTH``
    of them, any narrower character ``HALF_WIDTH``, and each line break starts a new line. A
    line is taken to hold its room less the most a wrap can leave unused at its end, one
    Chinese character or the longest Latin word (a wrap never splits one): the count errs by a
    line too many rather than too few. The characters are counted and measured through the
    UTF-8 bytes (three to a Chinese character, one to an ASCII one), not one by one: a
    10,000-row export has 110,000 cells."""
    room = max(width - CELL_MARGIN, FULL_WIDTH)
    if len(text) * FULL_WIDTH <= room and "\n" not in text and "\r" not in text:
        return 1  # however wide its characters: most cells
    lines = 0
    for paragraph in text.splitlines():
        encoded = paragraph.encode("utf-8")
        wide = (len(encoded) - len(paragraph)) / 2
        units = (len(paragraph) - wide) * HALF_WIDTH + wide * FULL_WIDTH
        if units <= room:
            lines += 1
            continue
        longest_word = max(map(len, encoded.translate(LATIN_WORDS_ONLY).split()), default=0) * HALF_WIDTH
        lost_at_line_end = min(max(FULL_WIDTH, longest_word), room / 2)
        lines += math.ceil(units / (room - lost_at_line_end))
    return lines


def row_height(lines: int, size: float = BODY_SIZE) -> int:
    """Points of a row of ``lines`` lines of text of ``size`` points, at most Excel's maximum."""
    return min(math.ceil(lines * size * LINE_SPACING + ROW_PADDING), MAX_ROW_HEIGHT)


def texts_height(texts: Sequence[str]) -> int:
    """Points of a row with ``texts`` in its columns, by the column that needs most lines."""
    return row_height(max(map(wrapped_lines, texts, COLUMN_WIDTHS)))


def print_scale(widths: Sequence[float] = COLUMN_WIDTHS) -> int:
    """The print scale (per cent) that fits columns of ``widths`` across A4 landscape, but never
    below the scale that prints the body text at ``MIN_PRINTED_SIZE``, nor above 100."""
    printable = A4_LANDSCAPE_WIDTH - 2 * SIDE_MARGIN * 72
    fitting = math.floor(printable / (sum(widths) * POINTS_PER_WIDTH_UNIT) * 100)
    return max(math.ceil(MIN_PRINTED_SIZE / BODY_SIZE * 100), min(100, fitting))


def describe_filter(conditions: Sequence[str]) -> str:
    """The list's filter as the print page says it: "筛选条件：牵头单位：交警支队；状态：进行中",
    or "筛选条件：全部任务"; ``conditions`` in Chinese."""
    return "筛选条件：" + (SEPARATOR.join(conditions) or "全部任务")


def _header_footer_text(text: str) -> str:
    """``text`` for a print header or footer: at most ``HEADER_FOOTER_LIMIT`` characters, and its
    ampersands doubled (a single one starts a code there, such as &P for the page number)."""
    if len(text) > HEADER_FOOTER_LIMIT:
        text = text[: HEADER_FOOTER_LIMIT - 1] + "…"
    return text.replace("&", "&&")


FIRST_DATA_ROW = 3  # row 1 the title, row 2 the header
HEADER_ROW = FIRST_DATA_ROW - 1
LAST_COLUMN = get_column_letter(len(HEADERS))
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (past its 1900 leap-year bug)
_COLUMN_LETTERS = [get_column_letter(i) for i in range(1, len(HEADERS) + 1)]
SHEET_PART = "xl/worksheets/sheet1.xml"
ZIP_LEVEL = 1  # fastest: the sheet XML is repetitive and shrinks tenfold even so


def write_xlsx(rows: Sequence[LedgerRow], title: str, today: date, filter_description: str) -> bytes:
    """The ledger as a workbook: a title row, the header row frozen and repeated on every printed
    page, text wrapped in rows as high as their text, deadlines as date cells filled with the
    colour of the light. The print has the title and ``filter_description`` (what the list was
    filtered by, see ``describe_filter``) in its header and footer, with the page numbers.

    openpyxl makes the workbook (styles, widths, panes, page setup, the title and header rows);
    the data rows are then written straight into its sheet XML. openpyxl spends about 25 µs on
    each cell even in write-only mode, 2.6 s for 10,000 rows of 11 cells, far too slow for an
    export a user waits for; the rows written here, their heights estimated on the way, take
    about a sixth of that.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("整改督办台账")
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"  # below the title and the header
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_title_cols = "A:A"  # 序号, on a page to the right
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.scale = print_scale()
    sheet.page_setup.pageOrder = "overThenDown"  # a row's page to the right comes next
    sheet.page_margins.left = sheet.page_margins.right = SIDE_MARGIN
    heading_text = f"{title}（截至{chinese_date(today)}）"
    sheet.oddHeader.left.text = _header_footer_text(heading_text)
    sheet.oddFooter.left.text = _header_footer_text(filter_description)
    sheet.oddFooter.right.text = PAGE_NUMBERS
    last_cell = f"{LAST_COLUMN}{len(rows) + HEADER_ROW}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_cell}"

    edge = Side(style="thin", color="808080")
    border = Border(left=edge, right=edge, top=edge, bottom=edge)
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(horizontal="center", vertical="top", wrap_text=True)
    heading = WriteOnlyCell(sheet, heading_text)
    heading.font = Font(bold=True, size=TITLE_SIZE)
    # A write-only sheet writes a row's height when it is set before the row is appended.
    sheet.row_dimensions[1].height = row_height(1, TITLE_SIZE)
    sheet.append([heading])
    sheet.row_dimensions[HEADER_ROW].height = texts_height(HEADERS)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, text)
        cell.font, cell.alignment, cell.border = Font(bold=True, size=BODY_SIZE), centred, border
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        header.append(cell)
    sheet.append(header)

    text_style = _style_id(sheet, alignment=wrap, border=border)
    centre_style = _style_id(sheet, alignment=centred, border=border)
    date_styles = {
        light: _style_id(sheet, alignment=centred, border=border, number_format=DATE_FORMAT, fill=colour)
        for light, colour in LIGHT_FILLS.items()
    }
    column_styles = [text_style] * len(HEADERS)
    column_styles[0] = column_styles[HEADERS.index("是否销号")] = centre_style

    buffer = io.BytesIO()
    workbook.save(buffer)
    data_rows = _sheet_rows(rows, column_styles, date_styles)
    return _insert_rows(buffer.getvalue(), data_rows)


def _style_id(
    sheet: object, *, alignment: Alignment, border: Border, number_format: str | None = None, fill: str | None = None
) -> int:
    """The workbook's index of a cell style (the ``s`` of a cell), registered on the way."""
    cell = WriteOnlyCell(sheet)
    cell.alignment, cell.border = alignment, border
    if number_format:
        cell.number_format = number_format
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    return cell.style_id


def _sheet_rows(rows: Sequence[LedgerRow], column_styles: list[int], date_styles: dict[str, int]) -> list[str]:
    """SpreadsheetML ``<row>`` elements as high as their wrapped text: text as inline strings
    (never formulas), the number as a number, the deadline as a date serial."""
    deadline_letter = _COLUMN_LETTERS[DEADLINE_COLUMN]
    parts = []
    for index, row in enumerate(rows, start=FIRST_DATA_ROW):
        cells = []
        texts = row.texts()
        for column, text in enumerate(texts):
            ref = f"{_COLUMN_LETTERS[column]}{index}"
            if column == 0:
                cells.append(f'<c r="{ref}" s="{column_styles[0]}"><v>{row.number}</v></c>')
            elif column == DEADLINE_COLUMN:
                style = date_styles[row.light]
                if row.deadline is None:
                    cells.append(f'<c r="{deadline_letter}{index}" s="{style}"/>')
                else:
                    serial = (row.deadline - EXCEL_EPOCH).days
                    cells.append(f'<c r="{deadline_letter}{index}" s="{style}"><v>{serial}</v></c>')
            elif text:
                text = escape(ILLEGAL_CHARACTERS_RE.sub("", text))
                cells.append(
                    f'<c r="{ref}" s="{column_styles[column]}" t="inlineStr">'
                    f'<is><t xml:space="preserve">{text}</t></is></c>'
                )
            else:
                cells.append(f'<c r="{ref}" s="{column_styles[column]}"/>')  # empty, but bordered
        height = texts_height(texts)
        parts.append(f'<row r="{index}" ht="{height}" customHeight="1">{"".join(cells)}</row>')
    return parts


def _insert_rows(package: bytes, rows: list[str]) -> bytes:
    """``package`` (an .xlsx made by openpyxl) with ``rows`` at the end of its one sheet's data."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == SHEET_PART:
                head, tail = content.split(b"</sheetData>", 1)
                content = head + "".join(rows).encode("utf-8") + b"</sheetData>" + tail
            target.writestr(info.filename, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
    return output.getvalue()


def write_csv(rows: Sequence[LedgerRow]) -> bytes:
    """The ledger as CSV: UTF-8 with a BOM (so Excel reads Chinese right), dates as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_defused(text) for text in row.texts()])
    return buffer.getvalue().encode("utf-8-sig")


def _defused(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
