"""The draft and the 通报 as an office suite prints them (GB/T 9704-2012): LibreOffice turns each
.docx into a PDF and ``pdftotext -bbox`` tells where every line landed. A full body page holds 22
lines; page numbers stand on the outer side, one character in (right on odd pages, left on even
ones); no annex cell breaks a date or a state; a 通报 row never splits across pages and its
signature never stands alone on the last page. The pages are also saved as PNG files beside the
PDFs, to look at."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from docx.shared import Mm

from tests.factories import FROZEN_NOW, make_task
from tests.office_suite import Page, Word, pages, to_pdf, to_png
from tracker.demo import load_demo
from tracker.extensions import db
from tracker.models import Department, DraftStructure, SourceReport, Task, TaskState
from tracker.services import bulletin, drafts
from tracker.services.dashboard import Group, Overview, Tally
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)
PT_PER_MM = 72 / 25.4
TEXT_BOTTOM = (297 - 35) * PT_PER_MM  # the text block ends 35 mm above the page's bottom edge
TEXT_LEFT, TEXT_RIGHT = 28 * PT_PER_MM, (210 - 26) * PT_PER_MM
LINE = 28.95  # pt: 225 mm / 22
ONE_CHARACTER = 14  # pt: 四号, the page number's size
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
STATES = ("进行中", "未开始", "已办结", "待审核", "已撤销", "暂缓")
PAGE_NUMBER = re.compile(r"^—(\d+)—$")


def printed(document: bytes, name: str, folder: Path) -> list[Page]:
    path = folder / f"{name}.docx"
    path.write_bytes(document)
    pdf = to_pdf(path, folder)
    to_png(pdf, folder)
    return pages(pdf)


def text_lines(page: Page) -> list[list[Word]]:
    """The lines in the text block (the page number below it left out)."""
    return [line for line in page.lines() if line[0].y_max <= TEXT_BOTTOM + 2]


def body_lines(page: Page) -> list[str]:
    return ["".join(w.text for w in line) for line in text_lines(page)]


def page_number(page: Page) -> tuple[int, float, float]:
    """The page's number as printed, and the left and right edges of it."""
    [line] = [line for line in page.lines() if line[0].y_min > TEXT_BOTTOM + 2]
    match = PAGE_NUMBER.match("".join(w.text for w in line))
    assert match, line
    return int(match.group(1)), line[0].x_min, line[-1].x_max


def annex_start(printed_pages: list[Page]) -> int:
    return next(p.number for p in printed_pages if body_lines(p) and body_lines(p)[0] == "附件")


@pytest.fixture
def drafts_printed(app, tmp_path) -> dict[str, list[Page]]:
    """Both structures of the seed's draft, and of the seed's report with 60 tasks."""
    with app.app_context():
        load_demo(today=TODAY, now=FROZEN_NOW)
        report = db.session.scalars(sa.select(SourceReport)).one()
        printed_drafts = {}
        for structure in DraftStructure:
            version = drafts.generate(report, structure, None, FROZEN_NOW)
            content = drafts.content_of(version)
            printed_drafts[f"seed-{structure.value}"] = printed(
                drafts.to_docx(content, report.issuer, TODAY), f"seed-{structure.value}", tmp_path
            )
        departments = db.session.scalars(sa.select(Department).order_by(Department.id)).all()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.report_id == report.id))
        for n in range(60 - (count or 0)):
            make_task(
                report_id=report.id,
                title=f"第{n + 1}项：规范行政执法程序，健全执法全过程记录制度，推动问题整改到位",
                lead_department_id=departments[n % len(departments)].id,
                deadline=TODAY + timedelta(days=n * 7 - 90),
                state=(TaskState.IN_PROGRESS, TaskState.DONE, TaskState.NOT_STARTED)[n % 3],
            )
        db.session.flush()
        for structure in DraftStructure:
            version = drafts.generate(report, structure, None, FROZEN_NOW + timedelta(minutes=1))
            content = drafts.content_of(version)
            assert len(content.annex.rows) >= 60
            printed_drafts[f"sixty-{structure.value}"] = printed(
                drafts.to_docx(content, report.issuer, TODAY), f"sixty-{structure.value}", tmp_path
            )
        db.session.rollback()
    return printed_drafts


