"""How much the importer will read, so that one upload cannot hold a web worker for minutes or
fill its memory. Each limit stands far above any real report (a long annual report has 10,000 to
50,000 characters in a few hundred paragraphs, and a few dozen items in a section) and far below
what the importer can parse in well under a second. Over a limit the file is refused whole, with
a message that names the limit: a report is never cut short.
"""

from __future__ import annotations

from tracker.importer.errors import ReportImportError

MIB = 1024 * 1024

# ZIP members of a .docx: Word writes 10 to 30, a report with many pictures a few hundred.
DOCX_MAX_PARTS = 1000
# All members inflated, pictures included: a 20 MB upload of photos stays under it, a zip bomb does not.
DOCX_MAX_UNPACKED_BYTES = 64 * MIB
# The XML members inflated (document.xml, styles, numbering…): lxml holds a tree of several
# times this size; the XML of a long report with heavy formatting is a few MB.
DOCX_MAX_XML_BYTES = 16 * MIB
# Characters of text, after decoding or after reading the .docx.
TEXT_MAX_CHARS = 500_000
# Lines of a .txt (blank ones included) or paragraphs of a .docx (table cells' included).
TEXT_MAX_LINES = 20_000
# Items in one section (achievements, shortcomings or measures).
SECTION_MAX_ITEMS = 500

_SHORTEN = "请确认上传的是报告本身；如附有附表、附件、汇编材料等，请删去后再导入。"


def docx_too_large(code: str, what: str, limit: str) -> ReportImportError:
    return ReportImportError(
        code,
        f"Word 文档超出导入限制：{what}超过上限（{limit}）。{_SHORTEN}"
        "也可以将报告正文复制到记事本，保存为 .txt 后导入。",
    )


def check_text_length(text: str) -> None:
    if len(text) > TEXT_MAX_CHARS:
        raise ReportImportError(
            "text_too_long",
            f"报告正文过长：共 {len(text):,} 字，超过 {TEXT_MAX_CHARS:,} 字的上限。{_SHORTEN}",
        )


def check_line_count(count: int) -> None:
    if count > TEXT_MAX_LINES:
        raise line_count_error()


def line_count_error() -> ReportImportError:
    return ReportImportError(
        "too_many_lines", f"报告的行（段落）过多：超过 {TEXT_MAX_LINES:,} 行（段）的上限。{_SHORTEN}"
    )


def count_lines(text: str) -> int:
    """Lines as the importer splits them: on \\n, \\r\\n, \\r, form feeds and Unicode line and
    paragraph separators."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return 1 + breaks + sum(text.count(mark) for mark in ("\f", "\u2028", "\u2029"))


def check_item_count(section: str, count: int) -> None:
    if count > SECTION_MAX_ITEMS:
        raise ReportImportError(
            "too_many_items",
            f"“{section}”部分识别出 {count:,} 项，超过每部分 {SECTION_MAX_ITEMS} 项的上限。"
            "请检查该部分的编号是否有误（例如把正文的每一段都识别成了一项），"
            "或将报告按部分拆分后分别导入。",
        )
