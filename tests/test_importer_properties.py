"""Properties of the importer on mangled and random input (hypothesis): whatever it is given, it
imports a report or refuses the file with ReportImportError, never another exception, and never
takes long. Derandomized: every run, here and in CI, tries the same examples."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
from datetime import timedelta

import docx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tracker.demo import seed_report_bytes
from tracker.importer import ParsedReport, ReportImportError, parse_report, parse_text
from tracker.importer.limits import SECTION_MAX_ITEMS

SEED_LINES = seed_report_bytes().decode("utf-8").splitlines()
# Labels, headings and marks that steer the parse, to be dropped anywhere.
STEERING = [
    "一、", "二、", "（一）", "(二)", "（十一）", "（一百）", "1、", "2.", "100.", "（1）", "①", "第一，", "第二，",
    "一是", "二是", "其三是", "一百零一是", "三、存在不足", "四、下一步工作计划", "2022年工作安排", "下一步，",
    "接下来，我局将：", "特此报告。", "2021年1月5日", "— 3 —", "第 2 页 共 9 页",
    "(", ")", "（", "：", "；", "。", "，",
]  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030", "gbk", "big5", "shift_jis", "latin-1"]
FILENAMES = ["report.txt", "report.docx", "report", "report.doc", "report.pdf", "report.TXT", "报告.text"]
MAGIC = [b"", b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"%PDF", b"\xd0\xcf\x11\xe0"]

# A parse takes milliseconds; a quarter of the default IMPORT_TIMEOUT_SECONDS is the most allowed.
PROPERTIES = dict(
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mangled_seed(draw: st.DrawFn) -> list[str]:
    """The seed report's lines, with lines deleted, duplicated, shuffled, cut, joined, split, and
    labels or headings dropped in."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(0, 10))):
        if not lines:
            lines.append(draw(st.text(max_size=20)))
        n = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "shuffle", "label", "insert", "cut", "join", "split"]))
        if operation == "delete":
            del lines[n : n + draw(st.integers(1, 20))]
        elif operation == "duplicate":
            lines[n:n] = lines[n : n + draw(st.integers(1, 10))] * draw(st.integers(1, 3))
        elif operation == "shuffle":
            part = lines[n : n + 12]
            lines[n : n + 12] = draw(st.permutations(part))
        elif operation == "label":
            lines[n] = draw(st.sampled_from(STEERING)) + lines[n]
        elif operation == "insert":
            lines.insert(n, draw(st.sampled_from(STEERING) | st.text(max_size=40)))
        elif operation == "cut":
            lines[n] = lines[n][: draw(st.integers(0, len(lines[n])))]
        elif operation == "join" and n + 1 < len(lines):
            lines[n : n + 2] = [lines[n] + lines[n + 1]]
        elif operation == "split":
            at = draw(st.integers(0, len(lines[n])))
            lines[n : n + 1] = [lines[n][:at], draw(st.sampled_from(STEERING)) + lines[n][at:]]
    return lines


def word_document(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        # XML cannot hold most control characters; Word would not have written them.
        document.add_paragraph("".join(ch for ch in line if ch in "\t\n" or ord(ch) >= 32))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


SEED_DOCX = word_document(SEED_LINES)


def imports_or_refuses(data: bytes, filename: str) -> ParsedReport | None:
    """The report, or None when the importer refused the file; any other exception fails."""
    try:
        report = parse_report(data, filename)
    except ReportImportError as error:
        assert error.code and error.message
        event(f"refused: {error.code}")
        return None
    event("imported")
    assert report.measures
    for items in (report.achievements, report.shortcomings, report.measures):
        assert len(items) <= SECTION_MAX_ITEMS
        assert all(isinstance(item.title, str) and isinstance(item.body, str) for item in items)
    json.dumps(report.to_json(), ensure_ascii=False)
    return report


@settings(max_examples=150, **PROPERTIES)
@given(mangled_seed())
def test_a_mangled_seed_imports_or_is_refused(lines: list[str]):
    imports_or_refuses("\n".join(lines).encode(), "report.txt")


@settings(max_examples=60, **PROPERTIES)
@given(mangled_seed(), st.sampled_from(["\r\n", "\r", "\n\n"]), st.sampled_from(["gb18030", "utf-16", "utf-8-sig"]))
def test_a_mangled_seed_reads_alike_in_another_encoding_and_line_end(lines: list[str], line_end: str, encoding: str):
    text = "\n".join(lines)
    found = imports_or_refuses(text.encode(), "report.txt")
    again = imports_or_refuses(text.replace("\n", line_end).encode(encoding, errors="replace"), "report.txt")
    # The same paragraphs, unless blank lines were added, or control characters (line breaks of
    # their own among them) were already there; GB18030 bytes may happen to read as UTF-8.
    plain = not any(ord(ch) < 32 or ch in "\x85\u2028\u2029" for ch in text.replace("\n", ""))
    if found is not None and plain and line_end != "\n\n" and encoding != "gb18030":
        assert again is not None and again.to_json() == found.to_json()


@settings(max_examples=25, **PROPERTIES)
@given(mangled_seed())
def test_a_mangled_seed_in_a_word_document_imports_or_is_refused(lines: list[str]):
    imports_or_refuses(word_document(lines), "report.docx")


@settings(max_examples=60, **PROPERTIES)
@given(st.lists(st.tuples(st.integers(0, len(SEED_DOCX) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_word_document_with_damaged_bytes_imports_or_is_refused(damage: list[tuple[int, int]]):
    data = bytearray(SEED_DOCX)
    for position, value in damage:
        data[position] = value
    imports_or_refuses(bytes(data), "report.docx")


@settings(max_examples=150, **PROPERTIES)
@given(st.text(max_size=3000), st.sampled_from(ENCODINGS), st.sampled_from(FILENAMES))
def test_random_text_in_any_encoding_imports_or_is_refused(text: str, encoding: str, filename: str):
    imports_or_refuses(text.encode(encoding, errors="replace"), filename)


@settings(max_examples=100, **PROPERTIES)
@given(st.lists(st.sampled_from(STEERING) | st.text(max_size=30), max_size=80), st.sampled_from(["\n", "", "\n\n"]))
def test_labels_and_headings_in_any_order_import_or_are_refused(parts: list[str], separator: str):
    text = separator.join(parts)
    with contextlib.suppress(ReportImportError):
        parse_text(text)  # pasted text, as it is
    imports_or_refuses(text.encode(), "report.txt")


@settings(max_examples=150, **PROPERTIES)
@given(st.sampled_from(MAGIC), st.binary(max_size=4096), st.sampled_from(FILENAMES))
def test_random_bytes_import_or_are_refused(magic: bytes, data: bytes, filename: str):
    imports_or_refuses(magic + data, filename)
