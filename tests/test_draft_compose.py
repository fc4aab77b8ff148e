"""The draft of next year's report, composed from the demo data (the seed report of 2020, its 10
measures and 3 shortcomings) and from small reports made by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries
from tests.factories import FROZEN_NOW, make_department, make_task
from tests.seed_facts import SEED_MEASURES
from tracker.demo import load_demo
from tracker.extensions import db
from tracker.models import (
    DraftStructure,
    ItemKind,
    ProgressUpdate,
    ReportItem,
    SourceReport,
    Task,
    TaskState,
    UpdateKind,
    task_co_departments,
)
from tracker.services.drafts.compose import clause, compose, measure_heading
from tracker.services.drafts.content import DraftContent

TODAY = date(2026, 6, 1)  # FROZEN_NOW's date in Shanghai
NUMERALS = "一二三四五六七八九十"
BAD_PUNCTUATION = ("。。", "；。", "，。", "、。", "；；", "，，", "：。", "。；", "，；")
_fingerprints = count(1)


@pytest.fixture
def demo(ctx) -> SourceReport:
    summary = load_demo(today=TODAY, now=FROZEN_NOW)
    # The texts below were counted by hand for the seed's own year (2020), which the demo
    # otherwise treats as last year's.
    summary.report.year = 2020
    db.session.commit()
    return summary.report


def at(day: date, hour: int = 2) -> datetime:
    """An instant on ``day`` in Shanghai (UTC+8): 02:00 UTC is 10:00 there."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def make_report(year: int | None = 2025, report_date: date | None = None, **overrides) -> SourceReport:
    report = SourceReport(
        **{
            "title": f"市司法局{year}年法治政府建设年度报告",
            "issuer": "市司法局",
            "year": year,
            "report_date": report_date,
            "original_filename": "report.txt",
            "original_text": "",
            "content_sha256": f"{next(_fingerprints):064x}",
            "created_at": FROZEN_NOW,
            **overrides,
        }
    )
    db.session.add(report)
    db.session.flush()
    return report


def make_item(report: SourceReport, kind: ItemKind, position: int, title: str) -> ReportItem:
    label = f"（{NUMERALS[position - 1]}）" if kind == ItemKind.MEASURE else f"{NUMERALS[position - 1]}是"
    item = ReportItem(report=report, kind=kind, number_label=label, title=title, position=position)
    db.session.add(item)
    db.session.flush()
    return item


def make_item_task(item: ReportItem, **overrides) -> Task:
    fields = {"report_id": item.report_id, "report_item_id": item.id, "kind": item.kind, "title": item.title}
    return make_task(**{**fields, **overrides})


def report_progress(task: Task, text: str, when: datetime, kind: UpdateKind = UpdateKind.PROGRESS) -> None:
    db.session.add(ProgressUpdate(task_id=task.id, percent_done=0, text=text, kind=kind, created_at=when))
    db.session.flush()


def every_text(content: DraftContent) -> list[str]:
    return [content.title, *(s.heading for s in content.sections), *(s.text for s in content.sections)]


# --- the demo report ----------------------------------------------------------------------------


def test_it_titles_the_draft_for_the_year_after_the_report(demo):
    content = compose(demo, DraftStructure.SOURCE, TODAY)
    assert content.title == "汕头市公安局2021年法治政府建设年度报告（草稿）"


def test_it_has_a_section_for_every_measure_in_the_seed_order(demo):
    content = compose(demo, DraftStructure.SOURCE, TODAY)
    measures = [s for s in content.sections if s.key.startswith("measure:")]
    assert [s.heading for s in measures] == [f"（{NUMERALS[n]}）{title}方面。" for n, title in enumerate(SEED_MEASURES)]
    assert measures[0].heading == "（一）提高站位，夯实思想根基方面。"
    assert measures[-1].heading == "（十）推进法治公安建设，提升公安执法规范化方面。"
    items = {i.id: i for i in demo.items if i.kind == ItemKind.MEASURE}
    assert [items[int(s.key.split(":")[1])].position for s in measures] == list(range(1, 11))
    assert {s.level for s in measures} == {2}


