"""The official document style (GB/T 9704-2012) in python-docx, shared by the .docx exports
(:func:`new_document` lays out the draft and the 通报 alike).

A4 with the text block of the standard, 156 × 225 mm (margins 37/35/28/26 mm), on a document
grid of 22 lines of 28 characters (§5.2.2); 三号仿宋 body, justified, two characters indented,
no space before or after a paragraph; 黑体 first-level headings, 楷体 second-level ones, 二号小标宋
titles; "— 1 —" page numbers in 四号宋体 on the outer side (odd pages right, even pages left, one
character in). python-docx writes only the Latin font names, so the East Asian font is set on the
``w:eastAsia`` attribute of each style and run (with ``w:hint`` so that “ ” and — take it too),
and the theme fonts that would win over it are removed.

A document with tables is written with :func:`save`. Paragraphs and table rows are copies of one
styled through python-docx (a province's draft has 15,000 paragraphs and 17,000 rows), and the
document is the same as python-docx would write element by element.
"""

from __future__ import annotations

import io
import re
import weakref
import zipfile
from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from datetime import date, datetime, time
from typing import Any

import docx
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.shared import Length, Mm, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

# Fonts of the standard; Word substitutes its own where one is not installed (see FALLBACK_FONTS).
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号: a table of many columns does not fit in 三号
# The standard's page: 22 lines in the 225 mm block (579 twips, 28.95 pt, each: the line grid),
# and 28 characters of 三号 in the 156 mm line: each 16 pt less a quarter point (condensed). Not a
# character grid (linesAndChars with charSpace -842): LibreOffice lays that out at two grid cells
# a character, 14 characters a line.
LINE_SPACING = Twips(579)
CONDENSED = -5  # twentieths of a point
TEXT_WIDTH = Mm(156)
# Table cells keep 0.1 cm on either side (Word's default is 0.19 cm): a date fits on one line.
CELL_MARGIN = Twips(57)
# The font table's altName for each font of the standard: the font shipped with Windows that Word
# and WPS fall back to where the 方正 or _GB2312 font is not installed. WPS writes the same pairs.
FALLBACK_FONTS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体"}
GB2312_CHARSET = "86"
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_RUN_BREAKS = re.compile("([\t\r\n])")  # what Run.text writes as w:tab and w:br rather than text
_TEXT, _SPACE = qn("w:t"), qn("xml:space")
_RUN_END = "</w:r>"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # lxml refuses them
_ROWS_PER_WRITE = 500
# Per document (by its part: the Document proxy cannot be hashed), the paragraph of each layout
# that the next ones copy (see ``paragraph``), and the rows of its tables (see ``table``).
_PATTERNS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], CT_P]] = weakref.WeakKeyDictionary()
_ROWS: weakref.WeakKeyDictionary[Any, list[tuple[str, Sequence[Sequence[str]]]]] = weakref.WeakKeyDictionary()


def set_east_asian_font(element: object, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set the fonts of a style's or a run's ``w:rPr`` (its ``element``): Latin and East Asian,
    without the theme fonts Word would otherwise prefer."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")  # “ ” — … are Chinese punctuation here, in the Chinese font


def new_document(author: str, today: date) -> Document:
    """An empty document of the standard (:func:`lay_out`), its fonts' fallbacks registered, its
    pages numbered, its properties saying who issues it and when."""
    document = docx.Document()
    lay_out(document)
    register_fallback_fonts(document)
    add_page_numbers(document)
    describe(document, author, today)
    return document


def describe(document: Document, author: str, today: date) -> None:
    """Core properties that say the issuer and the day, not python-docx's template; no thumbnail
    (the template's is a blank page)."""
    properties = document.core_properties
    properties.author = properties.last_modified_by = author
    properties.created = properties.modified = datetime.combine(today, time())
    properties.revision = 1
    properties.comments = properties.keywords = properties.subject = ""
    package = document.part.package
    for rel_id, relationship in list(package.rels.items()):
        if relationship.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    preview = document.settings.element.find(qn("w:savePreviewPicture"))
    if preview is not None:
        document.settings.element.remove(preview)


