"""The 通报 as a .docx, written from figures given by hand (the figures themselves are tested
through the page, in test_exports.py)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from docx import Document

from tracker.services.bulletin import OVERDUE_HEADERS, RANKING_HEADERS, write_bulletin
from tracker.services.dashboard import Group, Overview, Tally
from tracker.services.workdays import WorkCalendar

AS_OF = date(2026, 6, 1)
# word/document.xml of ``bulletin()`` as it was looked at in LibreOffice (converted to PDF, pages
# measured and viewed) when the layout of GB/T 9704-2012 was last changed.
DOCUMENT_REVIEWED = Path(__file__).resolve().parent / "samples" / "docx" / "bulletin-document.xml"


def tally(tasks: int, done: int, overdue: int, on_time: int, first_time: int, extensions: int) -> Tally:
    return Tally(
        tasks=tasks,
        done=done,
        overdue=overdue,
        done_on_time=on_time,
        done_first_time=first_time,
        extensions=extensions,
    )


def bulletin() -> bytes:
    departments = [
        Group(1, "治安支队", tally(3, 1, 0, 1, 1, 0)),
        Group(2, "交警支队", tally(3, 1, 1, 1, 0, 1)),
        Group(3, "法制支队", tally(0, 0, 0, 0, 0, 0)),
        Group(None, "", tally(1, 0, 0, 0, 0, 0)),  # not yet assigned
    ]
    overview = Overview(
        as_of=AS_OF,
        total=tally(7, 2, 1, 2, 1, 1),
        by_state={},
        by_light={},
        departments=departments,
        reports=[],
        monthly_done=[],
    )
    police = SimpleNamespace(name="交警支队")
    overdue = [
        SimpleNamespace(title="规范交通执法", lead_department=police, deadline=date(2026, 5, 20)),
        SimpleNamespace(title="未交办的任务", lead_department=None, deadline=date(2026, 5, 29)),
    ]
    return write_bulletin(overview, overdue, AS_OF, "市公安局", calendar=WorkCalendar())  # type: ignore[arg-type]


def test_it_writes_the_document_as_it_was_reviewed_in_an_office_suite():
    with zipfile.ZipFile(io.BytesIO(bulletin())) as package:
        assert package.read("word/document.xml") == DOCUMENT_REVIEWED.read_bytes()


def test_it_ends_with_the_closing_kept_on_the_page_of_the_signature():
    paragraphs = Document(io.BytesIO(bulletin())).paragraphs

    closing, signature, day = paragraphs[-3:]
    assert [closing.text, signature.text, day.text] == ["特此通报。", "市公安局", "2026年6月1日"]
    assert closing.paragraph_format.keep_with_next and signature.paragraph_format.keep_with_next


def header_texts(table) -> list[str]:
    """The header row as it reads: a header broken over two lines is one header."""
    return [cell.text.replace("\n", "") for cell in table.rows[0].cells]


def test_it_reads_back_as_two_tables_of_the_figures():
    ranking, overdue = Document(io.BytesIO(bulletin())).tables

    assert header_texts(ranking) == list(RANKING_HEADERS)
    assert [[cell.text for cell in row.cells] for row in ranking.rows[1:]] == [
        ["1", "治安支队", "3", "1", "0", "33.3%", "100.0%", "100.0%", "0"],
        ["2", "交警支队", "3", "1", "1", "33.3%", "50.0%", "0.0%", "1"],
        ["3", "法制支队", "0", "0", "0", "—", "—", "—", "0"],
        ["—", "未交办", "1", "0", "0", "0.0%", "—", "—", "0"],
    ]
    assert header_texts(overdue) == list(OVERDUE_HEADERS)
    assert [[cell.text for cell in row.cells] for row in overdue.rows[1:]] == [
        ["1", "规范交通执法", "交警支队", "2026年5月20日", "8"],
        ["2", "未交办的任务", "未交办", "2026年5月29日", "1"],
    ]