def test_it_lays_out_the_source_structure_in_order(demo):
    content = compose(demo, DraftStructure.SOURCE, TODAY)
    keys = [s.key for s in content.sections]
    assert keys[:2] == ["opening", "achievements"]
    assert keys[-4:] == ["shortcomings_and_measures", "open_shortcomings", "carried_over", "new_measures"]
    assert len(keys) == 16
    by_key = {s.key: s for s in content.sections}
    assert (by_key["opening"].level, by_key["opening"].heading) == (0, "")
    assert (by_key["achievements"].heading, by_key["achievements"].text) == ("一、工作情况及成效", "")
    assert by_key["shortcomings_and_measures"].heading == "二、存在不足及下一步工作对策"
    assert by_key["shortcomings_and_measures"].text
    assert [by_key[k].heading for k in ("open_shortcomings", "carried_over", "new_measures")] == [
        "（一）存在的不足",
        "（二）继续推进的工作",
        "（三）下一年度工作措施",
    ]
    assert [s.key for s in content.sections if s.placeholder] == ["new_measures"]
    assert by_key["new_measures"].text == "【请在此填写2022年度新的工作措施】"


def test_it_opens_with_the_real_counts_of_the_measures(demo):
    # Demo plan: measure 5 done; 1, 2, 3, 6, 9, 10 in progress and 7 pending review; 4 and 8 not started.
    opening = compose(demo, DraftStructure.SOURCE, TODAY).section("opening")
    assert opening.text == (
        "2021年，汕头市公安局认真落实2020年度法治政府建设年度报告确定的各项工作措施，"
        "围绕10项整改措施逐项推进，截至2026年6月1日，已办结1项，正在推进7项，尚未启动2项。"
        "现将有关情况报告如下："
    )


def test_it_tells_each_measure_with_its_departments_dates_and_state(demo):
    content = compose(demo, DraftStructure.SOURCE, TODAY)
    texts = [s.text for s in content.sections if s.key.startswith("measure:")]
    assert texts[2] == (
        "该项工作由法制支队牵头，科技信息化支队配合。"
        "2026年5月8日，“受立案”制度改革方案已印发；5月20日，派驻法制员已覆盖全部分局。"
        "目前该项工作正在推进，完成进度70%。"
    )
    assert texts[1] == (
        "该项工作由政治部牵头，法制支队配合。2026年5月20日，完成第一期执法培训班，参训民警120人。"
        "目前该项工作正在推进，完成进度60%。按计划应于2026年5月23日前完成，已超过完成时限，尚未办结。"
    )
    assert texts[4].endswith("该项工作已于2026年5月7日办结。")
    assert texts[5].startswith("该项工作由出入境管理支队牵头，交警支队、治安支队配合。")
    assert texts[6].endswith("该项工作已申请办结，正在审核。")


def test_it_says_plainly_when_a_measure_reported_nothing(demo):
    content = compose(demo, DraftStructure.SOURCE, TODAY)
    texts = [s.text for s in content.sections if s.key.startswith("measure:")]
    assert texts[3] == "该项工作由法制支队牵头。本年度未报送该项工作的进展情况。该项工作尚未启动。"
    assert texts[7] == "该项工作由经侦支队牵头，法制支队配合。本年度未报送该项工作的进展情况。该项工作尚未启动。"


def test_it_lists_the_open_shortcomings_in_the_genres_style(demo):
    text = compose(demo, DraftStructure.SOURCE, TODAY).section("open_shortcomings").text
    assert text == (
        "2020年度报告查找的3个方面不足尚未整改到位："
        "一是个别民警的规范化执法意识还不够强，执法为民的思想需进一步牢固树立，目前正在整改，完成进度30%；"
        "二是公安执法工作点多、面广，执法监督力度需进一步增强，目前正在整改，完成进度50%；"
        "三是新的法律法规更新速度快、违法犯罪手段不断变化，执法培训力度需进一步增强，"
        "目前正在整改，完成进度80%，已超过整改时限。"
    )


