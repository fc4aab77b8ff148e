"""Files built to exhaust the importer: each is refused quickly, in little memory, with a Chinese
message that names the limit it broke and says what to do; files at a limit still import, and
hostile shapes under the limits parse in time linear in their size."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from typing import TypeVar

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from tracker.importer import ParsedReport, ReportImportError, parse_report, parse_text
from tracker.importer.limits import (
    DOCX_MAX_PARTS,
    DOCX_MAX_UNPACKED_BYTES,
    SECTION_MAX_ITEMS,
    TEXT_MAX_CHARS,
    TEXT_MAX_LINES,
)

T = TypeVar("T")

HEAD = (
    "某市某局2025年法治政府建设年度报告\n一、工作情况及成效\n（一）做了工作。\n"
    "二、存在不足\n一是不足。\n三、下一步工作计划\n"
)
DOCUMENT_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
DOCUMENT_END = b"</w:body></w:document>"


def word_document(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


EMPTY_DOCX = word_document()


def docx_with_body(chunks: Iterable[bytes], *, extra: dict[str, Iterable[bytes]] | None = None) -> bytes:
    """A real .docx whose word/document.xml body is ``chunks``, plus ``extra`` members, each
    streamed into the ZIP: a member of many megabytes is never held whole."""
    source = zipfile.ZipFile(io.BytesIO(EMPTY_DOCX))
    members = {"word/document.xml": [DOCUMENT_START, *chunks, DOCUMENT_END], **(extra or {})}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name in source.namelist():
            if name not in members:
                package.writestr(name, source.read(name))
        for name, content in members.items():
            with package.open(name, "w") as part:
                for chunk in content:
                    part.write(chunk)
    return buffer.getvalue()


def paragraph_xml(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def timed(action: Callable[[], T]) -> tuple[T | ReportImportError, float]:
    """What ``action`` returned or the ReportImportError it raised, and the seconds it took."""
    start = time.perf_counter()
    try:
        outcome: T | ReportImportError = action()
    except ReportImportError as error:
        outcome = error
    return outcome, time.perf_counter() - start


def peak_memory(action: Callable[[], object]) -> int:
    """The most memory Python held at once for ``action`` (bytes; tracemalloc, so not timed)."""
    tracemalloc.start()
    try:
        timed(action)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(data: bytes, filename: str) -> ReportImportError:
    with pytest.raises(ReportImportError) as caught:
        parse_report(data, filename)
    return caught.value


def numbered_report(count: int, label: Callable[[int], str]) -> str:
    return HEAD + "".join(f"{label(n)}推进第{n}项工作。按期完成。\n" for n in range(1, count + 1))


# --- .docx packages ---------------------------------------------------------------------------


def test_it_refuses_a_zip_bomb_before_inflating_it():
    # 40 MiB of one character compress to a few tens of KB: a small upload, a large document.
    run = "啊".encode() * (1024 * 1024)
    bomb = docx_with_body([b"<w:p><w:r><w:t>", *([run] * 13), b"</w:t></w:r></w:p>"])
    assert len(bomb) < 200_000

    error, seconds = timed(lambda: parse_report(bomb, "report.docx"))

    assert isinstance(error, ReportImportError)
    assert error.code == "docx_xml_too_large"
    assert "16 MB" in error.message and ".txt" in error.message
    assert seconds < 1
    assert peak_memory(lambda: parse_report(bomb, "report.docx")) < 2 * 1024 * 1024  # not the 40 MB


def test_it_refuses_a_zip_bomb_that_understates_its_size_having_read_no_more_than_it_declared():
    run = b"x" * (1024 * 1024)
    honest = docx_with_body([b"<w:p><w:r><w:t>", *([run] * 20), b"</w:t></w:r></w:p>"])
    source = zipfile.ZipFile(io.BytesIO(honest))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as lying:
        for info in source.infolist():
            lying.writestr(info, source.read(info.filename))
        # The directory now says document.xml inflates to 4 KB; its data inflates to 20 MB.
        next(info for info in lying.infolist() if info.filename == "word/document.xml").file_size = 4096

    error, seconds = timed(lambda: parse_report(buffer.getvalue(), "report.docx"))

    assert isinstance(error, ReportImportError)
    assert error.code == "bad_docx"  # the checksum of the first 4 KB fails
    assert seconds < 1
    assert peak_memory(lambda: parse_report(buffer.getvalue(), "report.docx")) < 2 * 1024 * 1024


def test_it_refuses_a_package_that_inflates_past_its_limit_in_pictures():
    megabyte = bytes(1024 * 1024)  # zeros: the picture is a few dozen KB once compressed
    picture = [megabyte] * (DOCX_MAX_UNPACKED_BYTES // len(megabyte) + 1)
    data = docx_with_body([paragraph_xml("某局2025年报告")], extra={"word/media/image1.png": picture})

    error, seconds = timed(lambda: parse_report(data, "report.docx"))

    assert isinstance(error, ReportImportError)
    assert error.code == "docx_too_large"
    assert "64 MB" in error.message and "图片" in error.message
    assert seconds < 1


def test_it_refuses_a_package_of_too_many_members_before_reading_its_directory():
    source = zipfile.ZipFile(io.BytesIO(EMPTY_DOCX))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in source.namelist():
            package.writestr(name, source.read(name))
        for n in range(DOCX_MAX_PARTS):
            package.writestr(f"customXml/item{n}.bin", b"")

    error = refused(buffer.getvalue(), "report.docx")

    assert error.code == "docx_too_many_parts"
    assert f"{DOCX_MAX_PARTS} 个" in error.message


def test_it_refuses_a_paragraph_bomb_while_counting_its_paragraphs():
    # 233,000 empty paragraphs: 64 KB on disk, minutes of python-docx before the limit.
    bomb = docx_with_body([b"<w:p/>" * 233_000])
    assert len(bomb) < 100_000

    error, seconds = timed(lambda: parse_report(bomb, "report.docx"))

    assert isinstance(error, ReportImportError)
    assert error.code == "too_many_lines"
    assert f"{TEXT_MAX_LINES:,}" in error.message
    assert seconds < 1
    assert peak_memory(lambda: parse_report(bomb, "report.docx")) < 2 * 1024 * 1024


def test_it_counts_paragraphs_whatever_the_namespace_prefix():
    body = b'<x:p xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>' * (TEXT_MAX_LINES + 1)
    assert refused(docx_with_body([body]), "report.docx").code == "too_many_lines"


def test_it_reads_a_table_whose_cells_claim_to_span_two_billion_columns_at_once():
    table = (
        b"<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val='2000000000'/></w:tcPr>"
        + paragraph_xml("三、下一步工作计划")
        + b"</w:tc></w:tr><w:tr><w:tc>"
        + paragraph_xml("（一）加强培训，增强法治意识。")
        + b"</w:tc></w:tr></w:tbl>"
    )
    report, seconds = timed(lambda: parse_report(docx_with_body([table]), "report.docx"))
    assert isinstance(report, ParsedReport), report
    assert [m.title for m in report.measures] == ["加强培训，增强法治意识"]
    assert seconds < 1


def test_it_reads_a_long_vertical_merge_once_without_walking_up_for_every_row():
    first = b"<w:tr><w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr>" + paragraph_xml("某局报告") + b"</w:tc></w:tr>"
    merged = b"<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>"
    table = b"<w:tbl>" + first + merged * (TEXT_MAX_LINES - 10) + b"</w:tbl>"

    error, seconds = timed(lambda: parse_report(docx_with_body([table]), "report.docx"))

    assert isinstance(error, ReportImportError)
    assert error.code == "no_measures"  # one cell of text, read once
    assert seconds < 5


def test_it_reads_paragraph_styles_based_on_each_other_in_a_loop():
    document = docx.Document()
    for style_id, based_on in (("LoopA", "LoopB"), ("LoopB", "LoopA")):
        document.styles.element.append(
            parse_xml(
                f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="{style_id}">'
                f'<w:name w:val="{style_id}"/><w:basedOn w:val="{based_on}"/></w:style>'
            )
        )
    for text in ("某局2025年报告", "三、下一步工作计划", "（一）加强培训，增强法治意识。"):
        document.add_paragraph(text)._p.style = "LoopA"
    buffer = io.BytesIO()
    document.save(buffer)

    report = parse_report(buffer.getvalue(), "report.docx")

    assert [m.title for m in report.measures] == ["加强培训，增强法治意识"]


# --- text, lines and items ----------------------------------------------------------------------


@pytest.mark.parametrize("as_file", [True, False], ids=["txt file", "pasted text"])
def test_it_refuses_text_past_its_length_and_says_how_long_it_was(as_file: bool):
    text = HEAD + "（一）推进依法行政。" + "啊" * TEXT_MAX_CHARS
    with pytest.raises(ReportImportError) as caught:
        parse_report(text.encode(), "report.txt") if as_file else parse_text(text)
    assert caught.value.code == "text_too_long"
    assert f"共 {len(text):,} 字" in caught.value.message
    assert f"{TEXT_MAX_CHARS:,} 字的上限" in caught.value.message
    assert "附件" in caught.value.message


def test_it_refuses_a_word_document_of_too_much_text_while_reading_it():
    paragraph = paragraph_xml("啊" * 10_000)
    data = docx_with_body([paragraph] * (TEXT_MAX_CHARS // 10_000 + 1))
    assert refused(data, "report.docx").code == "text_too_long"


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_it_refuses_a_text_of_too_many_lines(line_end: str):
    data = (HEAD.replace("\n", line_end) + "短句。" + line_end * TEXT_MAX_LINES).encode()
    error = refused(data, "report.txt")
    assert error.code == "too_many_lines"
    assert f"超过 {TEXT_MAX_LINES:,} 行（段）的上限" in error.message


def test_it_imports_a_text_just_under_the_line_limit():
    lines = TEXT_MAX_LINES - HEAD.count("\n") - 1
    report = parse_report((HEAD + "（一）推进依法行政。\n" + "\n" * (lines - 1)).encode(), "report.txt")
    assert [m.title for m in report.measures] == ["推进依法行政"]


def test_it_refuses_a_section_of_too_many_items_and_names_it():
    text = numbered_report(SECTION_MAX_ITEMS + 1, lambda n: f"{n}. ")
    with pytest.raises(ReportImportError) as caught:
        parse_text(text)
    assert caught.value.code == "too_many_items"
    assert f"“下一步工作措施”部分识别出 {SECTION_MAX_ITEMS + 1} 项" in caught.value.message
    assert f"{SECTION_MAX_ITEMS} 项的上限" in caught.value.message


def test_it_imports_a_section_of_as_many_items_as_the_limit():
    assert len(parse_text(numbered_report(SECTION_MAX_ITEMS, lambda n: f"{n}. ")).measures) == SECTION_MAX_ITEMS


def test_it_refuses_one_item_a_paragraph_past_the_limit_rather_than_cut_the_list_short():
    text = HEAD + "".join(f"推进第{n}项工作。\n\n" for n in range(SECTION_MAX_ITEMS + 1))
    with pytest.raises(ReportImportError) as caught:
        parse_text(text)
    assert caught.value.code == "too_many_items"


# --- linear time ----------------------------------------------------------------------------------


def fastest(action: Callable[[], object], repeat: int = 3) -> float:
    return min(timed(action)[1] for _ in range(repeat))


@pytest.mark.parametrize(
    ("start", "line"),
    [
        ("", "（一）推进工作。\n"),
        ("", "一是推进工作；二是加强监督。\n"),
        ("", "推进依法行政工作，\n"),
        ("（一）(", "推进依法行政工作"),
    ],
    ids=["every line (一)", "every line 一是…二是", "every line joins the next", "a ( never closed"],
)
def test_it_parses_hostile_lines_in_time_linear_in_their_number(start: str, line: str):
    """Eight times the lines, at most three times eight times the time (a busy machine's noise);
    a quadratic parse grows 64 times. Before, 8,000 lines of "（一）" under the measures took
    11 s, 54 times as long as 1,000; a "(" never closed, 80 times."""
    small = (HEAD + start + line * 1000).encode()
    large = (HEAD + start + line * 8000).encode()
    assert fastest(lambda: parse_report(large, "report.txt")) < 24 * max(
        fastest(lambda: parse_report(small, "report.txt")), 0.002
    )


def test_it_parses_the_most_lines_it_accepts_in_well_under_the_time_limit():
    text = HEAD + "（一）推进依法行政工作，强化执法监督。\n" * (TEXT_MAX_LINES - 10)
    report, seconds = timed(lambda: parse_text(text))
    assert isinstance(report, ParsedReport)
    assert seconds < 5


def test_it_reads_the_most_paragraphs_it_accepts_in_a_word_document_in_well_under_the_time_limit():
    data = docx_with_body([paragraph_xml(f"第{n}段。") for n in range(TEXT_MAX_LINES - 10)])
    _, seconds = timed(lambda: parse_report(data, "report.docx"))
    assert seconds < 8
