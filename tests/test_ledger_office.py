"""The 台账 .xlsx as an office suite prints it: LibreOffice turns the downloaded workbook into a
PDF, and ``pdftotext -bbox`` tells what landed where. Every line of every cell is on paper, the
text is at 9 pt or more, and every page has the header row, the filter and its page number.

The workbook and its print are made once for the module (a conversion takes seconds); the pages
are also saved as PNG files next to the PDF, to look at when a test fails.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from tests.conftest import freeze_clock, login
from tests.factories import FROZEN_NOW, Personas, make_personas, make_task
from tests.office_suite import Page, pages, require_office_suite, to_pdf, to_png
from tracker.extensions import db
from tracker.models import ItemKind, ProgressUpdate, TaskState, UpdateKind
from tracker.services import ledger

TODAY = date(2026, 6, 1)
FILTER = "筛选条件：牵头单位：交警支队"
CLAUSES = (
    "行政执法人员对新修订的法律法规掌握不够全面",
    "执法案卷中证据材料的收集、固定和审查不够规范",
    "重大执法决定法制审核的范围和程序有待进一步明确",
    "执法全过程记录设备配备不足，记录资料归档不及时",
    "部分执法人员文明执法、规范执法意识有待增强",
    "群众反映执法问题的办理时限较长，答复不够具体",
)


@dataclass(frozen=True)
class Printed:
    cells: list[str]  # the text of every filled cell of the workbook, as a spreadsheet shows it
    pages: list[Page]


def add_tasks(people: Personas) -> None:
    """Twelve tasks of 交警支队, each with its own long texts: a 存在问题 of one to three clauses, a
    整改措施 in three paragraphs, a progress update in two lines and a co-department's 协办反馈;
    and one task of 治安支队, which the filter leaves out."""
    for n in range(1, 13):
        task = make_task(
            kind=ItemKind.SHORTCOMING,
            title=f"问题{n}：" + "；".join(CLAUSES[(n + i) % len(CLAUSES)] for i in range(1 + n % 3)) + "。",
            description=(
                f"一是制定第{n}期专题培训方案，分层分类开展执法资格考试辅导；\n"
                f"二是组织案卷评查{20 + n}卷，评查合格率达到{90 + n % 10}%以上；\n"
                f"三是建立问题清单、责任清单和整改台账，每月{n}日前报送整改进展。"
            ),
            lead_department=people.bob_dept,
            co_departments=[people.dave_dept] + ([people.legal_dept] if n % 2 else []),
            assignee_id=people.carol.id,
            deadline=TODAY + timedelta(days=7 * n - 30),
            original_deadline=TODAY - timedelta(days=40) if n % 3 == 0 else None,
            extension_count=1 if n % 3 == 0 else 0,
            percent_done=5 * n,
        )
        db.session.add_all(
            [
                ProgressUpdate(
                    task=task,
                    department_id=people.bob_dept.id,
                    percent_done=5 * n,
                    text=f"已完成第{n}期集中培训，参训民警{100 + n}人次\n下一步将开展案卷交叉评查并通报结果",
                    created_at=FROZEN_NOW - timedelta(days=n),
                ),
                ProgressUpdate(
                    task=task,
                    kind=UpdateKind.ASSIST,
                    department_id=people.dave_dept.id,
                    percent_done=50,
                    text=f"已配合开展联合检查{n}次，移交问题线索{n + 2}条",
                    created_at=datetime(2026, 5, 20, 2, 0, tzinfo=UTC),
                ),
            ]
        )
    make_task(title="治安支队的任务，不在导出范围内", lead_department=people.dave_dept, state=TaskState.NOT_STARTED)


def cell_texts(workbook: bytes) -> list[str]:
    """Every filled cell's text as the sheet shows it: numbers as digits, dates as YYYY-MM-DD."""
    sheet = load_workbook(io.BytesIO(workbook)).active
    texts = []
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime):
                texts.append(f"{cell.value:%Y-%m-%d}")  # ledger.DATE_FORMAT
            elif cell.value is not None:
                texts.append(str(cell.value))
    return texts


