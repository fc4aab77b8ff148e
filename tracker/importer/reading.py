"""Turn an uploaded file's bytes into text: .txt in UTF-8/UTF-16/GB18030, or .docx."""

from __future__ import annotations

import codecs
import io
from pathlib import PurePath

from tracker.importer.errors import ReportImportError
from tracker.importer.limits import TEXT_MAX_CHARS, TEXT_MAX_LINES, check_text_length, line_count_error

SUPPORTED_SUFFIXES = (".txt", ".docx")
TEXT_SUFFIXES = ("", ".txt", ".text")  # pasted text has no name
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .doc / .xls
PDF_MAGIC = b"%PDF"


def read_document(data: bytes, filename: str) -> str:
    """Return the text of a .txt or .docx file; raise ReportImportError for anything else."""
    suffix = PurePath(filename).suffix.lower()
    if not data.strip():
        raise ReportImportError("empty", "文件为空：请上传包含报告正文的 .txt 或 .docx 文件。")
    # The name is checked before the content: an .xlsx is a ZIP archive just like a .docx, and
    # saying "not a spreadsheet" helps more than "a damaged Word file".
    if suffix == ".pdf" or data.startswith(PDF_MAGIC):
        raise ReportImportError(
            "unsupported_type", "不支持 PDF 文件：请将报告另存为 .docx，或复制正文保存为 .txt 后再导入。"
        )
    if suffix not in TEXT_SUFFIXES + (".docx", ".doc"):
        raise ReportImportError("unsupported_type", f"不支持的文件类型“{suffix}”：请上传 .txt 或 .docx 格式的报告。")
    if suffix == ".doc" or data.startswith(OLE_MAGIC):
        raise ReportImportError(
            "unsupported_type", "不支持旧版 Word（.doc）文件：请在 Word 或 WPS 中另存为 .docx 后再导入。"
        )
    if suffix == ".docx" or data.startswith(ZIP_MAGIC):
        return _read_docx(data)
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """Decode plain text: a BOM decides; else strict UTF-8; else GB18030 (a superset of GBK)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _checked_text(data.decode(encoding))
            except UnicodeDecodeError:
                break
    else:
        for encoding in ("utf-8", "gb18030"):
            try:
                return _checked_text(data.decode(encoding))
            except UnicodeDecodeError:
                continue
    raise ReportImportError(
        "undecodable",
        "无法识别文件编码：文本文件须为 UTF-8 或 GB18030/GBK 编码（Windows 记事本“ANSI”即 GBK）。"
        "请确认上传的是报告正文。",
    )


def _checked_text(text: str) -> str:
    check_text_length(text)  # before the count below, which walks every character in Python
    # Binary data can decode "successfully" as GB18030; real text has no NULs or control bytes.
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if "\x00" in text or control > max(2, len(text) // 200):
        raise UnicodeDecodeError("text", b"", 0, 1, "control characters")
    return text


def _read_docx(data: bytes) -> str:
    import docx  # python-docx; imported here so plain-text imports do not pay for it
    from docx.table import Table, _Cell

    from tracker.importer.docx_numbering import ListNumbering
    from tracker.importer.docx_package import check_package

    try:
        check_package(data)  # before python-docx inflates anything
        document = docx.Document(io.BytesIO(data))
        numbering = ListNumbering(document)
        paragraphs: list[str] = []
        length = 0
        # Some offices lay a report out inside a table; read its cells where they stand. The cells
        # are read from the row's XML, not python-docx's row.cells: that repeats a cell for every
        # grid column it spans (a span the file declares, as large as it likes) and finds the top
        # of a vertical merge by walking up row by row, both unbounded in a hostile file.
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                texts = [
                    numbering.label(p) + p.text
                    for tr in block._tbl.tr_lst
                    for tc in tr.tc_lst
                    if tc.vMerge != "continue"  # a merged cell's text stands in its first row
                    for p in _Cell(tc, block).paragraphs
                ]
            else:
                texts = [numbering.label(block) + block.text]
            paragraphs.extend(texts)
            length += sum(len(text) + 1 for text in texts)
            if length > TEXT_MAX_CHARS + 1:
                check_text_length("\n".join(paragraphs))
            if len(paragraphs) > TEXT_MAX_LINES:
                raise line_count_error()
    except ReportImportError:
        raise
    # A damaged package fails anywhere in python-docx, zipfile or lxml, with their own exception
    # types (BadZipFile, KeyError, XMLSyntaxError…); to the user they all mean the same thing.
    except Exception as exc:
        raise ReportImportError(
            "bad_docx", "无法打开 Word 文档：文件已损坏或不是 .docx 格式，请在 Word 或 WPS 中重新保存后再导入。"
        ) from exc
    return "\n".join(paragraphs)
