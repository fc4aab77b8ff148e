"""The 通报 (progress bulletin): the dashboard's figures as an official .docx.

Laid out after GB/T 9704-2012 by ``official_docx``, as the draft is. It ends with 特此通报 kept
on the page of the signature, so that the signature and date never stand alone (§7.3.5). The
text is Chinese whatever the interface language: it is an official document.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from docx.enum.text import WD_ALIGN_PARAGRAPH

from tracker.models import Task
from tracker.names import chinese_date
from tracker.services.dashboard import Group, Overview
from tracker.services.official_docx import (
    BODY_SIZE,
    LINE_SPACING,
    TITLE_FONT,
    TITLE_SIZE,
    fitted_widths,
    new_document,
    paragraph,
    save,
    table,
)
from tracker.services.workdays import WorkCalendar

TITLE = "法治政府建设整改任务督办通报"
NOT_APPLICABLE = "—"
RANKING_HEADERS = ("排名", "单位", "任务数", "已办结", "已逾期", "办结率", "按期办结率", "一次办结率", "延期次数")
OVERDUE_HEADERS = ("序号", "任务", "牵头单位", "完成时限", "逾期工作日")
NAME_COLUMN = 1  # in both tables: the department's or the task's, as wide as the others leave
DEPARTMENT_WRAPPING = {2: 5.0}  # the overdue table's department wraps after five characters
CLOSING = "特此通报。"
UNASSIGNED = "未交办"


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
    document = new_document(issuer_name, as_of)

    paragraph(document, TITLE, font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(document, f"（截至{chinese_date(as_of)}）", align=WD_ALIGN_PARAGRAPH.CENTER)

    document.add_heading("一、总体情况", level=1)
    paragraph(document, summary_sentence(overview), indent=True)

    document.add_heading("二、各单位办理情况", level=1)
    paragraph(
        document,
        "按办结率由高到低排列，办结率相同的按逾期任务数由少到多排列。"
        "按期办结率为按期办结任务数占已办结与已逾期任务数之和的比例，一次办结率为未经退办即办结的任务所占比例。",
        indent=True,
    )
    ranking = ranking_rows(overview.departments)
    if ranking:
        table(document, RANKING_HEADERS, fitted_widths(RANKING_HEADERS, ranking, NAME_COLUMN), ranking)
    else:
        paragraph(document, "截至通报日，暂无整改任务。", indent=True)

    document.add_heading("三、逾期未办结任务", level=1)
    if overview.total.overdue > len(overdue):
        paragraph(
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
        widths = fitted_widths(OVERDUE_HEADERS, rows, NAME_COLUMN, DEPARTMENT_WRAPPING)
        table(document, OVERDUE_HEADERS, widths, rows, left_aligned=(1, 2))
    elif not overview.total.overdue:
        paragraph(document, "截至通报日，无逾期未办结任务。", indent=True)

    closing = paragraph(document, CLOSING, indent=True)
    if issuer_name:
        closing.paragraph_format.keep_with_next = True  # the signature never stands alone
        signature = paragraph(document, issuer_name, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=BODY_SIZE * 4)
        signature.paragraph_format.space_before = LINE_SPACING  # a blank line above it
        signature.paragraph_format.keep_with_next = True
        paragraph(document, chinese_date(as_of), align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=BODY_SIZE * 4)

    return save(document)


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
    # 办结率 highest first (none yet: last), then fewest overdue, then by name.
    ordered = sorted(
        departments,
        key=lambda g: (g.tally.completion_rate is None, -(g.tally.completion_rate or 0), g.tally.overdue, g.name),
    )
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
