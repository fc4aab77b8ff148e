"""Files the importer cannot read: each is refused with ReportImportError and a Chinese message
that says what was expected, never with another exception."""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable

import docx
import openpyxl
import pytest

from tracker.importer import ReportImportError, parse_report, parse_text

HAN = re.compile(r"[\u4e00-\u9fff]")
NOTICE = (
    "关于召开2021年度法治政府建设工作推进会的通知\n"
    "各科室、各直属单位：\n"
    "经研究，定于2021年3月5日上午9:00在局三楼会议室召开法治政府建设工作推进会，请各单位主要负责人准时参加。\n"
    "局办公室\n"
    "2021年3月1日\n"
)


def word_document(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def spreadsheet() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def with_part_replaced(package: bytes, part: str, content: bytes) -> bytes:
    """A copy of a ZIP package with one part's content swapped."""
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            target.writestr(name, content if name == part else source.read(name))
    return buffer.getvalue()


def refusal(data: bytes, filename: str) -> ReportImportError:
    with pytest.raises(ReportImportError) as caught:
        parse_report(data, filename)
    error = caught.value
    assert HAN.search(error.message), error.message
    assert str(error) == error.message
    return error


def test_it_refuses_text_without_measures_and_says_what_a_report_holds() -> None:
    error = refusal(NOTICE.encode(), "通知.txt")
    assert error.code == "no_measures"
    assert "下一步工作" in error.message
    assert "（一）" in error.message


def test_it_refuses_a_word_document_without_measures() -> None:
    error = refusal(word_document(*NOTICE.splitlines()), "通知.docx")
    assert error.code == "no_measures"


@pytest.mark.parametrize(
    "data",
    [b"", b"   \r\n\n\t ", "\ufeff".encode(), "\u3000\u3000\n\n".encode()],
    ids=["no bytes", "whitespace", "bom only", "ideographic spaces"],
)
def test_it_refuses_an_empty_file(data: bytes) -> None:
    error = refusal(data, "report.txt")
    assert error.code == "empty"
    assert ".txt" in error.message and ".docx" in error.message


def test_it_refuses_empty_pasted_text() -> None:
    with pytest.raises(ReportImportError) as caught:
        parse_text("\n \n")
    assert caught.value.code == "empty"


def test_it_refuses_an_empty_word_document() -> None:
    assert refusal(word_document(), "report.docx").code == "empty"


@pytest.mark.parametrize("filename", ["report.pdf", "report.txt", "report"])
def test_it_refuses_a_pdf_and_says_how_to_convert_it(filename: str) -> None:
    error = refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", filename)
    assert error.code == "unsupported_type"
    assert "PDF" in error.message and ".docx" in error.message


@pytest.mark.parametrize("filename", ["report.doc", "report.txt"])
def test_it_refuses_a_legacy_word_file_and_asks_for_docx(filename: str) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    error = refusal(ole, filename)
    assert error.code == "unsupported_type"
    assert "另存为 .docx" in error.message


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (spreadsheet(), "台账.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "台账.xls"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "scan.png"),
        (b"<html><body>report</body></html>", "report.html"),
    ],
    ids=["xlsx", "xls", "png", "html"],
)
def test_it_refuses_other_file_types_by_name(data: bytes, filename: str) -> None:
    error = refusal(data, filename)
    assert error.code == "unsupported_type"
    assert filename.rsplit(".", 1)[1] in error.message
    assert ".txt 或 .docx" in error.message


def test_it_refuses_a_spreadsheet_renamed_to_docx() -> None:
    error = refusal(spreadsheet(), "report.docx")
    assert error.code == "bad_docx"


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("filename", ["report.txt", "report"])
def test_it_refuses_random_binary(seed: int, filename: str) -> None:
    data = random.Random(seed).randbytes(4096)
    assert refusal(data, filename).code == "undecodable"


@pytest.mark.parametrize(
    "data",
    [
        "Rapport annuel: café, crème brûlée".encode("latin-1"),
        "2021年法治政府建设年度报告\r\n".encode("utf-16-le"),
        b"\x81\x20\xfe\x0a\xff\xff",
    ],
    ids=["latin-1", "utf-16 without bom", "invalid bytes"],
)
def test_it_refuses_undecodable_text_and_names_the_encodings_it_reads(data: bytes) -> None:
    error = refusal(data, "report.txt")
    assert error.code == "undecodable"
    assert "UTF-8" in error.message and "GB18030" in error.message


def test_it_refuses_a_utf16_file_with_a_broken_body() -> None:
    data = "\ufeff法治政府建设".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate at the end
    assert refusal(data, "report.txt").code == "undecodable"


@pytest.mark.parametrize(
    "damage",
    [
        lambda good: good[: len(good) // 2],
        lambda good: b"PK\x03\x04" + bytes(200),
        lambda good: with_part_replaced(good, "word/document.xml", b"<w:document broken"),
        lambda good: with_part_replaced(good, "[Content_Types].xml", b"<Types"),
        lambda good: with_part_replaced(good, "_rels/.rels", b"not xml at all"),
    ],
    ids=["truncated", "zip header only", "broken document xml", "broken content types", "broken rels"],
)
def test_it_refuses_a_corrupt_docx(damage: Callable[[bytes], bytes]) -> None:
    data = damage(word_document("临江区司法局2021年法治政府建设年度报告", "三、2022年工作安排"))
    error = refusal(data, "report.docx")
    assert error.code == "bad_docx"
    assert "Word" in error.message and ".docx" in error.message
