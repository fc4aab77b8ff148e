"""Word documents whose headings are numbered by Word itself (list numbering, not typed labels)."""

from __future__ import annotations

import io
import re

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from tracker.demo import seed_report_bytes
from tracker.importer import parse_report
from tracker.importer.docx_numbering import render_number

# (numId, format, level text): each list as an office would define it in Word or WPS. The
# measures are a second list of the topics' look, counting from one again as Word does for a new list.
LISTS = {
    "top": (101, "chineseCounting", "%1、"),
    "topic": (102, "chineseCounting", "（%1）"),
    "measures": (103, "chineseCounting", "（%1）"),
}
TYPED_LABEL = re.compile(r"^(?:1、\s*|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def _define_lists(document: docx.document.Document) -> None:
    numbering = document.part.numbering_part.element
    for num_id, number_format, text in LISTS.values():
        numbering.append(
            parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}"><w:lvl w:ilvl="0">'
                f'<w:start w:val="1"/><w:numFmt w:val="{number_format}"/><w:lvlText w:val="{text}"/>'
                "</w:lvl></w:abstractNum>"
            )
        )
        numbering.append(
            parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>')
        )


def _number(paragraph: docx.text.paragraph.Paragraph, list_name: str) -> None:
    num_id = LISTS[list_name][0]
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def _seed_with_word_numbering() -> bytes:
    """The seed as a .docx whose "一、" and "（一）" labels are drawn by Word's list numbering."""
    document = docx.Document()
    _define_lists(document)
    section = "achievements"
    for line in seed_report_bytes().decode("utf-8").splitlines():
        match = TYPED_LABEL.match(line.strip())
        paragraph = document.add_paragraph(line.strip()[match.end() :] if match else line.strip())
        if not match:
            continue
        if match.group(0).endswith("、") or match.group(0).startswith("1、"):
            _number(paragraph, "top")
            section = "measures" if "存在不足" in line else section
        else:
            _number(paragraph, "topic" if section == "achievements" else "measures")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_it_reads_labels_that_word_draws_from_its_list_numbering():
    from_text = parse_report(seed_report_bytes(), "seed.txt")
    from_word = parse_report(_seed_with_word_numbering(), "seed.docx")
    assert [a.title for a in from_word.achievements] == [a.title for a in from_text.achievements]
    assert [m.title for m in from_word.measures] == [m.title for m in from_text.measures]
    assert [m.number for m in from_word.measures][:3] == ["（一）", "（二）", "（三）"]
    assert from_word.achievements[10].number == "（十一）"
    assert len(from_word.shortcomings) == 3


def test_it_renders_the_number_formats_offices_use():
    assert render_number(3, "chineseCounting") == "三"
    assert render_number(11, "chineseCountingThousand") == "十一"
    assert render_number(2, "decimal") == "2"
    assert render_number(4, "decimalEnclosedCircleChinese") == "④"
    assert render_number(12, "decimalFullWidth") == "１２"
