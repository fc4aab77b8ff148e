"""The importer on reports written the many ways the genre allows.

Every ``*.key.json`` in ``tests/samples`` and in the shared corpus is an answer key: the beginnings
of each achievement, shortcoming and measure title, in order. Then, sample by sample, what a reader
of the report would say about its title, issuer, year, date and numbering.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH

from tracker.importer import Item, ParsedReport, parse_report, parse_text

SAMPLES = Path(__file__).resolve().parent / "samples"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SECTIONS = ("achievements", "shortcomings", "measures")

# A number label at the start of a title, after NFKC has made "（一）" "(一)" and "1．" "1.".
CN = "[一二三四五六七八九十]+"
LABEL = re.compile(rf"^(?:第{CN}[,、]|\(({CN}|\d+)\)[、.]?|({CN}|\d+)[、.,]|其?{CN}是)")


def answer_keys() -> list[Any]:
    params = [pytest.param(path, id=f"samples/{path.name}") for path in sorted(SAMPLES.glob("*.key.json"))]
    if CORPUS.is_dir():
        params += [pytest.param(path, id=f"corpus/{path.name}") for path in sorted(CORPUS.glob("*.key.json"))]
    else:
        reason = f"the shared corpus is not beside this checkout (looked in {CORPUS})"
        params.append(pytest.param(None, id="corpus", marks=pytest.mark.skip(reason=reason)))
    return params


def comparable(text: str) -> str:
    """The README's matching rule: labels, spaces and punctuation do not count."""
    text = LABEL.sub("", unicodedata.normalize("NFKC", text).strip())
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def matches(item: Item, key: str) -> bool:
    """The title starts with the key; where the title is shorter than the key, title plus body."""
    expected = comparable(key)
    found = comparable(item.title)
    if len(found) < len(expected):
        found = comparable(item.title + item.body)
    return found.startswith(expected)


def sample(name: str, filename: str | None = None) -> ParsedReport:
    path = SAMPLES / name
    return parse_report(path.read_bytes(), filename or path.name)


def titles(items: list[Item]) -> list[str]:
    return [item.title for item in items]


def numbers(items: list[Item]) -> list[str]:
    return [item.number for item in items]


@pytest.mark.parametrize("key_path", answer_keys())
def test_it_finds_every_item_of_the_answer_key(key_path: Path) -> None:
    key = json.loads(key_path.read_text(encoding="utf-8"))
    report_path = (key_path.parent / key["file"]).resolve()
    report = parse_report(report_path.read_bytes(), report_path.name)
    # A key may name the leaders' duties section; one that does not says the report has none.
    for section in (*SECTIONS, "leader_duties"):
        found, expected = getattr(report, section), key.get(section, [])
        assert len(found) == len(expected), f"{section}: found {titles(found)}, expected {expected}"
        for item, text in zip(found, expected, strict=True):
            assert matches(item, text), f"{section}: {item.number}{item.title!r} does not start with {text!r}"


def test_it_keeps_the_leaders_duties_section_apart_from_the_achievements() -> None:
    report = sample("sifaju.txt")
    [duties] = report.leader_duties
    assert (duties.number, duties.title) == ("二、", "党政主要负责人履行推进法治建设第一责任人职责情况")
    assert duties.body.startswith("局党委书记、局长严格履行推进法治建设第一责任人职责")
    assert duties.body.endswith("推动全市行政机关负责人出庭应诉率达到98%。")
    assert "第一责任人" not in " ".join(titles(report.achievements))
    assert "leader_duties" not in report.to_json()  # the import contract stays as it was


def test_an_achievement_about_the_leaders_duties_stays_an_achievement() -> None:
    # "一、加强组织领导，履行法治建设第一责任人职责" reports work done, not the statutory part.
    report = sample("yunxi_shengtaihuanjing_2019_pdf.txt")
    assert report.leader_duties == []


# --- 临江区司法局: headings on lines of their own, "存在的问题", "2022年工作安排" ---------------------------


def test_it_takes_achievement_headings_standing_on_lines_of_their_own() -> None:
    report = sample("linjiang_sifaju_2021.txt")
    assert report.title == "临江区司法局2021年法治政府建设年度报告"
    assert titles(report.achievements)[0] == "加强党对法治政府建设的领导"
    assert numbers(report.achievements) == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert report.achievements[0].body.startswith("局党组始终把法治政府建设摆在全局工作的突出位置")
    assert "三是压实工作责任" in report.achievements[0].body


