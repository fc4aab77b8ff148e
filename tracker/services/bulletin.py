"""The 通报 (progress bulletin): the dashboard's figures as an official .docx.

Laid out after GB/T 9704 (A4, margins 37/35/28/26 mm, 三号仿宋 body, 黑体 headings, 二号小标宋
title). python-docx writes only the Latin font names, so the East Asian font is set on the
``w:eastAsia`` attribute of each style and run, and the theme fonts that would win over it are
removed. The text is Chinese whatever the interface language: it is an official document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table

from tracker.models import Task
from tracker.services.dashboard import Group, Overview, rank
from tracker.services.ledger import chinese_date
from tracker.services.workdays import WorkCalendar

TITLE = "法治政府建设整改任务督办通报"
# Fonts of the standard; Word substitutes its own where one is not installed.
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四: nine columns do not fit in 三号
LINE_SPACING = Pt(28)
NOT_APPLICABLE = "—"
RANKING_HEADERS = ("排名", "单位", "任务数", "已办结", "已逾期", "办结率", "按期办结率", "一次办结率", "延期次数")
RANKING_WIDTHS = (10, 38, 14, 14, 14, 17, 17, 17, 15)  # mm, within the 156 mm text block
OVERDUE_HEADERS = ("序号", "任务", "牵头单位", "完成时限", "逾期工作日")
OVERDUE_WIDTHS = (12, 70, 30, 26, 18)
UNASSIGNED = "未交办"
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


# A bulletin is read and circulated: it lists the longest overdue tasks, and points to the
# ledger for the rest (a province may have thousands).
OVERDUE_LISTED = 100


def percent(rate: float | None) -> str:
    """85.0%, or — when there is nothing to divide by."""
    return NOT_APPLICABLE if rate is None else f"{rate * 100:.1f}%"


def write_bulletin(
    overview: Overview,
    overdue: Sequence[Task],
    as_of: date,
    issuer_name: str,
    *,
    calendar: WorkCalendar | None = None,
) -> bytes:
    """The bulletin as of ``as_of``: the overall figures, the departments ranked by 办结率 (then
    fewest overdue), and the overdue tasks with their working days overdue (counted on
    ``calendar``, loaded when not given). ``overdue`` may be the longest overdue only (see
    OVERDUE_LISTED); the text then says how many there are in all. ``issuer_name`` signs it;
    empty leaves it unsigned."""
    calendar = calendar or WorkCalendar.load()
    document = Document()
    _lay_out(document)

    _paragraph(document, TITLE, font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"（截至{chinese_date(as_of)}）", align=WD_ALIGN_PARAGRAPH.CENTER)

    document.add_heading("一、总体情况", level=1)
    _paragraph(document, summary_sentence(overview), indent=True)

    document.add_heading("二、各单位办理情况", level=1)
    _paragraph(
        document,
        "按办结率由高到低排列，办结率相同的按逾期任务数由少到多排列。"
        "按期办结率为按期办结任务数占已办结与已逾期任务数之和的比例，一次办结率为未经退办即办结的任务所占比例。",
        indent=True,
    )
    ranking = ranking_rows(overview.departments)
    if ranking:
        _table(document, RANKING_HEADERS, RANKING_WIDTHS, ranking)
    else:
        _paragraph(document, "截至通报日，暂无整改任务。", indent=True)

    document.add_heading("三、逾期未办结任务", level=1)
    if overview.total.overdue > len(overdue):
        _paragraph(
            document,
            f"截至通报日，共有逾期未办结任务{overview.total.overdue}项，以下列出逾期时间最长的{len(overdue)}项；"
            "全部逾期任务可在任务列表中按“已逾期”筛选后导出整改督办台账。",
            indent=True,
        )
    if overdue:
        rows = [
            (
                str(number),
                task.title,
                task.lead_department.name if task.lead_department else UNASSIGNED,
                chinese_date(task.deadline) if task.deadline else "",
                str(max(-calendar.workdays_until(as_of, task.deadline), 0)) if task.deadline else "",
            )
            for number, task in enumerate(overdue, start=1)
        ]
        _table(document, OVERDUE_HEADERS, OVERDUE_WIDTHS, rows, left_aligned=(1,))
    elif not overview.total.overdue:
        _paragraph(document, "截至通报日，无逾期未办结任务。", indent=True)

    if issuer_name:
        _paragraph(document, "")
        _paragraph(document, issuer_name, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=BODY_SIZE * 4)
        _paragraph(document, chinese_date(as_of), align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=BODY_SIZE * 4)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def summary_sentence(overview: Overview) -> str:
    total = overview.total
    return (
        f"截至{chinese_date(overview.as_of)}，共有整改任务{total.tasks}项，已办结{total.done}项，"
        f"办结率{percent(total.completion_rate)}；按期办结率{percent(total.on_time_rate)}，"
        f"一次办结率{percent(total.first_time_rate)}；逾期未办结{total.overdue}项；"
        f"累计批准延期{total.extensions}次。"
    )


def ranking_rows(groups: Sequence[Group]) -> list[tuple[str, ...]]:
    """Departments by 办结率, highest first, then by fewest overdue; equal on both, equal rank.
    Tasks with no lead department yet come last, unranked."""
    departments = [g for g in groups if g.id is not None]
    by_completion = rank(departments, "completion")
    ordered: list[Group] = []
    start = 0
    while start < len(by_completion):  # within one 办结率, fewest overdue first
        end = start
        while end < len(by_completion) and by_completion[end].tally.completion_rate == (
            by_completion[start].tally.completion_rate
        ):
            end += 1
        ordered += rank(by_completion[start:end], "overdue", descending=False)
        start = end
    rows = []
    place = 0
    previous: tuple[float | None, int] | None = None
    for position, group in enumerate(ordered, start=1):
        key = (group.tally.completion_rate, group.tally.overdue)
        if key != previous:
            place, previous = position, key
        rows.append((str(place), *_figures(group.name, group)))
    rows += [(NOT_APPLICABLE, *_figures(UNASSIGNED, g)) for g in groups if g.id is None]
    return rows


def _figures(name: str, group: Group) -> tuple[str, ...]:
    tally = group.tally
    return (
        name,
        str(tally.tasks),
        str(tally.done),
        str(tally.overdue),
        percent(tally.completion_rate),
        percent(tally.on_time_rate),
        percent(tally.first_time_rate),
        str(tally.extensions),
    )


# --- layout ---------------------------------------------------------------------------------


def set_east_asian_font(element: object, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set the fonts of a style's or a run's ``w:rPr`` (its ``element``): Latin and East Asian,
    without the theme fonts Word would otherwise prefer."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _lay_out(document: Document) -> None:  # type: ignore[valid-type]
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(".//" + qn("w:rFonts")) if defaults is not None else None
    if default_fonts is not None:
        for attribute in _THEME_FONT_ATTRIBUTES:
            default_fonts.attrib.pop(qn(attribute), None)

    body = document.styles["Normal"]
    set_east_asian_font(body.element, BODY_FONT)
    body.font.size = BODY_SIZE
    body.font.color.rgb = RGBColor(0, 0, 0)

    heading = document.styles["Heading 1"]
    set_east_asian_font(heading.element, HEADING_FONT)
    heading.font.size = BODY_SIZE
    heading.font.bold = False  # 黑体 is heavy enough; the standard does not bolden it
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(6)
    heading.paragraph_format.first_line_indent = BODY_SIZE * 2


def _paragraph(
    document: Document,  # type: ignore[valid-type]
    text: str,
    *,
    font: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    align: int | None = None,
    indent: bool = False,
    right_indent: int | None = None,
) -> None:
    paragraph = document.add_paragraph()
    form = paragraph.paragraph_format
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = max(LINE_SPACING, Pt(size.pt + 6))
    if align is not None:
        paragraph.alignment = align
    if indent:
        form.first_line_indent = BODY_SIZE * 2
    if right_indent is not None:
        form.right_indent = right_indent
    if text:
        run = paragraph.add_run(text)
        run.font.size = size
        set_east_asian_font(run._element, font)


def _table(
    document: Document,  # type: ignore[valid-type]
    headers: Sequence[str],
    widths: Sequence[int],
    rows: Sequence[Sequence[str]],
    left_aligned: Sequence[int] = (1,),
) -> Table:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, text, HEADING_FONT, WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_as_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for column, (cell, text) in enumerate(zip(cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if column in left_aligned else WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, text, BODY_FONT, align)
    for column, width in zip(table.columns, widths, strict=True):
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def _cell_text(cell: object, text: str, font: str, align: int) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = 0
    run = paragraph.add_run(text)
    run.font.size = TABLE_SIZE
    set_east_asian_font(run._element, font)


def _repeat_as_header(row: object) -> None:
    """The header row repeats on every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = properties.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    properties.append(header)