def test_a_full_page_of_the_draft_holds_22_lines(drafts_printed):
    for name, printed_pages in drafts_printed.items():
        body = printed_pages[: annex_start(printed_pages) - 1]
        full = [page for page in body if (lines := text_lines(page)) and lines[-1][-1].y_max > TEXT_BOTTOM - LINE]
        assert len(full) >= 2, name
        for page in full:
            lines = text_lines(page)
            slots = round((lines[-1][0].y_min - lines[0][0].y_min) / LINE) + 1
            assert slots == 22, (name, page.number, body_lines(page))  # 22 lines of the grid, top to bottom
            if page.number > 1:  # the first leaves one empty under the title
                assert len(lines) == 22, (name, page.number, body_lines(page))


def test_the_page_numbers_stand_on_the_outer_side_one_character_in(drafts_printed):
    for name, printed_pages in drafts_printed.items():
        for page in printed_pages:
            number, left, right = page_number(page)
            assert number == page.number, name
            if number % 2:
                assert abs(right - (TEXT_RIGHT - ONE_CHARACTER)) < 3, (name, number, right)
            else:
                assert abs(left - (TEXT_LEFT + ONE_CHARACTER)) < 3, (name, number, left)


def test_no_annex_cell_breaks_a_date_or_a_state(drafts_printed):
    for name, printed_pages in drafts_printed.items():
        annex = printed_pages[annex_start(printed_pages) - 1 :]
        lines = [line for page in annex for line in body_lines(page)]
        dates = [found for line in lines for found in DATE.findall(line)]
        # Each row's deadline on one line: a broken one would leave "2026年11" and "月28日" apart.
        assert len(dates) >= 13, name
        assert not [line for line in lines if re.search(r"\d{4}年\d{0,2}(月\d{0,2})?$", line)], name
        assert not [line for line in lines if line.startswith(("月", "日")) or re.match(r"^\d{1,2}日", line)], name
        states = [state for line in lines for state in STATES if state in line]
        assert len(states) >= 13, name
        # The header row on every page the table runs onto.
        with_rows = [page for page in annex if any(DATE.search(line) for line in body_lines(page))]
        assert all(any("牵头单位" in line for line in body_lines(page)) for page in with_rows), name


def long_bulletin() -> bytes:
    """A 通报 whose table of overdue tasks runs over several pages."""
    rows = [Group(n, f"第{n}支队", Tally(tasks=5, done=2, overdue=1)) for n in range(1, 13)]
    overview = Overview(TODAY, Tally(tasks=60, done=24, overdue=40), {}, {}, rows, [], [])
    police = SimpleNamespace(name="交通警察支队")
    overdue = [
        SimpleNamespace(
            title=f"第{n}项：加强执法案卷评查，规范行政执法程序，健全执法全过程记录制度",
            lead_department=police,
            deadline=TODAY - timedelta(days=n * 3),
        )
        for n in range(1, 41)
    ]
    return bulletin.write_bulletin(overview, overdue, TODAY, "市公安局法制支队", calendar=WorkCalendar())  # type: ignore[arg-type]


def test_the_bulletin_is_numbered_keeps_its_rows_whole_and_its_signature_with_the_text(tmp_path):
    printed_pages = printed(long_bulletin(), "bulletin", tmp_path)

    assert len(printed_pages) >= 3
    for page in printed_pages:
        assert page_number(page)[0] == page.number
    # Each overdue row whole on one page: its number's line carries its deadline.
    numbered = [line for page in printed_pages for line in body_lines(page) if re.match(r"^\d+第\d+项", line)]
    assert len(numbered) == 40 and all(DATE.search(line) for line in numbered)
    last = body_lines(printed_pages[-1])
    assert last[-2:] == ["市公安局法制支队", "2026年6月1日"]
    assert len(last) >= 3 and last[-3] == bulletin.CLOSING


def test_fitted_columns_give_the_task_what_the_others_leave():
    from tracker.services.official_docx import TEXT_WIDTH, fitted_widths

    rows = [["12", "规范执法", "出入境管理支队", "2026年12月31日", "进行中"]]
    widths = fitted_widths(("序号", "任务", "牵头单位", "完成时限", "办理状态"), rows, 1, {2: 5.0})
    assert sum(widths) == TEXT_WIDTH
    assert widths[3] > Mm(28) and widths[1] > widths[3]  # the date on one line; the task the widest