def test_it_carries_over_every_unfinished_measure(demo):
    text = compose(demo, DraftStructure.SOURCE, TODAY).section("carried_over").text
    assert text.startswith("对2020年度确定但尚未完成的9项工作措施，继续抓好落实。一是提高站位，夯实思想根基，")
    assert "一是提高站位，夯实思想根基，目前完成进度40%，将继续推进。" in text
    assert "二是加强培训，增强法治意识，目前完成进度60%，已超过完成时限，将加快推进。" in text
    assert "四是完善制度，促进依法行政，目前尚未启动，将抓紧推进。" in text
    assert "强化巡查" not in text  # measure 5 is done
    assert text.endswith("九是推进法治公安建设，提升公安执法规范化，目前完成进度20%，将继续推进。")


def test_it_lists_every_task_in_the_annex_with_hand_counted_totals(demo):
    annex = compose(demo, DraftStructure.SOURCE, TODAY).annex
    assert [r.number for r in annex.rows] == list(range(1, 14))
    # The titles alone: the row's number is the annex's own, not the report's "（一）" or "一是".
    assert [r.title for r in annex.rows[:10]] == list(SEED_MEASURES)
    assert annex.rows[10].title.startswith("个别民警")
    assert annex.rows[12].title.startswith("新的法律法规")
    done = annex.rows[4]
    assert (done.lead_department, done.deadline, done.state, done.closed_on, done.timeliness) == (
        "法制支队",
        "2026-05-12",
        "已办结",
        "2026-05-07",
        "按期",
    )
    # Open past the deadline: measure 2 (9 days ago) and shortcoming 3 (30 days ago).
    assert [r.number for r in annex.rows if r.timeliness == "逾期"] == [2, 13]
    assert annex.rows[0].state == "进行中" and annex.rows[0].closed_on == "" and annex.rows[0].timeliness == ""
    assert annex.totals == {
        "tasks": 13,
        "done": 1,
        "on_time": 1,
        "late": 2,
        "open": 12,
        "on_hold": 0,
        "cancelled": 0,
    }


def test_part_three_starts_from_the_source_reports_account_of_the_leaders_duties(ctx):
    report = make_report()
    duties = make_item(report, ItemKind.LEADER_DUTIES, 1, "党政主要负责人履行推进法治建设第一责任人职责情况")
    duties.body = "局长带头出庭应诉1次。\n全年主持研究法治议题5个。"
    make_item(report, ItemKind.MEASURE, 1, "加强执法培训")
    content = compose(report, DraftStructure.STATUTORY, TODAY)
    part3 = content.section("part3")
    assert part3.placeholder
    assert part3.paragraphs() == [
        "【以下为上一年度报告所述履职情况，请按本年度情况改写】",
        "局长带头出庭应诉1次。",
        "全年主持研究法治议题5个。",
    ]
    # Not an achievement nor a measure: nothing else of the draft tells it.
    assert sum("出庭应诉" in text for text in every_text(content)) == 1


def test_it_follows_the_five_statutory_parts(demo):
    content = compose(demo, DraftStructure.STATUTORY, TODAY)
    top = [s for s in content.sections if s.level == 1]
    assert [(s.key, s.heading) for s in top] == [
        ("part1", "一、主要举措和成效"),
        ("part2", "二、存在的不足和原因"),
        ("part3", "三、党政主要负责人履行推进法治建设第一责任人职责情况"),
        ("part4", "四、下一年度推进法治政府建设的主要安排"),
        ("part5", "五、其他需要报告的情况"),
    ]
    keys = [s.key for s in content.sections]
    assert keys[:2] == ["opening", "part1"]
    source = compose(demo, DraftStructure.SOURCE, TODAY)
    measures = [s for s in source.sections if s.key.startswith("measure:")]
    assert keys[2:12] == [s.key for s in measures]
    assert [content.section(s.key).text for s in measures] == [s.text for s in measures]
    assert [s.key for s in content.sections if s.placeholder] == ["part3", "part5"]
    assert content.section("part3").text == "【此部分由法制部门根据主要负责人履职情况填写】"
    assert content.section("part5").text == "【如无其他需要报告的情况，可删除本部分】"
    part2 = content.section("part2").paragraphs()
    assert part2 == [source.section("open_shortcomings").text, "【请补充不足的原因分析】"]
    part4 = content.section("part4").paragraphs()
    assert part4 == [source.section("carried_over").text, "【请在此填写2022年度新的工作措施】"]
    assert content.annex == source.annex