def lay_out(document: Document) -> None:
    """The standard's page and grid; Normal in 三号仿宋, justified, Heading 1 in 三号黑体, both
    black, on the grid's line with no space around; the text in Chinese (zh-CN)."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.attrib.clear()
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_SPACING.twips))

    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        default_fonts = defaults.find(".//" + qn("w:rFonts"))
        if default_fonts is not None:
            for attribute in _THEME_FONT_ATTRIBUTES:
                default_fonts.attrib.pop(qn(attribute), None)
        size = defaults.find(".//" + qn("w:sz"))  # the default size is the body text's
        if size is not None:
            size.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
        language = defaults.find(".//" + qn("w:lang"))
        if language is not None:
            language.set(qn("w:val"), "zh-CN")
            language.set(qn("w:eastAsia"), "zh-CN")
        spacing = defaults.find(".//" + qn("w:spacing"))  # python-docx's template: 10 pt after
        if spacing is not None:
            spacing.getparent().remove(spacing)

    body = document.styles["Normal"]
    set_east_asian_font(body.element, BODY_FONT)
    body.font.size = BODY_SIZE
    body.font.color.rgb = RGBColor(0, 0, 0)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.space_before = body.paragraph_format.space_after = 0
    body.paragraph_format.widow_control = False  # every full page holds its 22 lines, as a 公文 is set
    _add_in_order(body.element.get_or_add_rPr(), "w:spacing", _AFTER_CHARACTER_SPACING, {"w:val": str(CONDENSED)})

    heading = document.styles["Heading 1"]
    set_east_asian_font(heading.element, HEADING_FONT)
    heading.font.size = BODY_SIZE
    heading.font.bold = False  # 黑体 is heavy enough; the standard does not bolden it
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.paragraph_format.space_before = heading.paragraph_format.space_after = 0
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = LINE_SPACING
    heading.paragraph_format.first_line_indent = BODY_SIZE * 2


def paragraph(
    document: Document,
    text: str,
    *,
    font: str = BODY_FONT,
    size: Length = BODY_SIZE,
    align: int | None = None,
    indent: bool = False,
    right_indent: int | None = None,
) -> Paragraph:
    """A paragraph on the fixed line; ``indent`` indents its first line by two characters.

    The first paragraph of each layout in a document is laid out through python-docx; the next
    ones are copies of its XML with their own text (a province's draft has thousands)."""
    patterns = _PATTERNS.setdefault(document.part, {})
    layout = (font, size, align, indent, right_indent, bool(text))
    if layout not in patterns:
        patterns[layout] = _laid_out_paragraph(*layout)
    added = deepcopy(patterns[layout])
    if text:
        _set_text(added.r_lst[0], text)
    body = document.element.body
    # Before the body's closing w:sectPr, as add_paragraph() puts it, found as the last child:
    # python-docx looks for it from the first child, for each paragraph.
    last = next(body.iterchildren(reversed=True), None)
    if last is not None and last.tag == qn("w:sectPr"):
        last.addprevious(added)
    else:
        body.append(added)
    return Paragraph(added, document._body)


def _laid_out_paragraph(
    font: str, size: Length, align: int | None, indent: bool, right_indent: int | None, with_run: bool
) -> CT_P:
    """An empty paragraph of ``paragraph``'s layout, outside any document; with one empty run."""
    added = Paragraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    form = added.paragraph_format
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = max(LINE_SPACING, Pt(size.pt + 6))
    if align is not None:
        added.alignment = align
    if indent:
        form.first_line_indent = BODY_SIZE * 2
    if right_indent is not None:
        form.right_indent = right_indent
    if size != BODY_SIZE:
        off_the_grid(added)
    if with_run:
        add_run(added, "", font=font, size=size)
    return added._p


def add_run(to: Paragraph, text: str, *, font: str = BODY_FONT, size: Length = BODY_SIZE) -> Run:
    run = to.add_run()
    if text:
        _set_text(run._r, text)
    run.font.size = size
    set_east_asian_font(run._element, font)
    return run


def table(
    document: Document,
    headers: Sequence[str],
    widths: Sequence[Length],
    rows: Sequence[Sequence[str]],
    left_aligned: Sequence[int] = (1,),
) -> None:
    """A "Table Grid" table, centred: the header row in 黑体, repeated on every page, the rows
    in 仿宋, all in 五号, no row split across two pages; ``widths`` within the 156 mm text block
    (see :func:`fitted_widths`).

    The rows are written by :func:`save`, which must write the document: the document holds the
    header and one styled row, and ``save`` writes that row's XML once for each of ``rows`` (kept
    until then, unchanged), with its text. As elements, a row would take 26 KB (440 MB for the
    17,000 rows of a province's annex), and python-docx adds rows in a time that grows with the
    square of their number."""
    if any(len(values) != len(headers) for values in rows):
        raise ValueError(f"every row of the table needs {len(headers)} cells")
    added = document.add_table(rows=1, cols=len(headers))
    added.style = document.styles["Table Grid"]
    added.alignment = WD_TABLE_ALIGNMENT.CENTER
    added.autofit = False
    margins = _add_in_order(added._tbl.tblPr, "w:tblCellMar", _AFTER_CELL_MARGINS)
    for side in ("w:left", "w:right"):
        margins.append(OxmlElement(side, {qn("w:w"): str(CELL_MARGIN.twips), qn("w:type"): "dxa"}))
    for cell, text, width in zip(added.rows[0].cells, headers, widths, strict=True):
        _cell_text(cell, _header_lines(text, width), HEADING_FONT, WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_as_header(added.rows[0])
    pattern = added.add_row() if rows else None
    if pattern is not None:
        _add_in_order(pattern._tr.get_or_add_trPr(), "w:cantSplit")  # a row's properties come in any order
        for column, cell in enumerate(pattern.cells):
            align = WD_ALIGN_PARAGRAPH.LEFT if column in left_aligned else WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, "", BODY_FONT, align)
    for column, width in zip(added.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice and WPS lay a fixed table out by
        for cell in column.cells:
            cell.width = width
    if pattern is not None:
        tables = _ROWS.setdefault(document.part, [])
        marker = f"tracker-rows-{len(tables)}"
        pattern._tr.addprevious(etree.Comment(marker))
        pattern._tr.addnext(etree.Comment(f"/{marker}"))
        tables.append((marker, rows))


def save(document: Document) -> bytes:
    """The .docx of ``document`` (``document.save``) with the rows of its tables (see
    :func:`table`) written into its main part, row by row, in place of each table's styled row."""
    buffer = io.BytesIO()
    document.save(buffer)
    tables = _ROWS.get(document.part, [])
    if not tables:
        return buffer.getvalue()
    main = document.part.partname.membername
    written = io.BytesIO()
    with zipfile.ZipFile(buffer) as saved, zipfile.ZipFile(written, "w") as package:
        for member in saved.infolist():
            copied = zipfile.ZipInfo(member.filename, member.date_time)
            copied.compress_type = member.compress_type
            if member.filename != main:
                package.writestr(copied, saved.read(member))
                continue
            with package.open(copied, "w") as stream:
                _write_rows(saved.read(member), tables, stream.write)
    return written.getvalue()


def add_page_numbers(document: Document) -> None:
    """Page numbers in the footer, "— 1 —" in 四号宋体, as a PAGE field Word fills in: on the
    outer side, one character in from the text block's edge (right on odd pages, left on even
    ones: §7.5).

    The standard puts the number 7 mm below the text block: its line (about 5 mm) then ends
    23 mm above the bottom edge of the page."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    section.footer_distance = Mm(23)
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(footer: Paragraph, align: int) -> None:
    footer.alignment = align
    form = footer.paragraph_format
    form.first_line_indent = 0
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        form.right_indent = PAGE_NUMBER_SIZE
    else:
        form.left_indent = PAGE_NUMBER_SIZE
    off_the_grid(footer)

    def run(text: str = "") -> Run:
        # 宋体 for the digits and the dashes too: the standard wants the whole number in 宋体.
        added = footer.add_run(text)
        added.font.size = PAGE_NUMBER_SIZE
        set_east_asian_font(added._element, PAGE_NUMBER_FONT, latin=PAGE_NUMBER_FONT)
        return added

    run("— ")
    _field_character(run(), "begin")
    instruction = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instruction.text = " PAGE "
    run()._element.append(instruction)
    _field_character(run(), "separate")
    run("1")  # shown until Word updates the field
    _field_character(run(), "end")
    run(" —")


def off_the_grid(to: Paragraph) -> None:
    """``w:snapToGrid w:val="0"``: a paragraph not in 三号 (a title, a table cell, a page number)
    keeps its own character width instead of taking the body's grid."""
    _add_in_order(to._p.get_or_add_pPr(), "w:snapToGrid", _AFTER_SNAP_TO_GRID, {"w:val": "0"})


# What follows an element in its parent, by the schema's sequence (python-docx places only the
# elements it knows).
_AFTER_SNAP_TO_GRID = (
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
    "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_AFTER_CELL_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
_AFTER_CHARACTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip


def _add_in_order(
    parent: Any, tag: str, successors: Sequence[str] = (), attributes: Mapping[str, str] | None = None
) -> Any:
    """Add ``tag`` to ``parent`` before the first of ``successors`` there (or last), replacing
    one already there."""
    existing = parent.find(qn(tag))
    if existing is not None:
        parent.remove(existing)
    added = OxmlElement(tag, {qn(name): value for name, value in (attributes or {}).items()})
    parent.insert_element_before(added, *successors)
    return added


def register_fallback_fonts(document: Document, fallbacks: Mapping[str, str] = FALLBACK_FONTS) -> None:
    """Describe the standard's fonts in the document's font table as GB2312 fonts, each with the
    font to use in its place where it is not installed (``w:altName``).

    python-docx keeps the font table as bytes, with no API for it, so its XML is rewritten."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    fonts = parse_xml(part.blob)
    for existing in fonts.findall(qn("w:font")):
        if existing.get(qn("w:name")) in fallbacks:
            fonts.remove(existing)
    for name, alternative in fallbacks.items():
        font = OxmlElement("w:font", {qn("w:name"): name})
        for tag, value in (("w:altName", alternative), ("w:charset", GB2312_CHARSET), ("w:family", "auto")):
            font.append(OxmlElement(tag, {qn("w:val"): value}))
        fonts.append(font)
    part._blob = serialize_part_xml(fonts)


def _field_character(run: Run, kind: str) -> None:
    run._element.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): kind}))


def _cell_text(cell: object, text: str, font: str, align: int) -> None:
    first = cell.paragraphs[0]  # type: ignore[attr-defined]
    first.alignment = align
    first.paragraph_format.first_line_indent = 0
    off_the_grid(first)
    add_run(first, text, font=font, size=TABLE_SIZE)


def fitted_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], flexible: int, wrap_at: Mapping[int, float] | None = None
) -> list[Length]:
    """Column widths from the content, in the 156 mm text block: each column as wide as its
    longest cell on one line (a date, a state, a number never breaks; a header of more than two
    characters may take two lines), a column of ``wrap_at`` at most that many characters wide
    (a department's name wraps), and the ``flexible`` column (the task) the rest."""
    wrap_at = wrap_at or {}
    ems = []
    for column, header in enumerate(headers):
        longest = max((text_ems(values[column]) for values in rows), default=0.0)
        heading = text_ems(_header_halves(header)[0])
        wanted = max(longest, heading) + 0.3  # a little to spare
        ems.append(min(wanted, wrap_at[column]) if column in wrap_at else wanted)
    widths = [Length(int(TABLE_SIZE * em) + 2 * CELL_MARGIN) for em in ems]
    widths[flexible] = Length(TEXT_WIDTH - sum(w for n, w in enumerate(widths) if n != flexible))
    return widths


def text_ems(text: str) -> float:
    """How wide ``text`` is in characters of its size: a Chinese character (or full-width
    punctuation) is one, a Latin letter or digit half, and a quarter more where
    the two meet (the space an office suite puts between them)."""
    wide = [ord(character) >= 0x2E80 for character in text]
    meetings = sum(1 for before, after in zip(wide, wide[1:], strict=False) if before != after)
    return sum(1.0 if is_wide else 0.5 for is_wide in wide) + 0.25 * meetings


def _header_halves(header: str) -> tuple[str, str]:
    """Where a header may break: in the middle, the longer half first; a header of two
    characters or fewer does not break ("", as its second half)."""
    if len(header) <= 2:
        return header, ""
    middle = -(-len(header) // 2)
    return header[:middle], header[middle:]


def _header_lines(header: str, width: Length) -> str:
    """A header too wide for its column, broken in the middle (not wherever the line runs out)."""
    first, second = _header_halves(header)
    if not second or int(TABLE_SIZE * text_ems(header)) + 2 * CELL_MARGIN <= width:
        return header
    return f"{first}\n{second}"


def _write_rows(xml: bytes, tables: list[tuple[str, Sequence[Sequence[str]]]], write: Callable[[bytes], Any]) -> None:
    """Write ``xml`` (the main part as python-docx wrote it) with each table's styled row, found
    between its two marker comments, replaced by the table's rows: copies of the styled row's XML
    with, in each cell's empty run, what ``Run.text`` would have put there (:func:`run_content`)."""
    position = 0
    for marker, rows in tables:
        begin, end = f"<!--{marker}-->".encode(), f"<!--/{marker}-->".encode()
        start = xml.index(begin, position)
        stop = xml.index(end, start)
        write(xml[position:start])
        pieces = xml[start + len(begin) : stop].decode("utf-8").split(_RUN_END)
        if len(pieces) != len(rows[0]) + 1:
            raise AssertionError(f"the styled row of {marker} does not hold one run per cell")
        for batch in range(0, len(rows), _ROWS_PER_WRITE):
            xml_rows = []
            for values in rows[batch : batch + _ROWS_PER_WRITE]:
                for piece, text in zip(pieces, values, strict=False):
                    xml_rows += (piece, run_content(text), _RUN_END)
                xml_rows.append(pieces[-1])
            write("".join(xml_rows).encode("utf-8"))
        position = stop + len(end)
    write(xml[position:])


def run_content(text: str) -> str:
    """The XML that ``Run.text = text`` puts in an empty run, as lxml writes it: a ``w:t`` per
    stretch of text (its spaces kept by ``xml:space``), ``w:tab`` for a tab, ``w:br`` for each
    line break character. Raises ValueError, as lxml does, for characters XML cannot hold."""
    if _NOT_XML.search(text):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    written = []
    for piece in _RUN_BREAKS.split(text):
        if piece == "\t":
            written.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            written.append("<w:br/>")
        elif piece:
            escaped = piece.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            written.append(f"<w:t{space}>{escaped}</w:t>")
    return "".join(written)


def _set_text(run: CT_R, text: str) -> None:
    """``Run.text = text`` on an empty run: tabs and line breaks as their elements, spaces kept.
    Text without them is one ``w:t`` (``CT_R.add_t``), written without python-docx's loop over
    each character and its search for where the element goes: it goes last."""
    if _RUN_BREAKS.search(text):
        run.text = text
        return
    added = etree.SubElement(run, _TEXT)
    added.text = text
    if len(text.strip()) < len(text):
        added.set(_SPACE, "preserve")


def _repeat_as_header(row: object) -> None:
    """The header row repeats on every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = properties.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    properties.append(header)
