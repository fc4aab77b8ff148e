"""The official document style (GB/T 9704) in python-docx, shared by the .docx exports.

A4, margins 37/35/28/26 mm, 三号仿宋 body on a fixed 28 pt line, 黑体 first-level headings,
楷体 second-level ones, 二号小标宋 titles. python-docx writes only the Latin font names, so the
East Asian font is set on the ``w:eastAsia`` attribute of each style and run, and the theme fonts
that would win over it are removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

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
TABLE_SIZE = Pt(12)  # 小四: a table of many columns does not fit in 三号
LINE_SPACING = Pt(28)
# The font table's altName for each font of the standard: the font shipped with Windows that Word
# and WPS fall back to where the 方正 or _GB2312 font is not installed. WPS writes the same pairs.
FALLBACK_FONTS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体"}
GB2312_CHARSET = "86"
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_east_asian_font(element: object, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set the fonts of a style's or a run's ``w:rPr`` (its ``element``): Latin and East Asian,
    without the theme fonts Word would otherwise prefer."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def lay_out(document: Document) -> None:
    """A4 with the standard's margins; Normal in 三号仿宋, Heading 1 in 三号黑体, both black."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(".//" + qn("w:rFonts")) if defaults is not None else None
    if default_fonts is not None:
        for attribute in _THEME_FONT_ATTRIBUTES:
            default_fonts.attrib.pop(qn(attribute), None)

    body = document.styles["Normal"]
    set_east_asian_font(body.element, BODY_FONT)
    body.font.size = BODY_SIZE
    body.font.color.rgb = RGBColor(0, 0, 0)

    heading = document.styles["Heading 1"]
    set_east_asian_font(heading.element, HEADING_FONT)
    heading.font.size = BODY_SIZE
    heading.font.bold = False  # 黑体 is heavy enough; the standard does not bolden it
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(6)
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
    """A paragraph on the fixed line; ``indent`` indents its first line by two characters."""
    added = document.add_paragraph()
    form = added.paragraph_format
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = max(LINE_SPACING, Pt(size.pt + 6))
    if align is not None:
        added.alignment = align
    if indent:
        form.first_line_indent = BODY_SIZE * 2
    if right_indent is not None:
        form.right_indent = right_indent
    if text:
        add_run(added, text, font=font, size=size)
    return added


def add_run(to: Paragraph, text: str, *, font: str = BODY_FONT, size: Length = BODY_SIZE) -> Run:
    run = to.add_run(text)
    run.font.size = size
    set_east_asian_font(run._element, font)
    return run


def table(
    document: Document,
    headers: Sequence[str],
    widths: Sequence[int],
    rows: Sequence[Sequence[str]],
    left_aligned: Sequence[int] = (1,),
) -> Table:
    """A "Table Grid" table, centred: the header row in 黑体, repeated on every page, the rows
    in 仿宋, all in 小四; ``widths`` in mm, within the 156 mm text block."""
    added = document.add_table(rows=1, cols=len(headers))
    added.style = document.styles["Table Grid"]
    added.alignment = WD_TABLE_ALIGNMENT.CENTER
    added.autofit = False
    for cell, text in zip(added.rows[0].cells, headers, strict=True):
        _cell_text(cell, text, HEADING_FONT, WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_as_header(added.rows[0])
    for values in rows:
        cells = added.add_row().cells
        for column, (cell, text) in enumerate(zip(cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if column in left_aligned else WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, text, BODY_FONT, align)
    for column, width in zip(added.columns, widths, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice and WPS lay a fixed table out by
        for cell in column.cells:
            cell.width = Mm(width)
    return added


def add_page_numbers(section: Section) -> None:
    """Page numbers in the footer, centred, "— 1 —" in 四号宋体, as a PAGE field Word fills in.

    The standard puts the number 7 mm below the text block: its line (about 5 mm) then ends
    23 mm above the bottom edge of the page."""
    section.footer_distance = Mm(23)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = 0

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
    add_run(first, text, font=font, size=TABLE_SIZE)


def _repeat_as_header(row: object) -> None:
    """The header row repeats on every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = properties.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    properties.append(header)
