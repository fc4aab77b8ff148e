"""Tables and paragraphs of the official style, written from styled XML, against what python-docx
writes when it adds each paragraph and cell itself."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.services import official_docx
from tracker.services.official_docx import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    LINE_SPACING,
    TABLE_SIZE,
    lay_out,
    paragraph,
    run_content,
    save,
    set_east_asian_font,
    table,
)

HEADERS = ("序号", "任务", "牵头单位")
WIDTHS = (Mm(12), Mm(100), Mm(44))
# Text that tries the writing: Chinese, spaces (kept at the ends), tabs and line breaks (elements
# of their own), markup characters.
CELL_TEXT = st.text(alphabet=st.sampled_from("整改aZ09 \u3000\xa0\t\r\n<>&\"'。"), max_size=12)


def document_xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return package.read("word/document.xml")


def written(rows, texts=()) -> bytes:
    document = Document()
    lay_out(document)
    table(document, HEADERS, WIDTHS, rows, left_aligned=(1, 2))
    for text in texts:
        paragraph(document, text, indent=True)
    return document_xml(save(document))


def python_docx_wrote(rows, texts=()) -> bytes:
    """The same document, every cell and paragraph added through python-docx (the code before)."""
    document = Document()
    lay_out(document)
    added = document.add_table(rows=1, cols=len(HEADERS))
    added.style = document.styles["Table Grid"]
    added.alignment = WD_TABLE_ALIGNMENT.CENTER
    added.autofit = False
    margins = official_docx._add_in_order(added._tbl.tblPr, "w:tblCellMar", official_docx._AFTER_CELL_MARGINS)
    for side in ("w:left", "w:right"):
        margins.append(OxmlElement(side, {qn("w:w"): "57", qn("w:type"): "dxa"}))

    def cell_text(cell, text, font, align):
        first = cell.paragraphs[0]
        first.alignment = align
        first.paragraph_format.first_line_indent = 0
        official_docx.off_the_grid(first)
        run = first.add_run(text)
        run.font.size = TABLE_SIZE
        set_east_asian_font(run._element, font)

    for cell, text in zip(added.rows[0].cells, HEADERS, strict=True):
        cell_text(cell, text, HEADING_FONT, WD_ALIGN_PARAGRAPH.CENTER)
    official_docx._repeat_as_header(added.rows[0])
    for values in rows:
        row = added.add_row()
        official_docx._add_in_order(row._tr.get_or_add_trPr(), "w:cantSplit")
        for column, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell_text(cell, text, BODY_FONT, WD_ALIGN_PARAGRAPH.LEFT if column else WD_ALIGN_PARAGRAPH.CENTER)
    for column, width in zip(added.columns, WIDTHS, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    for text in texts:
        added = document.add_paragraph()
        added.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        added.paragraph_format.line_spacing = max(LINE_SPACING, Pt(BODY_SIZE.pt + 6))
        added.paragraph_format.first_line_indent = BODY_SIZE * 2
        if text:
            run = added.add_run(text)
            run.font.size = BODY_SIZE
            set_east_asian_font(run._element, BODY_FONT)
    buffer = io.BytesIO()
    document.save(buffer)
    return document_xml(buffer.getvalue())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(CELL_TEXT, CELL_TEXT, CELL_TEXT), max_size=6),
    texts=st.lists(CELL_TEXT, max_size=4),
)
def test_it_writes_what_python_docx_writes_cell_by_cell(rows, texts):
    assert written(rows, texts) == python_docx_wrote(rows, texts)


def test_it_writes_a_table_without_rows_as_its_header():
    assert written([]) == python_docx_wrote([])


def test_it_reads_back_thousands_of_rows_in_order():
    rows = [(str(n), f"任务{n}", "法制支队") for n in range(1, 3001)]

    document = Document(io.BytesIO(_saved(rows)))

    (added,) = document.tables
    assert len(added.rows) == 3001
    assert [cell.text for cell in added.rows[-1].cells] == ["3000", "任务3000", "法制支队"]


def test_it_refuses_a_row_of_the_wrong_width():
    document = Document()
    with pytest.raises(ValueError):
        table(document, HEADERS, WIDTHS, [("1", "任务")])


@pytest.mark.parametrize("text", ["空\x00字符", "换页\x0c", "\ufffe"])
def test_it_refuses_characters_xml_cannot_hold_as_python_docx_does(text):
    with pytest.raises(ValueError):
        Document().add_paragraph().add_run(text)
    with pytest.raises(ValueError):
        run_content(text)


def _saved(rows) -> bytes:
    document = Document()
    lay_out(document)
    table(document, HEADERS, WIDTHS, rows)
    return save(document)
