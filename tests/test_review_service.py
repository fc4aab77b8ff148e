"""Reviewing an imported report: the items' order and numbering, the audit trail, confirmation."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, make_seed_report
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ItemKind,
    LinkStatus,
    ReportItem,
    ReportStatus,
    ShortcomingMeasureLink,
    SourceReport,
    Task,
    TaskState,
    User,
)
from tracker.services import review

NOW = FROZEN_NOW


@pytest.fixture
def alice(ctx, personas) -> User:
    return db.session.get(User, personas.alice.id)


@pytest.fixture
def report(alice) -> SourceReport:
    return make_seed_report(imported_by=alice, now=NOW)


def items(report: SourceReport, kind: ItemKind) -> list[ReportItem]:
    return review.items_of(report, kind)


def item(report: SourceReport, kind: ItemKind, position: int) -> ReportItem:
    return items(report, kind)[position - 1]


def listing(report: SourceReport, kind: ItemKind) -> list[tuple[int, str, str]]:
    return [(i.position, i.number_label, i.title) for i in items(report, kind)]


def events(report: SourceReport) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "source_report", AuditEvent.object_id == report.id)
            .order_by(AuditEvent.id)
        )
    )


def test_it_edits_an_item_and_records_the_title_before_and_after(report, alice):
    measure = item(report, ItemKind.MEASURE, 2)

    review.edit_item(measure, alice, title="加强执法培训", body="  每季度组织一次执法培训。 ", now=NOW)
    db.session.commit()

    assert (measure.title, measure.body) == ("加强执法培训", "每季度组织一次执法培训。")
    event = events(report)[-1]
    assert event.action == "report_item_edited"
    assert event.actor_id == alice.id
    assert event.before["title"] == "加强培训，增强法治意识"
    assert event.after["item"]["title"] == "加强执法培训"


def test_it_refuses_an_empty_title(report, alice):
    with pytest.raises(review.ReviewError, match="标题不能为空"):
        review.edit_item(item(report, ItemKind.MEASURE, 1), alice, title="  ", body="", now=NOW)


def test_it_splits_an_item_at_a_position_in_the_body_and_renumbers_the_rest(report, alice):
    measure = item(report, ItemKind.MEASURE, 2)
    at = measure.body.index("通过通过")

    created = review.split_item(measure, alice, at=at, now=NOW)
    db.session.commit()

    assert measure.body.endswith("打牢严格执法、维护公平正义的思想根基。")
    assert created.title.startswith("通过通过法律知识竞赛")
    listed = listing(report, ItemKind.MEASURE)
    assert [position for position, _, _ in listed] == list(range(1, 12))
    assert listed[1][1:] == ("（二）", "加强培训，增强法治意识")
    assert listed[2][1] == "（三）" and listed[2][2] == created.title
    assert listed[3][1:] == ("（四）", "深化改革，力保落实到位")
    assert listed[10][1:] == ("（十一）", "推进法治公安建设，提升公安执法规范化")
    assert events(report)[-1].action == "report_item_split"


def test_it_splits_at_the_first_line_break_and_takes_the_next_heading_as_the_title(report, alice):
    measure = item(report, ItemKind.MEASURE, 2)
    review.edit_item(
        measure, alice, title=measure.title, body="第一部分。\n（三）新增措施标题。新增措施的正文。", now=NOW
    )

    created = review.split_item(measure, alice, now=NOW)

    assert measure.body == "第一部分。"
    assert (created.number_label, created.title, created.body) == ("（三）", "新增措施标题", "新增措施的正文。")
    assert created.position == 3


@pytest.mark.parametrize(
    ("body", "at", "message"),
    [
        ("一段没有换行的正文。", None, "正文中没有换行"),
        ("正文。", 3, "拆分位置须在 1 到 2 之间"),
        ("正文。", 0, "拆分位置须在 1 到 2 之间"),
        ("", 1, "没有正文"),
    ],
    ids=["no line break", "past the end", "at the start", "no body"],
)
def test_it_refuses_a_split_that_leaves_an_empty_part(report, alice, body, at, message):
    measure = item(report, ItemKind.MEASURE, 1)
    review.edit_item(measure, alice, title=measure.title, body=body, now=NOW)

    with pytest.raises(review.ReviewError, match=message):
        review.split_item(measure, alice, at=at, now=NOW)


def test_it_merges_an_item_with_the_next_one_of_its_kind(report, alice):
    second, third = item(report, ItemKind.MEASURE, 2), item(report, ItemKind.MEASURE, 3)
    third_id = third.id

    review.merge_with_next(second, alice, now=NOW)
    db.session.commit()

    assert "\n深化改革，力保落实到位。紧紧围绕市委、市政府" in second.body
    assert db.session.get(ReportItem, third_id) is None
    listed = listing(report, ItemKind.MEASURE)
    assert len(listed) == 9
    assert [label for _, label, _ in listed] == [
        "（一）",
        "（二）",
        "（三）",
        "（四）",
        "（五）",
        "（六）",
        "（七）",
        "（八）",
        "（九）",
    ]
    assert listed[2][2] == "完善制度，促进依法行政"
    assert events(report)[-1].action == "report_items_merged"


def test_it_moves_the_links_of_a_merged_item_to_the_item_it_joined(report, alice):
    shortcoming = item(report, ItemKind.SHORTCOMING, 1)
    second, third = item(report, ItemKind.MEASURE, 2), item(report, ItemKind.MEASURE, 3)
    db.session.add(ShortcomingMeasureLink(shortcoming=shortcoming, measure=third, status=LinkStatus.ACCEPTED))
    db.session.flush()

    review.merge_with_next(second, alice, now=NOW)

    link = db.session.scalar(sa.select(ShortcomingMeasureLink))
    assert (link.shortcoming_id, link.measure_id, link.status) == (shortcoming.id, second.id, LinkStatus.ACCEPTED)


def test_it_refuses_to_merge_the_last_item_of_a_kind(report, alice):
    with pytest.raises(review.ReviewError, match="最后一条"):
        review.merge_with_next(item(report, ItemKind.SHORTCOMING, 3), alice, now=NOW)


def test_it_moves_an_item_up_and_down_and_keeps_the_numbering_in_order(report, alice):
    third = item(report, ItemKind.SHORTCOMING, 3)

    review.move_item(third, alice, direction="up", now=NOW)
    db.session.commit()

    titles = [title for _, _, title in listing(report, ItemKind.SHORTCOMING)]
    assert titles[1].endswith("执法培训力度需进一步增强")
    assert titles[2].endswith("执法监督力度需进一步增强")
    assert [label for _, label, _ in listing(report, ItemKind.SHORTCOMING)] == ["一是", "二是", "三是"]
    review.move_item(third, alice, direction="down", now=NOW)
    assert third.position == 3
    assert [e.action for e in events(report)[-2:]] == ["report_item_moved", "report_item_moved"]


@pytest.mark.parametrize(("position", "direction", "message"), [(1, "up", "已是第一条"), (3, "down", "已是最后一条")])
def test_it_refuses_to_move_past_either_end(report, alice, position, direction, message):
    with pytest.raises(review.ReviewError, match=message):
        review.move_item(item(report, ItemKind.SHORTCOMING, position), alice, direction=direction, now=NOW)


def test_it_deletes_an_item_and_closes_the_gap(report, alice):
    review.delete_item(item(report, ItemKind.MEASURE, 1), alice, now=NOW)
    db.session.commit()

    listed = listing(report, ItemKind.MEASURE)
    assert listed[0] == (1, "（一）", "加强培训，增强法治意识")
    assert len(listed) == 9
    event = events(report)[-1]
    assert (event.action, event.before["title"]) == ("report_item_deleted", "提高站位，夯实思想根基")


def test_it_adds_a_missing_item_where_it_belongs(report, alice):
    added = review.add_item(
        report, alice, kind=ItemKind.SHORTCOMING, title="执法信息化水平不高", body="", position=2, now=NOW
    )
    db.session.commit()

    assert [(p, label) for p, label, _ in listing(report, ItemKind.SHORTCOMING)] == [
        (1, "一是"),
        (2, "二是"),
        (3, "三是"),
        (4, "四是"),
    ]
    assert added.position == 2 and added.number_label == "二是"
    assert events(report)[-1].action == "report_item_added"


def test_it_adds_an_item_last_when_no_position_is_given(report, alice):
    added = review.add_item(report, alice, kind=ItemKind.MEASURE, title="加强队伍建设", now=NOW)

    assert (added.position, added.number_label) == (11, "（十一）")


def test_it_refuses_a_position_beyond_the_end(report, alice):
    with pytest.raises(review.ReviewError, match="位置须在 1 到 4 之间"):
        review.add_item(report, alice, kind=ItemKind.SHORTCOMING, title="某项不足", position=9, now=NOW)


def test_it_corrects_the_title_issuer_year_and_date(report, alice):
    review.update_details(
        report,
        alice,
        title="汕头市公安局2020年法治政府建设年度报告",
        issuer="汕头市公安局",
        year=2020,
        report_date=date(2020, 12, 31),
        now=NOW,
    )

    assert report.title == "汕头市公安局2020年法治政府建设年度报告"
    assert report.report_date == date(2020, 12, 31)
    event = events(report)[-1]
    assert event.action == "report_details_edited"
    assert event.before == {"title": "市公安局2020年法治政府建设年度报告", "report_date": "2020-12-13"}


def test_it_confirms_one_task_per_shortcoming_and_measure(report, alice):
    tasks = review.confirm(report, alice, now=NOW)
    db.session.commit()

    assert len(tasks) == 13
    assert report.status == ReportStatus.CONFIRMED
    measure = item(report, ItemKind.MEASURE, 2)
    task = db.session.scalar(sa.select(Task).where(Task.report_item_id == measure.id))
    assert (task.kind, task.title, task.description) == (ItemKind.MEASURE, measure.title, measure.body)
    assert (task.report_id, task.state) == (report.id, TaskState.NOT_STARTED)
    kinds = [t.kind for t in tasks]
    assert (kinds.count(ItemKind.SHORTCOMING), kinds.count(ItemKind.MEASURE)) == (3, 10)
    assert events(report)[-1].action == "report_confirmed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShortcomingMeasureLink)) > 0


def test_it_refuses_to_confirm_twice_or_to_change_a_confirmed_report(report, alice):
    review.confirm(report, alice, now=NOW)

    with pytest.raises(review.ReviewError, match="不能重复确认"):
        review.confirm(report, alice, now=NOW)
    with pytest.raises(review.ReviewError, match="已确认"):
        review.delete_item(item(report, ItemKind.MEASURE, 1), alice, now=NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 13


def test_it_refuses_to_confirm_a_report_without_shortcomings_or_measures(report, alice):
    for kind in (ItemKind.SHORTCOMING, ItemKind.MEASURE):
        for each in items(report, kind):
            review.delete_item(each, alice, now=NOW)

    with pytest.raises(review.ReviewError, match="无法生成督办任务"):
        review.confirm(report, alice, now=NOW)


def test_it_offers_a_split_after_each_sentence_but_the_last():
    body = "加强培训。组织竞赛；旁听庭审！\n提高能力"
    points = review.split_points(body)
    assert [sentence for sentence, _at in points] == ["加强培训。", "组织竞赛；", "旁听庭审！", "\n提高能力"]
    assert [at for _sentence, at in points] == [5, 10, 15, None]
    assert [body[:at] for _sentence, at in points if at] == [
        "加强培训。",
        "加强培训。组织竞赛；",
        "加强培训。组织竞赛；旁听庭审！",
    ]
    assert review.split_points("只有一句。") == [("只有一句。", None)]
    assert review.split_points("他说：“好。”然后走了。") == [("他说：“好。”", 7), ("然后走了。", None)]