@pytest.fixture(scope="module")
def printed(app, tmp_path_factory) -> Printed:
    """The ledger of 交警支队 as the legal office downloads it, printed by LibreOffice."""
    require_office_suite()
    folder = tmp_path_factory.mktemp("ledger-print")
    with app.app_context():
        people = make_personas()
        add_tasks(people)
        db.session.commit()
        department_id = people.bob_dept.id
    client = app.test_client()
    login(client, "alice@example.gov.cn")
    with pytest.MonkeyPatch.context() as patch:
        freeze_clock(patch, TODAY)
        response = client.get(f"/tasks/export.xlsx?department={department_id}")
    assert response.status_code == 200
    workbook = folder / "ledger.xlsx"
    workbook.write_bytes(response.data)
    pdf = to_pdf(workbook, folder)
    to_png(pdf, folder)  # to look at
    return Printed(cell_texts(response.data), pages(pdf))


@pytest.fixture(scope="module")
def nine_point_height(tmp_path_factory) -> float:
    """The height pdftotext gives a word printed at 9 pt, measured: a workbook with a 9-pt cell,
    Chinese and digits in the ledger's font (the workbook default, Calibri, which LibreOffice
    here sets in Noto Sans CJK and DejaVu Sans), printed at 100 %. A word's box is the font's
    ascent plus descent as poppler reads them: 1.30 em here for both fonts (11.7 pt for 9-pt
    text), poppler's default 0.95 + 0.35; measuring it keeps the test right where the fonts or
    poppler differ. The lower of the two words is taken."""
    require_office_suite()
    folder = tmp_path_factory.mktemp("nine-point")
    workbook = Workbook()
    workbook.active["A1"] = "九磅 2026"
    workbook.active["A1"].font = Font(name="Calibri", size=9)
    path = folder / "nine-point.xlsx"
    workbook.save(path)
    [page] = pages(to_pdf(path, folder))
    assert [word.text for word in page.words] == ["九磅", "2026"]
    return min(word.height for word in page.words)


def squeezed(text: str) -> str:
    """``text`` without whitespace and in NFKC form: a wrap turns a space into a line end or
    drops it, and pdftotext may give a compatibility form (a ligature, say) of what was set."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def printed_lines(printed: Printed) -> list[str]:
    """The lines of every page, top to bottom and page after page, each one's words joined left
    to right without whitespace. A line runs across the table, so it holds one line of each cell
    of a row side by side."""
    return [squeezed("".join(word.text for word in line)) for page in printed.pages for line in page.lines()]


def wrapped_in(text: str, lines: list[str]) -> bool:
    """Whether ``text`` is printed in ``lines`` as a cell wraps it: its start in some line, and
    each following line carrying on with the rest, to the end of the text.

    A cell's lines are a run of consecutive lines of the page, and in each of them its words are
    side by side, between those of the cells to its left and right. So from each line where the
    text could start, the longest start of what is left that the line contains is taken, and
    the next line must carry on. A cell cut off after its first lines, as before row heights
    were written, leaves the rest of its text unmatched."""
    for first in range(len(lines)):
        rest = text
        for line in lines[first:]:
            taken = 0
            while taken < len(rest) and rest[: taken + 1] in line:
                taken += 1
            if taken == 0:
                break
            rest = rest[taken:]
            if not rest:
                return True
    return False


def test_every_line_of_every_cell_is_printed(printed):
    lines = printed_lines(printed)

    missing = [text for text in printed.cells if not wrapped_in(squeezed(text), lines)]

    assert len(printed.cells) > 12 * len(ledger.HEADERS)  # the title, the header and twelve full rows
    assert any("\n" in text for text in printed.cells)  # multi-line cells among them
    assert missing == []
    assert not any("不在导出范围内" in line for line in lines)  # 治安支队's task


def test_the_text_is_printed_at_9_pt_or_more(printed, nine_point_height):
    """Every word: the cells, the header row, the title, the print header and footer."""
    words = [word for page in printed.pages for word in page.words]

    smallest = min(words, key=lambda word: word.height)

    assert smallest.height >= nine_point_height * 0.99, (
        f"{smallest.text!r} is printed at {9 * smallest.height / nine_point_height:.1f} pt"
    )


def test_every_page_has_the_header_row_the_filter_and_its_number(printed):
    total = len(printed.pages)
    printed_headers = set()
    for page in printed.pages:
        lines = page.lines()
        header = next((line for line in lines if line[0].text == ledger.HEADERS[0]), None)
        assert header is not None, f"page {page.number} has no header row"
        assert all(word.text in ledger.HEADERS for word in header)
        printed_headers |= {word.text for word in header}
        footer = squeezed("".join(word.text for word in lines[-1]))
        assert footer == squeezed(f"{FILTER}第{page.number}页，共{total}页")

    assert printed_headers == set(ledger.HEADERS)