@pytest.mark.parametrize("structure", list(DraftStructure))
def test_it_composes_fresh_sections_with_clean_punctuation(demo, structure):
    content = compose(demo, structure, TODAY)
    for section in content.sections:
        assert section.generated == section.text and section.pending is None and not section.edited
    for text in every_text(content):
        assert not [bad for bad in BAD_PUNCTUATION if bad in text], text
    assert DraftContent.from_json(content.to_json()) == content


# --- small reports made by hand -------------------------------------------------------------------


def test_it_dates_updates_of_the_drafts_year_without_the_year(ctx):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "加强执法培训。")
    politics, legal, audit = (make_department(name=n) for n in ("政治部", "法制支队", "督察支队"))
    task = make_item_task(measure, lead_department=politics, co_departments=[legal, audit], percent_done=60)
    report_progress(task, "完成第一期执法培训，参训民警 120 人。", at(date(2026, 3, 10)))
    report_progress(task, "完成第二期培训；", at(date(2026, 5, 20)))
    report_progress(task, "编印培训教材", at(date(2026, 5, 20), hour=5))
    report_progress(task, "完成年度总结。。", at(date(2027, 1, 5)))
    report_progress(task, "开展复训", at(date(2027, 2, 1)))
    content = compose(report, DraftStructure.SOURCE, date(2026, 6, 1))
    section = content.section(f"measure:{measure.id}")
    assert section.heading == "（一）加强执法培训方面。"
    assert section.text == (
        "该项工作由政治部牵头，法制支队、督察支队配合。"
        "3月10日，完成第一期执法培训，参训民警120人；5月20日，完成第二期培训；编印培训教材；"
        "2027年1月5日，完成年度总结；2月1日，开展复训。目前该项工作正在推进，完成进度60%。"
    )
    assert content.title == "市司法局2026年法治政府建设年度报告（草稿）"


def test_it_dates_updates_by_the_offices_calendar(ctx):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "完善制度")
    task = make_item_task(measure, lead_department=make_department(name="法制支队"))
    # 20:00 UTC on 9 March is 04:00 on 10 March in Shanghai.
    report_progress(task, "修订执法规范", datetime(2026, 3, 9, 20, tzinfo=UTC))
    text = compose(report, DraftStructure.SOURCE, date(2026, 6, 1)).section(f"measure:{measure.id}").text
    assert "3月10日，修订执法规范。" in text


def test_it_tells_milestones_and_a_closure(ctx):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "推进智慧办案平台建设方面")
    tech, legal = make_department(name="科技信息化支队"), make_department(name="法制支队")
    task = make_item_task(
        measure,
        lead_department=tech,
        co_departments=[legal],
        state=TaskState.DONE,
        percent_done=100,
        deadline=date(2026, 9, 30),
        completed_on=date(2026, 9, 1),
        closure_summary="平台已上线运行。",
    )
    tender = make_task(
        parent_id=task.id,
        report_id=report.id,
        title="完成招标",
        lead_department=tech,
        state=TaskState.DONE,
        deadline=date(2026, 4, 30),
        completed_on=date(2026, 4, 20),
    )
    make_task(
        parent_id=task.id,
        report_id=report.id,
        title="培训操作人员",
        lead_department=legal,
        state=TaskState.IN_PROGRESS,
        deadline=date(2026, 8, 31),
    )
    report_progress(tender, "平台完成招标", at(date(2026, 4, 20)))
    report_progress(task, "完成部署调试", at(date(2026, 7, 2)))
    content = compose(report, DraftStructure.SOURCE, date(2026, 10, 1))
    section = content.section(f"measure:{measure.id}")
    assert section.heading == "（一）推进智慧办案平台建设方面。"
    assert section.text == (
        "该项工作由科技信息化支队牵头，法制支队配合。"
        "4月20日，平台完成招标；7月2日，完成部署调试；9月1日，平台已上线运行。"
        "其中，“完成招标”由科技信息化支队负责，已于2026年4月20日完成；"
        "“培训操作人员”由法制支队负责，正在推进，已超过完成时限。"
        "该项工作已于2026年9月1日办结。"
    )
    # Milestones are told within their measure, not listed in the annex.
    assert [r.title for r in content.annex.rows] == ["推进智慧办案平台建设方面"]  # the annex numbers its own rows
    assert content.section("carried_over").text == "2025年度确定的工作措施均已完成。"
    assert "1项措施均已办结" in content.section("opening").text


