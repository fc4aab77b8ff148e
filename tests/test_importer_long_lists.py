"""Reports that number more than 99 items: every item is imported, under the label it was given."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from tracker.importer import parse_report, parse_text
from tracker.importer.docx_numbering import render_number
from tracker.importer.labels import cn_to_int, int_to_cn, parse_label

HEAD = (
    "某市某局2025年法治政府建设年度报告\n一、工作情况及成效\n（一）做了工作。\n"
    "二、存在不足\n一是不足。\n三、下一步工作计划\n"
)
COUNT = 150


@pytest.mark.parametrize(
    ("value", "numeral"),
    [
        (9, "九"),
        (10, "十"),
        (19, "十九"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (119, "一百一十九"),
        (200, "二百"),
        (999, "九百九十九"),
    ],
)
def test_it_writes_and_reads_chinese_numerals_past_ninety_nine(value: int, numeral: str):
    assert int_to_cn(value) == numeral
    assert cn_to_int(numeral) == value


def test_it_reads_every_numeral_it_writes_up_to_999():
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 1000))


@pytest.mark.parametrize(
    ("text", "label", "number"),
    [
        ("（一百）加强培训", "（一百）", 100),
        ("(一百零一)加强培训", "(一百零一)", 101),
        ("（一百〇五）加强培训", "（一百〇五）", 105),  # Word writes 〇 in some Chinese formats
        ("（一百十）加强培训", "（一百十）", 110),
        ("一百二十、加强培训", "一百二十、", 120),
        ("100. 加强培训", "100.", 100),
        ("150、加强培训", "150、", 150),
        ("（100）加强培训", "（100）", 100),
        ("第一百，加强培训", "第一百，", 100),
        ("一百是加强培训", "一百是", 100),
        ("第一百部分 加强培训", "第一百部分", 100),
    ],
)
def test_it_reads_labels_numbered_past_ninety_nine(text: str, label: str, number: int):
    found, rest = parse_label(text)
    assert found is not None and (found.text, found.number) == (label, number)
    assert rest == "加强培训"


@pytest.mark.parametrize("text", ["2021年，我局", "1000. 加强培训", "一百余名干部参加培训", "1.5亿元"])
def test_it_still_reads_numbers_in_a_sentence_as_no_label(text: str):
    assert parse_label(text)[0] is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (lambda n: f"（{int_to_cn(n)}）", lambda n: f"（{int_to_cn(n)}）"),
        (lambda n: f"{n}. ", lambda n: f"{n}."),
        (lambda n: f"（{n}）", lambda n: f"（{n}）"),
        (lambda n: f"第{int_to_cn(n)}，", lambda n: f"第{int_to_cn(n)}，"),
    ],
    ids=["（一百）", "100.", "（100）", "第一百，"],
)
def test_it_imports_every_measure_of_a_list_longer_than_99(label: Callable[[int], str], expected: Callable[[int], str]):
    text = HEAD + "".join(f"{label(n)}推进第{n}项工作。按季度报送进展。\n" for n in range(1, COUNT + 1))

    measures = parse_text(text).measures

    assert len(measures) == COUNT
    assert [m.number for m in measures] == [expected(n) for n in range(1, COUNT + 1)]
    assert [m.title for m in measures][98:101] == ["推进第99项工作", "推进第100项工作", "推进第101项工作"]
    assert measures[-1].body == "按季度报送进展。"


def test_it_imports_more_than_99_run_in_items_of_one_paragraph():
    clauses = "；".join(f"{int_to_cn(n)}是推进第{n}项工作" for n in range(1, COUNT + 1))
    measures = parse_text(HEAD + f"明年将着力做好以下工作：{clauses}。\n").measures
    assert len(measures) == COUNT
    assert measures[99].number == "一百是" and measures[99].title == "推进第100项工作"


def test_it_imports_more_than_99_achievements_and_measures_of_a_report_of_the_seeds_shape():
    body = "围绕中心工作，持续推进执法规范化建设，强化执法监督，确保各项措施落实到位。"
    lines = ["某市某局2025年法治政府建设年度报告", "", "现将有关情况报告如下：", "", "一、工作情况及成效", ""]
    lines += [f"（{int_to_cn(n)}）第{n}项工作方面。{body}" for n in range(1, COUNT + 1)]
    lines += ["", "二、存在不足及下一步工作对策", "主要表现在：一是基础薄弱；二是力量不足。接下来，我局将："]
    lines += [f"（{int_to_cn(n)}）推进第{n}项措施，提升工作质量。{body}" for n in range(1, COUNT + 1)]
    lines += ["", "某市某局", "2025年12月31日"]

    report = parse_text("\n".join(lines))

    assert len(report.achievements) == len(report.measures) == COUNT
    assert report.achievements[119].number == "（一百二十）"
    assert report.achievements[119].title == "第120项工作方面"
    assert report.measures[-1].number == "（一百五十）"
    assert report.measures[-1].title == "推进第150项措施，提升工作质量"
    assert report.measures[-1].body == body


def test_it_imports_more_than_99_measures_that_word_numbers_itself():
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%1）"/></w:lvl></w:abstractNum>'
        )
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="7"><w:abstractNumId w:val="7"/></w:num>'))
    for line in HEAD.splitlines():
        document.add_paragraph(line)
    for n in range(1, COUNT + 1):
        paragraph = document.add_paragraph(f"推进第{n}项工作。")
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="7"/></w:numPr>')
        )
    buffer = io.BytesIO()
    document.save(buffer)

    measures = parse_report(buffer.getvalue(), "report.docx").measures

    assert len(measures) == COUNT
    assert [m.number for m in measures][99:] == [f"（{int_to_cn(n)}）" for n in range(100, COUNT + 1)]


def test_it_renders_word_numbers_past_ninety_nine_in_chinese():
    assert render_number(100, "chineseCounting") == "一百"
    assert render_number(123, "chineseCountingThousand") == "一百二十三"
