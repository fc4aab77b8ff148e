"""The draft of next year's report as an official .docx and as Markdown, read back."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from tracker.services.drafts.content import Annex, AnnexRow, DraftContent, Section
from tracker.services.drafts.export import markdown_headings, to_docx, to_markdown, totals_sentence

TITLE = "市公安局2026年度法治政府建设情况报告"
OPENING = "2026年，市公安局坚持以习近平法治思想为指导，扎实推进法治政府建设。现将有关情况报告如下。"
MEASURES = "一、推进法治政府建设的主要举措和成效"
TRAINING = "（一）加强执法培训方面。"
TRAINING_TEXT = "全年组织执法资格考试2次，参考民警312人。\n开展旁听庭审活动6场。"
ARCHIVES = "（二）规范执法档案方面"  # without its full stop: the .docx adds one to run it in
ARCHIVES_TEXT = "完成执法档案电子化改造。\n档案合格率达98%。"
SHORTCOMINGS = "三、存在的不足和原因"
PLACEHOLDER_TEXT = "【请法制部门补充存在的不足和原因】"
TOTALS = {"tasks": 3, "done": 2, "on_time": 1, "late": 2, "open": 1, "on_hold": 0, "cancelled": 0}
TOTALS_SENTENCE = "共3项，已办结2项，其中按期1项；未办结1项；逾期2项。"
# word/document.xml of ``awkward_content()`` as it was looked at in LibreOffice (converted to PDF,
# pages measured and viewed) when the layout of GB/T 9704-2012 was last changed: a change to it
# is a change to the document users print.
DOCUMENT_REVIEWED = Path(__file__).resolve().parent / "samples" / "docx" / "draft-document.xml"
ISSUER, TODAY = "汕头市公安局", date(2026, 12, 7)


def section(key: str, heading: str, level: int, text: str, **overrides) -> Section:
    return Section(**{"key": key, "heading": heading, "level": level, "text": text, "generated": text, **overrides})


def make_content(**overrides) -> DraftContent:
    rows = [
        AnnexRow(1, "加强执法培训", "法制支队", "2026-03-31", "已办结", "2026-03-20", "按期"),
        AnnexRow(2, "规范执法档案管理", "治安支队", "2026-05-31", "已办结", "2026-06-10", "逾期"),
        AnnexRow(3, "完善案件审核机制", "刑侦支队", "2026-04-30", "办理中", "", "逾期"),
    ]
    fields = {
        "title": TITLE,
        "sections": [
            section("opening", "", 0, OPENING),
            section("measures", MEASURES, 1, ""),
            section("measure:1", TRAINING, 2, TRAINING_TEXT),
            section("measure:2", ARCHIVES, 2, ARCHIVES_TEXT),
            section("shortcomings", SHORTCOMINGS, 1, PLACEHOLDER_TEXT, placeholder=True),
        ],
        "annex": Annex(rows=rows, totals=TOTALS),
    }
    return DraftContent(**{**fields, **overrides})


def docx_of(content: DraftContent) -> bytes:
    return to_docx(content, ISSUER, TODAY)


def open_docx(content: DraftContent):
    return Document(io.BytesIO(docx_of(content)))


def document_xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return package.read("word/document.xml")


def awkward_content() -> DraftContent:
    """``make_content()`` with annex cells that try how text is written: spaces at its ends (kept),
    a tab and a line break (elements of their own), markup characters, an empty cell."""
    content = make_content()
    rows = [
        *content.annex.rows,
        AnnexRow(4, " 前后有空格 ", "未交办", "", "未开始", "", ""),
        AnnexRow(5, "制表\t符与<标记>&“引号”", "A&B", "2026-01-02", "暂缓", "", ""),
        AnnexRow(6, "两行\n标题", "法制支队", "2027-12-31", "已撤销", "", ""),
    ]
    return replace(content, annex=Annex(rows=rows, totals=content.annex.totals))


def east_asian_font(element) -> str | None:
    fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def paragraph_starting(document, text: str):
    return next(p for p in document.paragraphs if p.text.startswith(text))


# --- .docx ----------------------------------------------------------------------------------


def test_it_lays_the_draft_out_on_an_a4_page_with_the_margins_of_the_standard():
    page = open_docx(make_content()).sections[0]

    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    margins = (page.top_margin, page.bottom_margin, page.left_margin, page.right_margin)
    assert [round(margin.mm) for margin in margins] == [37, 35, 28, 26]


def test_it_centres_the_title_in_xiaobiaosong_at_22_points_falling_back_to_songti():
    document = open_docx(make_content())

    title = document.paragraphs[0]
    assert title.text == TITLE
    assert title.alignment == 1  # centre
    assert east_asian_font(title.runs[0]._element) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22
    font_table = parse_xml(document.part.part_related_by(RT.FONT_TABLE).blob)
    entry = next(f for f in font_table.findall(qn("w:font")) if f.get(qn("w:name")) == "方正小标宋简体")
    assert entry.find(qn("w:altName")).get(qn("w:val")) == "宋体"


def test_it_writes_first_level_headings_in_heiti_through_the_style_and_the_run():
    document = open_docx(make_content())

    heading = paragraph_starting(document, MEASURES)
    assert heading.text == MEASURES
    assert heading.style.name == "Heading 1"
    assert east_asian_font(heading.style.element) == "黑体"
    assert east_asian_font(heading.runs[0]._element) == "黑体"
    assert heading.style.element.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None


def test_it_runs_a_second_level_heading_in_kaiti_into_its_first_paragraph():
    document = open_docx(make_content())

    training = paragraph_starting(document, TRAINING)
    assert training.text == TRAINING + "全年组织执法资格考试2次，参考民警312人。"
    heading_run, text_run = training.runs
    assert east_asian_font(heading_run._element) == "楷体_GB2312"
    assert east_asian_font(text_run._element) == "仿宋_GB2312" and text_run.font.size.pt == 16
    # The second paragraph stands on its own; a heading without its full stop gets one.
    assert "开展旁听庭审活动6场。" in [p.text for p in document.paragraphs]
    assert paragraph_starting(document, ARCHIVES).text == ARCHIVES + "。完成执法档案电子化改造。"


def test_it_writes_the_body_in_fangsong_at_16_points_indented_two_characters_on_a_fixed_line():
    document = open_docx(make_content())

    normal = document.styles["Normal"]
    assert east_asian_font(normal.element) == "仿宋_GB2312" and normal.font.size.pt == 16
    opening = document.paragraphs[1]
    assert opening.text == OPENING
    assert east_asian_font(opening.runs[0]._element) == "仿宋_GB2312"
    assert opening.runs[0].font.size.pt == 16
    form = opening.paragraph_format
    assert form.first_line_indent.pt == 32
    assert form.line_spacing_rule == 4 and 28 <= form.line_spacing.pt <= 29  # 4: exactly
    # Justified, no space around a paragraph, the characters condensed a quarter point: 28 a line.
    assert normal.paragraph_format.alignment == 3 and opening.alignment is None  # 3: justified, inherited
    assert normal.paragraph_format.space_after == 0 and normal.paragraph_format.space_before == 0
    spacing = normal.element.find(qn("w:rPr") + "/" + qn("w:spacing"))
    assert spacing.get(qn("w:val")) == "-5"
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(".//" + qn("w:pPr") + "/" + qn("w:spacing")) is None  # python-docx's 10 pt after


def test_it_lays_the_page_on_a_grid_of_22_lines_in_chinese():
    document = open_docx(make_content())

    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")  # 225 mm / 22
    language = document.styles.element.find(".//" + qn("w:docDefaults") + "//" + qn("w:lang"))
    assert (language.get(qn("w:val")), language.get(qn("w:eastAsia"))) == ("zh-CN", "zh-CN")
    # Chinese quotation marks take the Chinese font: every run hints East Asian.
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs]
    assert runs and all(
        r._element.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:hint")) == "eastAsia" for r in runs
    )


def test_it_says_who_issues_it_and_when_and_carries_no_thumbnail():
    document = open_docx(make_content())

    properties = document.core_properties
    assert properties.author == properties.last_modified_by == ISSUER
    assert properties.created.date() == properties.modified.date() == TODAY
    assert all(rel.reltype != RT.THUMBNAIL for rel in document.part.package.rels.values())
    with zipfile.ZipFile(io.BytesIO(docx_of(make_content()))) as package:
        assert not [name for name in package.namelist() if "thumbnail" in name]


def test_it_highlights_the_places_left_for_the_legal_office_and_nothing_else():
    document = open_docx(make_content())

    placeholder = paragraph_starting(document, PLACEHOLDER_TEXT)
    assert [run.font.highlight_color for run in placeholder.runs] == [WD_COLOR_INDEX.YELLOW]
    assert paragraph_starting(document, OPENING).runs[0].font.highlight_color is None


def test_it_highlights_a_place_to_fill_within_ordinary_text_and_only_it():
    content = make_content()
    plans = section(
        "plans", "四、下一年度推进法治政府建设的主要安排", 1, "继续推进。【请在此填写2027年度新的工作措施】其余照旧。"
    )
    document = open_docx(replace(content, sections=[*content.sections, plans]))

    runs = paragraph_starting(document, "继续推进。").runs
    assert [(run.text, run.font.highlight_color) for run in runs] == [
        ("继续推进。", None),
        ("【请在此填写2027年度新的工作措施】", WD_COLOR_INDEX.YELLOW),
        ("其余照旧。", None),
    ]


def test_it_puts_the_annex_on_a_new_page_as_a_real_table_with_its_totals():
    document = open_docx(make_content())

    label = paragraph_starting(document, "附件")
    assert label.text == "附件" and label.paragraph_format.page_break_before
    assert "2026年度整改任务完成情况表" in [p.text for p in document.paragraphs]
    (annex,) = document.tables
    assert annex.style.name == "Table Grid"
    texts = [[cell.text for cell in row.cells] for row in annex.rows]
    headers = [text.replace("\n", "") for text in texts[0]]  # a header may be broken over two lines
    assert headers == ["序号", "任务", "牵头单位", "完成时限", "办理状态", "办结日期", "是否按期"]
    assert texts[1:] == [
        ["1", "加强执法培训", "法制支队", "2026年3月31日", "已办结", "2026年3月20日", "按期"],
        ["2", "规范执法档案管理", "治安支队", "2026年5月31日", "已办结", "2026年6月10日", "逾期"],
        ["3", "完善案件审核机制", "刑侦支队", "2026年4月30日", "办理中", "", "逾期"],
    ]
    assert document.paragraphs[-1].text == TOTALS_SENTENCE


def test_it_writes_the_document_as_it_was_reviewed_in_an_office_suite():
    assert document_xml(docx_of(awkward_content())) == DOCUMENT_REVIEWED.read_bytes()


def test_it_reads_back_the_awkward_cells_as_written():
    (annex,) = open_docx(awkward_content()).tables

    assert [row.cells[1].text for row in annex.rows[4:]] == [" 前后有空格 ", "制表\t符与<标记>&“引号”", "两行\n标题"]
    assert [row.cells[3].text for row in annex.rows[4:]] == ["", "2026年1月2日", "2027年12月31日"]


def test_it_numbers_the_pages_on_the_outer_side_with_a_page_field_in_songti():
    document = open_docx(make_content())
    section = document.sections[0]

    assert document.settings.odd_and_even_pages_header_footer
    for footer, align, indent in ((section.footer, 2, "right_indent"), (section.even_page_footer, 0, "left_indent")):
        xml = footer._element.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
        number = footer.paragraphs[0]
        assert number.text == "— 1 —" and number.alignment == align  # odd pages right, even left
        assert getattr(number.paragraph_format, indent).pt == 14  # one character in
        assert {east_asian_font(run._element) for run in number.runs} == {"宋体"}
        assert {run.font.size.pt for run in number.runs} == {14}


def test_it_leaves_the_annex_out_when_there_are_no_tasks():
    document = open_docx(make_content(annex=Annex()))

    assert document.tables == []
    assert "附件" not in [p.text for p in document.paragraphs]


def test_it_names_the_held_and_cancelled_tasks_only_when_there_are_any():
    totals = {"tasks": 5, "done": 1, "on_time": 1, "late": 0, "open": 1, "on_hold": 1, "cancelled": 2}

    assert totals_sentence(totals) == "共5项，已办结1项，其中按期1项；未办结1项；暂缓1项；已撤销2项；逾期0项。"


# --- Markdown -------------------------------------------------------------------------------


def test_the_markdown_headings_read_back_as_the_drafts_headings():
    content = make_content()

    headings = markdown_headings(to_markdown(content))

    expected = [(1, TITLE)] + [(s.level + 1, s.heading) for s in content.sections if s.level]
    assert headings == [*expected, (2, "附件：2026年度整改任务完成情况表")]
    assert [text for _, text in expected[1:]] == [MEASURES, TRAINING, ARCHIVES, SHORTCOMINGS]


def test_it_writes_the_paragraphs_and_placeholders_as_they_stand():
    markdown = to_markdown(make_content())

    blocks = markdown.split("\n\n")
    assert blocks[:3] == [f"# {TITLE}", OPENING, f"## {MEASURES}"]
    assert f"### {TRAINING}\n\n全年组织执法资格考试2次，参考民警312人。\n\n开展旁听庭审活动6场。\n\n" in markdown
    assert f"## {SHORTCOMINGS}\n\n{PLACEHOLDER_TEXT}\n\n" in markdown
    assert markdown.endswith(TOTALS_SENTENCE + "\n")


def test_it_writes_the_annex_as_a_pipe_table_and_escapes_a_pipe_in_a_title():
    rows = [replace(row, title="档案|卷宗") if row.number == 2 else row for row in make_content().annex.rows]
    markdown = to_markdown(make_content(annex=Annex(rows=rows, totals=TOTALS)))

    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert table[0] == "| 序号 | 任务 | 牵头单位 | 完成时限 | 办理状态 | 办结日期 | 是否按期 |"
    assert table[1] == "| --- | --- | --- | --- | --- | --- | --- |"
    assert len(table[2:]) == 3
    assert table[3] == r"| 2 | 档案\|卷宗 | 治安支队 | 2026-05-31 | 已办结 | 2026-06-10 | 逾期 |"


def test_it_does_not_let_a_paragraph_pass_for_a_heading():
    opening = section("opening", "", 0, "# 不是标题")

    markdown = to_markdown(make_content(sections=[opening]))

    assert markdown_headings(markdown) == [(1, TITLE), (2, "附件：2026年度整改任务完成情况表")]
    assert "\\# 不是标题" in markdown


def test_it_reads_closing_hashes_and_skips_fenced_code():
    markdown = "# 标题 ##\n\n```\n# 代码\n```\n\n### （一）方面\n####### 七级不是标题\n"

    assert markdown_headings(markdown) == [(1, "标题"), (3, "（一）方面")]


# --- both -----------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["A&B <法治> 报告", "R&D <script>alert(1)</script>"])
def test_a_title_with_markup_characters_survives_in_both_formats(title):
    annex = Annex(rows=[AnnexRow(1, title, "法制支队", "", "办理中", "", "")], totals={"tasks": 1})
    content = make_content(title=title, annex=annex)

    document = open_docx(content)
    assert document.paragraphs[0].text == title
    assert [cell.text for cell in document.tables[0].rows[1].cells][1] == title
    markdown = to_markdown(content)
    assert markdown_headings(markdown)[0] == (1, title)
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"| 1 | {escaped} | 法制支队 |" in markdown and "<script>" not in markdown


def test_it_drops_characters_a_docx_cannot_hold():
    opening = section("opening", "", 0, "开头\x0b文字\x00。")

    document = open_docx(make_content(sections=[opening]))

    assert document.paragraphs[1].text == "开头文字。"


def test_the_markdown_carries_no_html_of_the_users():
    content = make_content()
    hostile = replace(content, title='<img src=x onerror="alert(1)">报告')
    markdown = to_markdown(hostile)
    assert "<img" not in markdown and "&lt;img src=x" in markdown