def test_it_tells_milestones_due_the_same_day_in_the_order_they_were_made(ctx):
    report = make_report(year=2025)
    task = make_item_task(make_item(report, ItemKind.MEASURE, 1, "规范执法"), lead_department=make_department())
    for title in ("制定方案", "组织培训", "开展检查"):
        make_task(parent_id=task.id, report_id=report.id, title=title, deadline=date(2026, 6, 30))

    text = compose(report, DraftStructure.SOURCE, date(2026, 6, 1)).sections[2].text

    assert text.index("“制定方案”") < text.index("“组织培训”") < text.index("“开展检查”")


def test_it_does_not_repeat_a_closure_summary_already_reported(ctx):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "规范执法")
    task = make_item_task(
        measure,
        lead_department=make_department(name="法制支队"),
        state=TaskState.DONE,
        completed_on=date(2026, 5, 3),
        closure_summary="整改完成。",
    )
    report_progress(task, "整改完成。", at(date(2026, 5, 1)), kind=UpdateKind.CLOSURE)
    text = compose(report, DraftStructure.SOURCE, date(2026, 6, 1)).section(f"measure:{measure.id}").text
    assert text.count("整改完成") == 1
    assert text.endswith("5月1日，整改完成。该项工作已于2026年5月3日办结。")


def test_it_gives_each_task_of_a_shared_measure_its_own_paragraph(ctx):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "推进警务公开")
    make_item_task(measure, title="更新公开目录", lead_department=make_department(name="督察支队"))
    make_item_task(
        measure, title="开通网上查询", lead_department=make_department(name="指挥中心"), state=TaskState.NOT_STARTED
    )
    section = compose(report, DraftStructure.SOURCE, date(2026, 6, 1)).section(f"measure:{measure.id}")
    assert section.paragraphs() == [
        "“更新公开目录”由督察支队牵头。本年度未报送该项工作的进展情况。目前该项工作正在推进，完成进度0%。",
        "“开通网上查询”由指挥中心牵头。本年度未报送该项工作的进展情况。该项工作尚未启动。",
    ]


@pytest.mark.parametrize(
    ("state", "sentence"),
    [
        (TaskState.NOT_STARTED, "该项工作尚未启动。"),
        (TaskState.IN_PROGRESS, "目前该项工作正在推进，完成进度35%。"),
        (TaskState.CLOSURE_PENDING, "该项工作已申请办结，正在审核。"),
        (TaskState.ON_HOLD, "该项工作暂缓实施。"),
        (TaskState.CANCELLED, "该项工作已撤销。"),
    ],
)
def test_it_ends_each_measure_with_its_state(ctx, state, sentence):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "强化监督")
    lead = make_department()
    make_item_task(measure, lead_department=lead, state=state, percent_done=35, deadline=date(2026, 12, 31))
    text = compose(report, DraftStructure.SOURCE, date(2026, 6, 1)).section(f"measure:{measure.id}").text
    assert text.endswith(f"本年度未报送该项工作的进展情况。{sentence}")


