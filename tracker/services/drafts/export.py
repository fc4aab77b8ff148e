"""A draft of the 法治政府建设年度报告 as files: an official .docx and Markdown.

The .docx follows GB/T 9704 through ``official_docx``. A second-level heading ("（一）…方面。")
runs into its first paragraph, as the genre writes it: the heading in 楷体, the text after it in
仿宋, in one paragraph. Places left for the legal office to write are highlighted: a placeholder
section whole, and every 【…】 wherever it stands. The annex, the table of every task and how it
was done, starts on a new page, its columns as wide as their content needs.

Fonts missing on the reader's machine (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312) fall back to the
Windows fonts named in the document's font table (``official_docx.FALLBACK_FONTS``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.text.paragraph import Paragraph

from tracker.names import chinese_date
from tracker.services.drafts.content import Annex, AnnexRow, DraftContent, Section
from tracker.services.official_docx import (
    HEADING_FONT,
    LINE_SPACING,
    SUBHEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_run,
    fitted_widths,
    new_document,
    paragraph,
    save,
    table,
)

ANNEX_LABEL = "附件"
ANNEX_TITLE = "整改任务完成情况表"
ANNEX_HEADERS = ("序号", "任务", "牵头单位", "完成时限", "办理状态", "办结日期", "是否按期")
ANNEX_TASK_COLUMN = 1  # takes the width the others leave
ANNEX_WRAPPING = {2: 5.0}  # a department's name wraps after five characters
PLACEHOLDER_HIGHLIGHT = WD_COLOR_INDEX.YELLOW
PLACE_TO_FILL = re.compile(r"(【[^】]*】)")
# A run-in heading needs its full stop, or it would read as the start of its sentence.
SENTENCE_ENDS = ("。", "：", "；", "？", "！", ".", ":")
# Characters XML 1.0 cannot hold: a stray one pasted into a section would make the .docx unwritable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_YEAR = re.compile(r"(\d{4})\s*年")
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


def to_docx(content: DraftContent, issuer: str, today: date) -> bytes:
    """The draft as a .docx; ``issuer`` (the report's) and ``today`` go into its properties."""
    document = new_document(issuer, today)

    title = paragraph(
        document, _clean(content.title), font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    title.paragraph_format.space_after = LINE_SPACING  # the standard leaves one line under the title

    for section in content.sections:
        _write_section(document, section)

    if content.annex.rows:
        _write_annex(document, content.annex, annex_title(content))

    return save(document)


def to_markdown(content: DraftContent) -> str:
    """Headings as ATX headings (level 1 "##", level 2 "###" under the title's "#"), the text as
    it stands, placeholders included, and the annex as a pipe table."""
    blocks = [f"# {_one_line(content.title)}"]
    for section in content.sections:
        if section.level in (1, 2) and section.heading:
            blocks.append(f"{'#' * (section.level + 1)} {_one_line(section.heading)}")
        blocks += [_markdown_paragraph(text) for text in section.paragraphs()]
    annex = content.annex
    if annex.rows:
        blocks.append(f"## {ANNEX_LABEL}：{annex_title(content)}")
        lines = [_table_row(ANNEX_HEADERS), _table_row(["---"] * len(ANNEX_HEADERS))]
        lines += [_table_row(_annex_cells(row)) for row in annex.rows]
        blocks.append("\n".join(lines))
        if annex.totals:
            blocks.append(totals_sentence(annex.totals))
    return "\n\n".join(blocks) + "\n"


def markdown_headings(markdown: str) -> list[tuple[int, str]]:
    """(level, text) of each ATX heading, in order, its HTML entities read back as characters;
    "#" is level 1. Lines inside fenced code are not headings."""
    headings = []
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else _ATX_HEADING.match(line)
        if match:
            headings.append((len(match.group(1)), html.unescape(match.group(2) or "")))
    return headings


def annex_title(content: DraftContent) -> str:
    """The annex's title with the year of the report's title ("2026年度整改任务完成情况表"), or
    without a year in the title the plain "整改任务完成情况表"."""
    year = _YEAR.search(content.title)
    return f"{year.group(1)}年度{ANNEX_TITLE}" if year else ANNEX_TITLE


def totals_sentence(totals: dict[str, int]) -> str:
    """The counts present in ``totals`` (see :func:`.compose.build_annex`) in a sentence:
    "共12项，已办结9项，其中按期7项；未办结3项；逾期3项。" 暂缓 and 已撤销 only when there are any.
    逾期 counts the rows marked so in the table: closed late, or open past the deadline."""
    done = f"已办结{totals.get('done', 0)}项"
    if "on_time" in totals:
        done += f"，其中按期{totals['on_time']}项"
    clauses = [f"共{totals.get('tasks', 0)}项，{done}"]
    if "open" in totals:
        clauses.append(f"未办结{totals['open']}项")
    for key, name in (("on_hold", "暂缓"), ("cancelled", "已撤销")):
        if totals.get(key):
            clauses.append(f"{name}{totals[key]}项")
    if "late" in totals:
        clauses.append(f"逾期{totals['late']}项")
    return "；".join(clauses) + "。"


# --- .docx ----------------------------------------------------------------------------------


def _write_section(document: Document, section: Section) -> None:  # type: ignore[valid-type]
    texts = [_clean(text) for text in section.paragraphs()]
    if section.level == 1 and section.heading:
        heading = document.add_heading(level=1)
        add_run(heading, _clean(section.heading), font=HEADING_FONT)
        heading.paragraph_format.line_spacing = LINE_SPACING
    elif section.level == 2 and section.heading:
        run_in = paragraph(document, _run_in(_clean(section.heading)), font=SUBHEADING_FONT, indent=True)
        if texts:
            _add_text(run_in, texts.pop(0), section)
    for text in texts:
        _add_text(paragraph(document, "", indent=True), text, section)


def _write_annex(document: Document, annex: Annex, title: str) -> None:  # type: ignore[valid-type]
    label = paragraph(document, ANNEX_LABEL, font=HEADING_FONT)
    label.paragraph_format.page_break_before = True
    heading = paragraph(document, title, font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    heading.paragraph_format.space_after = LINE_SPACING
    rows = [[_clean(cell) for cell in _annex_cells(row, _long_date)] for row in annex.rows]
    widths = fitted_widths(ANNEX_HEADERS, rows, ANNEX_TASK_COLUMN, ANNEX_WRAPPING)
    table(document, ANNEX_HEADERS, widths, rows, left_aligned=(1, 2))
    if annex.totals:
        totals = paragraph(document, totals_sentence(annex.totals), indent=True)
        totals.paragraph_format.space_before = LINE_SPACING // 2


def _run_in(heading: str) -> str:
    return heading if heading.endswith(SENTENCE_ENDS) else heading + "。"


def _add_text(to: Paragraph, text: str, section: Section) -> None:
    """``text`` as runs of ``to``: highlighted whole in a placeholder section, else each 【…】 in it."""
    for piece in PLACE_TO_FILL.split(text):
        if piece:
            run = add_run(to, piece)
            if section.placeholder or PLACE_TO_FILL.fullmatch(piece):
                run.font.highlight_color = PLACEHOLDER_HIGHLIGHT


def _long_date(iso: str) -> str:
    return chinese_date(date.fromisoformat(iso)) if iso else ""


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


# --- Markdown -------------------------------------------------------------------------------


def _annex_cells(row: AnnexRow, day: Callable[[str], str] = str) -> list[str]:
    """The row's cells; ``day`` writes its ISO dates (as they are, by default)."""
    return [
        str(row.number),
        row.title,
        row.lead_department,
        day(row.deadline),
        row.state,
        day(row.closed_on),
        row.timeliness,
    ]


def _table_row(cells: list[str] | tuple[str, ...]) -> str:
    return "| " + " | ".join(_one_line(cell).replace("|", "\\|") for cell in cells) + " |"


def _markdown_paragraph(text: str) -> str:
    """The text as it stands, but HTML is escaped (Markdown renderers pass tags through) and a
    paragraph that would read as a heading is escaped too."""
    text = html.escape(text, quote=False)
    return "\\" + text.lstrip() if _ATX_HEADING.match(text) else text


def _one_line(text: str) -> str:
    """Text for a heading or a table cell, which end at the line's end; HTML escaped."""
    return html.escape(_LINE_BREAKS.sub(" ", text).strip(), quote=False)