def test_it_does_not_count_inline_points_of_an_achievement_as_shortcomings() -> None:
    report = sample("linjiang_sifaju_2021.txt")
    assert titles(report.shortcomings) == [
        "法治建设发展不够均衡",
        "行政执法规范化水平有待提高",
        "公共法律服务供给与群众需求还有差距",
    ]
    assert numbers(report.shortcomings) == ["（一）", "（二）", "（三）"]


def test_it_splits_title_and_body_of_measures_numbered_like_the_achievements() -> None:
    report = sample("linjiang_sifaju_2021.txt")
    assert numbers(report.measures) == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert report.measures[3].title == "实施“八五”普法规划"
    assert report.measures[3].body.startswith("精心组织“八五”普法中期推进工作")


def test_it_leaves_the_intro_and_the_indented_sign_off_out_of_the_measures() -> None:
    report = sample("linjiang_sifaju_2021.txt")
    assert not any(m.title.startswith("2022年") for m in report.measures)
    assert report.measures[-1].body.endswith("让群众享受更加便捷高效的法律服务。")
    assert (report.issuer, report.year, report.date) == ("临江区司法局", 2021, date(2022, 1, 18))


def test_it_reads_a_docx_built_with_python_docx_like_the_text(tmp_path: Path) -> None:
    text = (SAMPLES / "linjiang_sifaju_2021.txt").read_text(encoding="utf-8")
    document = docx.Document()
    for line in text.splitlines():
        paragraph = document.add_paragraph(line.strip("\u3000 "))
        if line.startswith("\u3000\u3000\u3000"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    path = tmp_path / "临江区司法局2021年法治政府建设年度报告.docx"
    document.save(str(path))

    from_docx = parse_report(path.read_bytes(), path.name)
    from_text = sample("linjiang_sifaju_2021.txt")
    assert from_docx.to_json() == from_text.to_json()
    assert from_docx.fingerprint == from_text.fingerprint


def test_it_reads_a_report_laid_out_in_a_word_table_with_merged_cells() -> None:
    title, *body = (SAMPLES / "linjiang_sifaju_2021.txt").read_text(encoding="utf-8").splitlines()
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = title
    table.cell(1, 0).merge(table.cell(1, 1)).text = "\n".join(line.strip("\u3000 ") for line in body)
    buffer = io.BytesIO()
    document.save(buffer)

    report = parse_report(buffer.getvalue(), "report.docx")
    # A merged cell is read once, not once for every column it spans.
    assert report.text.count("特此报告") == 1
    assert report.title == "临江区司法局2021年法治政府建设年度报告"
    assert titles(report.measures) == titles(sample("linjiang_sifaju_2021.txt").measures)


# --- 云溪市生态环境局: copied out of a PDF, no container heading, "八、2020年…工作计划" ----------------------


def test_it_joins_lines_hard_wrapped_by_a_pdf_and_drops_page_footers() -> None:
    report = sample("yunxi_shengtaihuanjing_2019_pdf.txt")
    assert not re.search(r"—\s*\d+\s*—", report.text)
    # A sentence cut by a page break ("…全年出动执法人 / — 1 — / 员1.6万人次…") joins up again.
    assert "全年出动执法人员1.6万人次" in report.achievements[3].body
    assert report.measures[1].body == (
        "配合市人大常委会做好《云溪市扬尘污染防治条例》立法调研工作，加强规范性文件合法性审核和备案管理，"
        "及时开展规范性文件清理。"
    )


def test_it_takes_the_top_headings_as_achievements_when_there_is_no_container() -> None:
    report = sample("yunxi_shengtaihuanjing_2019_pdf.txt")
    assert numbers(report.achievements) == ["一、", "二、", "三、", "四、", "五、", "六、"]
    # "落实" in a topic heading does not make it a container of "（一）…（三）".
    assert report.achievements[4].title == "全面落实行政执法三项制度"
    assert report.achievements[4].body.startswith("（一）推行行政执法公示制度。")


def test_it_reads_plans_headed_by_next_year_without_next_step_words() -> None:
    report = sample("yunxi_shengtaihuanjing_2019_pdf.txt")
    assert numbers(report.shortcomings) == ["一是", "二是", "三是"]
    assert numbers(report.measures) == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert report.measures[-1].body.endswith("切实增强企业守法意识和公众参与生态环境保护的积极性。")


def test_it_reads_a_report_dated_in_the_following_year() -> None:
    report = sample("yunxi_shengtaihuanjing_2019_pdf.txt")
    assert report.title == "云溪市生态环境局2019年法治政府建设工作情况报告"
    assert (report.issuer, report.year, report.date) == ("云溪市生态环境局", 2019, date(2020, 1, 15))


# --- 青石县人民政府: no title line, "主要问题和不足" in one paragraph, "第一，" ------------------------------


def test_it_reads_issuer_and_year_from_signature_and_headings_without_a_title_line() -> None:
    report = sample("qingshi_xianzhengfu_2021.txt")
    assert report.title == ""
    assert report.issuer == "青石县人民政府"
    # The text speaks of 2022 in its plans and its date; the year reported on is the one reviewed.
    assert report.year == 2021
    assert report.date == date(2022, 1, 25)


def test_it_takes_the_title_from_a_file_name_that_gives_one() -> None:
    report = sample("qingshi_xianzhengfu_2021.txt", filename="青石县人民政府2021年法治政府建设情况报告.txt")
    assert report.title == "青石县人民政府2021年法治政府建设情况报告"
    assert report.issuer == "青石县人民政府"


def test_it_splits_shortcomings_listed_in_one_paragraph_after_a_lead_in() -> None:
    report = sample("qingshi_xianzhengfu_2021.txt")
    assert numbers(report.shortcomings) == ["一是", "二是", "三是", "四是", "五是"]
    assert report.shortcomings[0].title.startswith("个别单位主要负责人履行推进法治建设第一责任人职责不够到位")
    assert not report.shortcomings[0].title.startswith("一年来")
    assert report.shortcomings[-1].title.endswith("化解行政争议主渠道作用发挥不够充分")


def test_it_keeps_a_run_in_list_together_when_a_line_breaks_before_a_point() -> None:
    text = (SAMPLES / "qingshi_xianzhengfu_2021.txt").read_text(encoding="utf-8")
    report = parse_text(text.replace("；四是", "；\n四是"))
    assert numbers(report.shortcomings) == ["一是", "二是", "三是", "四是", "五是"]


def test_it_splits_a_paragraph_that_opens_with_its_first_point() -> None:
    text = (SAMPLES / "qingshi_xianzhengfu_2021.txt").read_text(encoding="utf-8")
    report = parse_text(text.replace("一年来，我县法治政府建设虽然取得了一定成效，但也存在一些薄弱环节，", ""))
    assert numbers(report.shortcomings) == ["一是", "二是", "三是", "四是", "五是"]


def test_it_does_not_count_inline_points_inside_achievement_paragraphs() -> None:
    report = sample("qingshi_xianzhengfu_2021.txt")
    assert numbers(report.achievements) == ["（一）", "（二）", "（三）", "（四）"]
    assert "二是落实述法制度" in report.achievements[0].body


def test_it_reads_measures_numbered_first_second() -> None:
    report = sample("qingshi_xianzhengfu_2021.txt")
    assert numbers(report.measures) == ["第一，", "第二，", "第三，", "第四，"]
    assert report.measures[0].title == "加强党对法治政府建设的领导"
    assert report.measures[-1].body.endswith("把矛盾纠纷化解在基层。")


def test_it_reads_gb18030_like_utf8() -> None:
    from_gb = sample("qingshi_xianzhengfu_2021-gb18030.txt")
    from_utf8 = sample("qingshi_xianzhengfu_2021.txt")
    assert from_gb.to_json() == from_utf8.to_json()
    assert from_gb.fingerprint == from_utf8.fingerprint


# --- 东陵市市场监督管理局: mixed full- and half-width forms, "存在问题", "1." -----------------------------


def test_it_reads_half_width_labels_and_commas_as_full_width() -> None:
    report = sample("donglin_shichangjianguan_2022.txt")
    assert numbers(report.achievements) == ["（一）", "（二）", "（三）", "（四）"]
    assert report.achievements[0].title == "强化组织保障，压实第一责任人职责"
    assert numbers(report.measures) == ["（一）", "（二）", "（三）", "（四）"]
    # A thousands separator is not a comma between clauses.
    assert "1,286件" in report.achievements[2].body


def test_it_is_not_misled_by_a_lead_in_sentence_naming_the_sections() -> None:
    # "现将工作情况、存在问题及下一步工作计划报告如下：" comes before the real headings.
    report = sample("donglin_shichangjianguan_2022.txt")
    assert titles(report.shortcomings) == [
        "执法人员专业化水平有待提升",
        "法治宣传教育针对性不强",
        "基层监管力量仍显薄弱",
    ]
    assert numbers(report.shortcomings) == ["1.", "2．", "3."]


def test_it_keeps_a_measure_that_runs_across_a_paragraph_break_whole() -> None:
    report = sample("donglin_shichangjianguan_2022.txt")
    assert report.measures[1].body == (
        "分领域开展执法业务培训和案卷评查，建立执法骨干人才库，"
        "选派业务骨干参加省局执法办案实训，不断提高办理复杂疑难案件的能力。"
    )
    assert "专此报告" not in report.measures[-1].body


def test_it_reads_utf8_with_bom_and_windows_line_ends_like_plain_utf8() -> None:
    from_bom = sample("donglin_shichangjianguan_2022-utf8-bom-crlf.txt")
    from_plain = sample("donglin_shichangjianguan_2022.txt")
    assert from_bom.to_json() == from_plain.to_json()
    assert (from_bom.issuer, from_bom.year, from_bom.date) == ("东陵市市场监督管理局", 2022, date(2023, 2, 10))


# --- 南湖区教育局: no shortcomings section, "1、" everywhere -------------------------------------------


def test_it_leaves_shortcomings_empty_when_the_report_has_none() -> None:
    report = sample("nanhu_jiaoyuju_2020.txt")
    assert report.shortcomings == []
    assert len(report.achievements) == 5
    assert titles(report.measures) == ["持续推进依法治校", "加强教育行政执法", "提升法治教育实效"]


def test_it_does_not_take_an_achievement_about_a_plan_for_the_plans_heading() -> None:
    # "2、科学制定年度普法工作计划" numbers an item; "二、2021年工作思路" is the section.
    report = sample("nanhu_jiaoyuju_2020.txt")
    assert report.achievements[1].title == "科学制定年度普法工作计划"
    assert numbers(report.measures) == ["1、", "2、", "3、"]
    assert report.title == "南湖区教育局2020年法治政府建设工作总结"
    assert (report.issuer, report.year, report.date) == ("南湖区教育局", 2020, date(2021, 1, 8))


# --- 云溪市卫生健康委员会: "存在不足及下一步工作对策" with sub-headings, measures "一是…" ---------------------


def test_it_splits_a_combined_section_at_its_sub_headings() -> None:
    report = sample("yunxi_weijianwei_2021.txt")
    # "2．监督执法力量不足" says "不足" but is an item, not the sub-heading "（一）存在不足".
    assert titles(report.shortcomings) == ["依法行政意识有待进一步增强", "监督执法力量不足", "医疗纠纷化解机制有待完善"]
    assert numbers(report.measures) == ["一是", "二是", "三是", "四是"]
    assert report.measures[0].title.startswith("加强法治学习")


def test_it_keeps_an_achievement_that_runs_across_a_paragraph_break_whole() -> None:
    report = sample("yunxi_weijianwei_2021.txt")
    assert report.achievements[0].body.endswith("督促整改问题860个。")


def test_it_takes_the_issuer_from_the_title_when_there_is_no_signature() -> None:
    report = sample("yunxi_weijianwei_2021.txt")
    assert (report.issuer, report.year, report.date) == ("云溪市卫生健康委员会", 2021, None)


def test_it_reads_pasted_text_without_a_file_name() -> None:
    text = (SAMPLES / "yunxi_weijianwei_2021.txt").read_text(encoding="utf-8")
    assert parse_text(text).to_json() == sample("yunxi_weijianwei_2021.txt").to_json()


# --- 江城市应急管理局: indented paragraphs broken by flush lines, document number, salutation ---------


def test_it_joins_flush_lines_that_continue_an_indented_paragraph() -> None:
    report = sample("jiangcheng_yingjiju_2021.txt")
    # "…罚款1" / "260万元" is one number, and "开展执" / "法案卷评查" one word.
    assert "罚款1260万元" in report.achievements[1].body
    assert report.measures[1].body.endswith("开展执法案卷评查。")
    assert report.measures[2].body == "推广应用移动执法系统，实现执法全过程留痕、可回溯管理。"


def test_it_finds_the_title_under_a_document_number_and_above_a_salutation() -> None:
    report = sample("jiangcheng_yingjiju_2021.txt")
    assert report.title == "江城市应急管理局2021年法治政府建设年度报告"
    assert (report.issuer, report.year, report.date) == ("江城市应急管理局", 2021, date(2022, 1, 20))


def test_it_finds_a_title_that_runs_over_two_lines_above_the_addressee() -> None:
    report = sample("qingshan_sifaju_2022.txt")
    assert report.title == "青山市司法局关于2022年度法治政府建设工作情况的报告"
    assert (report.issuer, report.year, report.date) == ("青山市司法局", 2022, date(2023, 1, 16))


@pytest.mark.parametrize("marker", ["附件1", "附件", "机密★1年", "此件公开发布"])
def test_it_does_not_join_a_marker_line_to_the_title_under_it(marker: str) -> None:
    text = (SAMPLES / "qingshan_sifaju_2022.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    one_line_title = "\n".join([marker, lines[0] + lines[1], *lines[2:]])
    assert not parse_text(one_line_title, "report.txt").title.startswith(marker)


def test_it_reads_shortcoming_headings_standing_above_their_paragraphs() -> None:
    report = sample("jiangcheng_yingjiju_2021.txt")
    assert titles(report.shortcomings) == ["执法力量与监管任务不匹配", "执法规范化水平有待提高"]
    assert report.shortcomings[1].body.startswith("部分执法人员程序意识不强")


# --- 柳林镇: "第一部分" chapters, "下步工作打算", unnumbered measures, issuer and date on one line --------


def test_it_reads_chapters_and_their_numbered_topics() -> None:
    report = sample("liulin_zhen_2021.txt")
    assert numbers(report.achievements) == ["一、", "二、", "三、", "四、"]
    assert numbers(report.shortcomings) == ["（一）", "（二）"]


def test_it_takes_unnumbered_paragraphs_under_the_plans_heading_as_measures() -> None:
    report = sample("liulin_zhen_2021.txt")
    assert [m.title.split("，")[0] for m in report.measures] == ["加强学法用法", "规范执法行为", "深化矛盾化解"]
    assert numbers(report.measures) == ["", "", ""]


def test_it_splits_issuer_and_date_sharing_the_last_line() -> None:
    report = sample("liulin_zhen_2021.txt")
    assert (report.issuer, report.year, report.date) == ("柳林镇人民政府", 2021, date(2022, 1, 10))


# --- 白沙街道: no title, no signature, plans under a heading that only names next year ---------------


def test_it_takes_a_last_section_named_after_next_year_as_the_plans() -> None:
    report = sample("baisha_jiedao_2021.txt")
    assert report.shortcomings == []
    assert titles(report.measures) == ["持续完善制度建设", "深化法治宣传教育", "提升基层治理法治化水平"]


def test_it_leaves_title_and_issuer_empty_when_nothing_names_them() -> None:
    report = sample("baisha_jiedao_2021.txt")
    assert (report.title, report.issuer, report.date) == ("", "", None)
    assert report.year == 2021  # the year before the one the plans are for


def metadata_keys() -> list[Any]:
    """Answer keys that also state the report's title, issuer, year and date."""
    return [
        pytest.param(path, id=path.name)
        for path in sorted(SAMPLES.glob("*.key.json"))
        if "issuer" in json.loads(path.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("key_path", metadata_keys())
def test_it_reads_the_metadata_the_answer_key_states(key_path: Path) -> None:
    key = json.loads(key_path.read_text(encoding="utf-8"))
    report_path = key_path.parent / key["file"]
    report = parse_report(report_path.read_bytes(), report_path.name)
    assert report.title == key["title"]
    assert report.issuer == key["issuer"]
    assert report.year == key["year"]
    assert (report.date.isoformat() if report.date else None) == key["date"]