def test_it_counts_only_the_clauses_that_apply_and_closes_shortcomings(ctx):
    report = make_report(year=None, report_date=date(2025, 12, 20))
    first = make_item(report, ItemKind.MEASURE, 1, "甲措施")
    second = make_item(report, ItemKind.MEASURE, 2, "乙措施")
    make_item(report, ItemKind.MEASURE, 3, "丙措施")  # never turned into a task
    shortcoming = make_item(report, ItemKind.SHORTCOMING, 1, "执法监督不够有力")
    lead = make_department(name="督察支队")
    make_item_task(first, lead_department=lead, state=TaskState.ON_HOLD)
    make_item_task(second, lead_department=lead, state=TaskState.CANCELLED)
    make_item_task(shortcoming, lead_department=lead, state=TaskState.DONE, completed_on=date(2026, 3, 1))
    make_task(report_id=report.id, title="临时交办事项", state=TaskState.IN_PROGRESS, deadline=date(2026, 5, 1))
    content = compose(report, DraftStructure.SOURCE, date(2026, 6, 1))
    assert content.title == "市司法局2026年法治政府建设年度报告（草稿）"
    assert "截至2026年6月1日，尚未启动1项，暂缓实施1项，已撤销1项。" in content.section("opening").text
    assert content.section(f"measure:{first.id}").text.endswith("该项工作暂缓实施。")
    third = [s for s in content.sections if s.key.startswith("measure:")][2]
    assert third.text == "该项工作尚未交办。本年度未报送该项工作的进展情况。"
    assert content.section("open_shortcomings").text == "2025年度报告查找的问题均已整改到位。"
    assert content.section("carried_over").text == (
        "对2025年度确定但尚未完成的2项工作措施，继续抓好落实。"
        "一是甲措施，目前暂缓实施，将视情况适时推进。二是丙措施，目前尚未交办，将抓紧推进。"
    )
    rows = content.annex.rows
    assert [(r.title, r.lead_department, r.timeliness) for r in rows] == [
        ("甲措施", "督察支队", ""),
        ("乙措施", "督察支队", ""),
        ("执法监督不够有力", "督察支队", "按期"),
        ("临时交办事项", "未交办", "逾期"),
    ]
    assert content.annex.totals == {
        "tasks": 4,
        "done": 1,
        "on_time": 1,
        "late": 1,
        "open": 1,
        "on_hold": 1,
        "cancelled": 1,
    }


def test_it_says_how_many_shortcomings_were_fixed(ctx):
    report = make_report(year=2025)
    lead = make_department(name="法制支队")
    fixed, open_ = (make_item(report, ItemKind.SHORTCOMING, n, t) for n, t in ((1, "培训不足；"), (2, "监督不够")))
    make_item_task(fixed, lead_department=lead, state=TaskState.DONE, completed_on=date(2026, 3, 1))
    make_item_task(open_, lead_department=lead, state=TaskState.NOT_STARTED, deadline=date(2026, 12, 31))
    text = compose(report, DraftStructure.SOURCE, date(2026, 6, 1)).section("open_shortcomings").text
    assert text == "2025年度报告查找的2个方面不足中，1个已整改到位，尚有1个未整改到位：一是监督不够，整改尚未启动。"


def test_it_falls_back_to_the_year_before_today_without_a_year_or_date(ctx):
    report = make_report(year=None, report_date=None)
    content = compose(report, DraftStructure.STATUTORY, date(2027, 2, 1))
    assert content.title == "市司法局2027年法治政府建设年度报告（草稿）"
    assert content.section("opening").text == (
        "2027年，市司法局认真落实2026年度法治政府建设年度报告确定的各项工作措施。现将有关情况报告如下："
    )
    assert content.annex.rows == [] and content.annex.totals["tasks"] == 0


def test_it_keeps_punctuation_clean_whatever_the_departments_typed(ctx):
    report = make_report(year=2025)
    measure = make_item(report, ItemKind.MEASURE, 1, "  强化巡查，提升执法质量；  ")
    shortcoming = make_item(report, ItemKind.SHORTCOMING, 1, "执法监督力度需进一步增强。")
    task = make_item_task(measure, lead_department=make_department(), deadline=date(2026, 3, 1))
    make_item_task(shortcoming, lead_department=make_department(), deadline=date(2026, 3, 1))
    for n, text in enumerate(("完成抽查。。", "  ", "整改问题；。", "，召开会议，", "第一行。\n第二行；\n", "。")):
        report_progress(task, text, at(date(2026, 2, 1 + n)))
    for structure in DraftStructure:
        content = compose(report, structure, date(2026, 6, 1))
        for text in every_text(content):
            assert not [bad for bad in BAD_PUNCTUATION if bad in text], text
            assert "\n\n" not in text
    text = content.section(f"measure:{measure.id}").text
    assert "2月1日，完成抽查；2月3日，整改问题；2月4日，召开会议；2月5日，第一行，第二行。" in text
    assert content.section(f"measure:{measure.id}").heading == "（一）强化巡查，提升执法质量方面。"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("参训民警 120 人。", "参训民警120人"),
        ("完成。。", "完成"),
        ("A report; done.", "A report; done"),
        ("第一句。第二句；", "第一句，第二句"),
        ("  \n ", ""),
    ],
)
def test_it_fits_reported_text_into_a_sentence(raw, expected):
    assert clause(raw) == expected


def test_it_does_not_double_the_word_for_aspect_in_a_heading():
    assert measure_heading(3, "深化改革，力保落实到位。") == "（三）深化改革，力保落实到位方面。"
    assert measure_heading(11, "依法防控疫情方面；") == "（十一）依法防控疫情方面。"


# --- efficiency -----------------------------------------------------------------------------------


def _report_with_measures(n: int, lead, co) -> int:
    report = make_report(year=2025)
    for position in range(1, n + 1):
        item = make_item(report, ItemKind.MEASURE, position, f"第{position}项措施")
        task = make_item_task(item, lead_department=lead, co_departments=[co], deadline=date(2026, 12, 31))
        milestone = make_task(parent_id=task.id, report_id=report.id, title="阶段任务", lead_department=co)
        report_progress(task, "已推进", at(date(2026, 3, position)))
        report_progress(milestone, "阶段完成", at(date(2026, 4, position)))
    shortcoming = make_item(report, ItemKind.SHORTCOMING, 1, "不足")
    make_item_task(shortcoming, lead_department=lead, co_departments=[co])
    return report.id


def test_it_reads_the_draft_in_a_fixed_number_of_queries(app, ctx):
    lead, co = make_department(name="牵头部门"), make_department(name="配合部门")
    small, large = _report_with_measures(2, lead, co), _report_with_measures(9, lead, co)
    db.session.commit()
    counts = {}
    for report_id in (small, large):
        db.session.expunge_all()
        report = db.session.get(SourceReport, report_id)
        with count_queries(app) as statements:
            content = compose(report, DraftStructure.SOURCE, date(2026, 6, 1))
        counts[report_id] = len(statements)
        assert "阶段完成" in content.sections[2].text
    assert counts[small] == counts[large] <= 10, counts
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 2 * 2 + 2 * 9 + 2


def _report_with_tasks(n: int, lead, co) -> int:
    """One measure carried out by ``n`` tasks, each with a milestone, a co-department and two
    updates (one of them the co-department's), inserted in bulk."""
    report = make_report(year=2025)
    item = make_item(report, ItemKind.MEASURE, 1, "措施")
    common = {"report_id": report.id, "state": TaskState.IN_PROGRESS, "deadline": date(2026, 12, 31)}
    tasks = [{**common, "report_item_id": item.id, "kind": ItemKind.MEASURE, "title": f"任务{k}"} for k in range(n)]
    db.session.execute(sa.insert(Task), tasks)
    ids = db.session.scalars(sa.select(Task.id).where(Task.report_id == report.id).order_by(Task.id)).all()
    db.session.execute(sa.update(Task).where(Task.id.in_(ids)).values(lead_department_id=lead.id))
    db.session.execute(sa.insert(Task), [{**common, "parent_id": i, "title": "阶段任务"} for i in ids])
    db.session.execute(sa.insert(task_co_departments), [{"task_id": i, "department_id": co.id} for i in ids])
    update = {"percent_done": 10, "created_at": at(date(2026, 3, 1))}
    updates = [{**update, "task_id": i, "text": "已推进", "department_id": lead.id} for i in ids]
    updates += [
        {**update, "task_id": i, "text": "已配合", "kind": UpdateKind.ASSIST, "department_id": co.id} for i in ids
    ]
    db.session.execute(sa.insert(ProgressUpdate), updates)
    return report.id


def test_its_queries_do_not_grow_with_thousands_of_tasks(app, ctx):
    # 1,200 tasks: more than a selectin load asks for at once (500), which added queries as reports grew.
    lead, co = make_department(name="牵头部门"), make_department(name="配合部门")
    small, large = _report_with_tasks(3, lead, co), _report_with_tasks(1_200, lead, co)
    db.session.commit()
    counts = {}
    for report_id in (small, large):
        db.session.expunge_all()
        report = db.session.get(SourceReport, report_id)
        with count_queries(app) as statements:
            content = compose(report, DraftStructure.SOURCE, date(2026, 6, 1))
        counts[report_id] = len(statements)
    assert counts[small] == counts[large] == 5, counts
    assert len(content.annex.rows) == 1_200
    assert content.sections[2].text.count("配合单位配合部门：3月1日，已配合。") == 1_200
