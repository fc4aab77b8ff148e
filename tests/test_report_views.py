"""The report pages over HTTP: upload, review, confirm, bulk assign, links; who may use them, and
what a refusal shows."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, render_template
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, Personas
from tracker.demo import seed_report_bytes
from tracker.extensions import db
from tracker.importer import parse_report
from tracker.models import (
    Assignment,
    ItemKind,
    LinkStatus,
    Priority,
    ReportItem,
    ReportStatus,
    ShortcomingMeasureLink,
    SourceReport,
    Task,
    User,
)
from tracker.services import links, review
from tracker.services.reports import store_report

FORBIDDEN = "您没有执行此操作的权限"
SEED_TITLE = "市公安局2020年法治政府建设年度报告"
TRAINING_SHORTCOMING = "执法培训力度需进一步增强"
TRAINING_MEASURE = "加强培训，增强法治意识"


# --- helpers ---------------------------------------------------------------------------------------------


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def upload(
    client: FlaskClient, data: bytes = b"", filename: str = "seed.txt", token: str | None = None
) -> TestResponse:
    token = token or csrf_token(client, "/reports/")
    return client.post(
        "/reports/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data or seed_report_bytes()), filename)},
        content_type="multipart/form-data",
    )


def count(app: Flask, model: type[db.Model]) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def item_id(app: Flask, kind: ItemKind, position: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(ReportItem.id).where(ReportItem.kind == kind, ReportItem.position == position)
        )


def section(page: str, anchor: str) -> str:
    """The part of ``page`` from the element with id ``anchor`` to the next section."""
    start = page.index(f'id="{anchor}"')
    end = page.find("<section", start)
    return page[start : end if end > 0 else None]


@pytest.fixture
def legal(client: FlaskClient, personas: Personas) -> int:
    """alice, signed in, with the seed report uploaded; the report's id."""
    login(client, personas.alice.email)
    response = upload(client)
    assert response.status_code == 302, page_of(response)
    return int(re.search(r"/reports/(\d+)/review", response.headers["Location"]).group(1))


def post(client: FlaskClient, url: str, data: dict[str, str] | None = None) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf_token(client, "/reports/"), **(data or {})})


def confirmed(client: FlaskClient, report_id: int) -> TestResponse:
    return post(client, f"/reports/{report_id}/confirm")


# --- upload ----------------------------------------------------------------------------------------------


def test_it_shows_the_leaders_duties_apart_and_makes_no_task_of_them(app, client, personas):
    login(client, personas.alice.email)
    sample = Path(__file__).resolve().parent / "samples" / "sifaju.txt"
    response = upload(client, sample.read_bytes(), "sifaju.txt")
    report_id = int(re.search(r"/reports/(\d+)/review", response.headers["Location"]).group(1))
    page = page_of(client.get(f"/reports/{report_id}/review"))
    duties = section(page, "kind-duties")
    assert "主要负责人履行第一责任人职责情况（1 项）" in duties and "每项生成一项督办任务" not in duties
    assert "党政主要负责人履行推进法治建设第一责任人职责情况" in duties
    assert "每项生成一项督办任务" in section(page, "kind-measure")
    confirmed(client, report_id)
    with app.app_context():
        kinds = db.session.scalars(sa.select(Task.kind).where(Task.report_id == report_id)).all()
    assert sorted(kinds) == sorted([ItemKind.SHORTCOMING] * 3 + [ItemKind.MEASURE] * 5)


def test_it_uploads_the_seed_and_shows_what_the_importer_found(client, legal):
    page = page_of(client.get(f"/reports/{legal}/review"))

    assert f'value="{SEED_TITLE}"' in page
    assert 'value="汕头市公安局"' in page and 'value="2020"' in page and 'value="2020-12-13"' in page
    assert "工作情况及成效（11 项）" in page and "存在不足（3 项）" in page and "下一步工作措施（10 项）" in page
    assert page.index("提高站位，夯实思想根基") < page.index("推进法治公安建设，提升公安执法规范化")
    assert "确认后将生成 <strong>13</strong> 项督办任务" in page


def test_it_lists_the_reports_with_their_status_and_counts(client, legal):
    page = page_of(client.get("/reports/"))

    row = page[page.index(SEED_TITLE) :]
    assert "待审核确认" in row
    assert re.findall(r'<td class="count">(\d+)</td>', row) == ["11", "3", "10", "0"]


def test_it_says_which_report_was_imported_and_asks_for_a_review(client, legal):
    page = page_of(client.get(f"/reports/{legal}/review"))

    assert "已导入《市公安局2020年法治政府建设年度报告》：11 项工作成效、3 项存在不足、10 项工作措施" in page


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("report.pdf", b"%PDF-1.4 not really", "不支持 PDF 文件"),
        ("report.xlsx", b"PK\x03\x04 a spreadsheet", "不支持的文件类型“.xlsx”"),
        ("report.txt", b"\x81\x20\xfe\x0a\xff\xff", "无法识别文件编码"),
        ("report.txt", "一份没有措施的文字。".encode(), "未能在文件中识别出下一步工作措施"),
    ],
    ids=["pdf", "spreadsheet", "undecodable", "no measures"],
)
def test_it_shows_the_importers_message_and_stores_nothing(app, client, personas, filename, data, message):
    login(client, personas.alice.email)

    response = upload(client, data, filename)

    assert response.status_code == 400
    assert message in page_of(response)
    assert count(app, SourceReport) == 0


def test_it_asks_for_a_file_when_none_was_chosen(client, personas):
    login(client, personas.alice.email)

    response = post(client, "/reports/upload")

    assert response.status_code == 400
    assert "请选择要导入的报告文件。" in page_of(response)


def test_it_refuses_the_same_report_again_in_another_encoding_and_names_the_first(app, client, legal):
    gbk = seed_report_bytes().decode("utf-8").encode("gb18030")

    response = upload(client, gbk, "同一份报告.txt")

    assert response.status_code == 409
    assert f"该报告已导入过（编号 {legal}：{SEED_TITLE}），不能重复导入。" in page_of(response)
    assert count(app, SourceReport) == 1


def test_it_answers_an_oversized_upload_in_chinese(app, client, personas, monkeypatch):
    login(client, personas.alice.email)
    token = csrf_token(client, "/reports/")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)

    response = upload(client, seed_report_bytes(), "seed.txt", token)

    assert response.status_code == 413
    assert "上传的文件过大：单个文件不能超过 20 MB。" in page_of(response)
    assert count(app, SourceReport) == 0


# --- review ----------------------------------------------------------------------------------------------


def test_it_saves_an_edited_item(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)

    response = post(
        client,
        f"/reports/{legal}/items/{measure}/edit",
        {f"item{measure}-title": "加强执法培训", f"item{measure}-body": "每季度一次。"},
    )

    assert response.headers["Location"].endswith(f"/reports/{legal}/review#item-{measure}")
    page = page_of(client.get(response.headers["Location"]))
    assert "已保存“加强执法培训”。" in page
    assert "（二）</span>加强执法培训" in page


def test_it_keeps_what_was_typed_when_the_title_is_left_empty(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)

    response = post(
        client,
        f"/reports/{legal}/items/{measure}/edit",
        {f"item{measure}-title": "", f"item{measure}-body": "我新写的正文，不能丢。"},
    )

    assert response.status_code == 400
    page = page_of(response)
    assert "请填写标题。" in page
    assert "我新写的正文，不能丢。</textarea>" in page
    with app.app_context():
        assert db.session.get(ReportItem, measure).title == TRAINING_MEASURE


def test_it_splits_an_item_at_the_position_given(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)
    with app.app_context():
        at = db.session.get(ReportItem, measure).body.index("通过通过")

    response = post(client, f"/reports/{legal}/items/{measure}/split", {f"split{measure}-at": str(at)})

    page = page_of(client.get(response.headers["Location"]))
    assert "已拆分为两条" in page
    assert "下一步工作措施（11 项）" in page
    assert "（三）</span>通过通过法律知识竞赛" in page
    assert "（四）</span>深化改革，力保落实到位" in page


def test_it_refuses_a_split_position_that_is_not_a_number(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)

    response = post(client, f"/reports/{legal}/items/{measure}/split", {f"split{measure}-at": "第五十字"})

    assert response.status_code == 400
    assert "拆分位置须为数字。" in page_of(response)


def test_it_offers_to_split_after_each_sentence_by_a_click(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)
    with app.app_context():
        body = db.session.get(ReportItem, measure).body
    page = page_of(client.get(f"/reports/{legal}/review"))
    panel = page[page.index(f'id="item-{measure}"') :]
    panel = panel[: panel.index("</form>", panel.index('class="split-points"'))]
    offsets = [int(v) for v in re.findall(rf'name="split{measure}-at" value="(\d+)"', panel)]
    # One button after every sentence but the last; each splits right after a full stop.
    assert offsets and offsets == sorted(offsets) and len(offsets) == body.count("。") - body.endswith("。")
    assert all(body[at - 1] == "。" for at in offsets)
    assert 'type="text"' not in panel  # nothing to count or type

    at = body.index("通过通过")
    assert at in offsets
    response = post(client, f"/reports/{legal}/items/{measure}/split", {f"split{measure}-at": str(at)})
    assert "（三）</span>通过通过法律知识竞赛" in page_of(client.get(response.headers["Location"]))


def test_it_explains_why_an_item_cannot_be_split_without_a_line_break(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)

    response = post(client, f"/reports/{legal}/items/{measure}/split", {f"split{measure}-at": ""})

    assert response.status_code == 409
    assert "正文中没有换行，请选择在哪一句之后拆分" in page_of(response)


def test_it_merges_an_item_with_the_next_one(app, client, legal):
    measure = item_id(app, ItemKind.MEASURE, 2)

    response = post(client, f"/reports/{legal}/items/{measure}/merge")

    page = page_of(client.get(response.headers["Location"]))
    assert f"已将下一条合并到“{TRAINING_MEASURE}”。" in page
    assert "下一步工作措施（9 项）" in page
    assert "（三）</span>完善制度，促进依法行政" in page


def test_it_moves_an_item_up(app, client, legal):
    third = item_id(app, ItemKind.SHORTCOMING, 3)

    response = post(client, f"/reports/{legal}/items/{third}/move", {"direction": "up"})

    page = page_of(client.get(response.headers["Location"]))
    assert "移到第 2 条" in page
    assert page.index(TRAINING_SHORTCOMING + "</h3>") < page.index("执法监督力度需进一步增强</h3>")
    assert "二是</span>新的法律法规更新速度快" in page


def test_it_says_why_the_first_item_cannot_move_up(app, client, legal):
    first = item_id(app, ItemKind.SHORTCOMING, 1)

    response = post(client, f"/reports/{legal}/items/{first}/move", {"direction": "up"})

    assert response.status_code == 409
    assert "已是第一条，不能上移。" in page_of(response)


def test_it_deletes_an_item(app, client, legal):
    first = item_id(app, ItemKind.MEASURE, 1)

    response = post(client, f"/reports/{legal}/items/{first}/delete")

    page = page_of(client.get(response.headers["Location"]))
    assert "已删除“提高站位，夯实思想根基”。" in page
    assert "夯实思想根基</h3>" not in page
    assert "（一）</span>加强培训，增强法治意识" in page


def test_it_adds_a_missing_item(client, legal):
    response = post(
        client,
        f"/reports/{legal}/items",
        {"add-kind": "shortcoming", "add-title": "执法信息化水平有待提高", "add-body": "", "add-position": "1"},
    )

    page = page_of(client.get(response.headers["Location"]))
    assert "已添加“执法信息化水平有待提高”（存在不足第 1 条）。" in page
    assert "存在不足（4 项）" in page
    assert "一是</span>执法信息化水平有待提高" in page
    assert "四是</span>新的法律法规更新速度快" in page


def test_it_keeps_a_new_item_when_its_position_is_out_of_range(app, client, legal):
    response = post(
        client,
        f"/reports/{legal}/items",
        {"add-kind": "shortcoming", "add-title": "我输入的不足", "add-body": "我输入的正文", "add-position": "9"},
    )

    assert response.status_code == 409
    page = page_of(response)
    assert "位置须在 1 到 4 之间。" in page
    assert "我输入的不足</textarea>" in page and "我输入的正文</textarea>" in page and 'value="9"' in page
    assert count(app, ReportItem) == 24


def test_it_corrects_the_report_details_and_keeps_them_on_a_wrong_date(app, client, legal):
    typed = {"report-title": "汕头市公安局2020年法治政府建设年度报告", "report-issuer": "汕头市公安局"}

    refused = post(
        client, f"/reports/{legal}/details", typed | {"report-year": "2020", "report-report_date": "2020-13-01"}
    )
    saved = post(
        client, f"/reports/{legal}/details", typed | {"report-year": "2020", "report-report_date": "2020-12-31"}
    )

    assert refused.status_code == 400
    page = page_of(refused)
    assert "“2020-13-01”不是有效的日期" in page and 'value="汕头市公安局2020年法治政府建设年度报告"' in page
    assert saved.status_code == 302
    with app.app_context():
        report = db.session.get(SourceReport, legal)
        assert (report.title, report.report_date.isoformat()) == (typed["report-title"], "2020-12-31")


# --- confirm ---------------------------------------------------------------------------------------------


def test_it_confirms_the_items_into_thirteen_tasks_and_goes_on_to_assign_them(app, client, legal):
    response = confirmed(client, legal)

    assert response.headers["Location"].endswith(f"/reports/{legal}/assign")
    page = page_of(client.get(response.headers["Location"]))
    assert "报告已确认，生成 13 项督办任务。" in page
    assert page.count('type="date"') == 13 + 1  # each task's deadline, and the one to fill them all
    assert TRAINING_MEASURE in page and TRAINING_SHORTCOMING in page
    assert count(app, Task) == 13
    review_page = page_of(client.get(f"/reports/{legal}/review"))
    assert "该报告已确认，条目不能再修改。" in review_page and "/merge" not in review_page


def test_it_refuses_to_confirm_twice(app, client, legal):
    confirmed(client, legal)

    response = confirmed(client, legal)

    assert response.status_code == 409
    assert "该报告已确认过，督办任务已生成，不能重复确认。" in page_of(response)
    assert count(app, Task) == 13


def test_it_leaves_no_task_when_confirmation_fails_half_way(app, client, legal, monkeypatch):
    made = []
    make_task = review._task_for

    def failing_after_six(*args: Any, **kwargs: Any) -> Task:
        if len(made) == 6:
            raise RuntimeError("the database went away")
        made.append(make_task(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(review, "_task_for", failing_after_six)

    response = confirmed(client, legal)

    assert response.status_code == 500
    assert "系统内部错误" in page_of(response)
    assert len(made) == 6
    assert count(app, Task) == 0
    with app.app_context():
        assert db.session.get(SourceReport, legal).status == ReportStatus.IN_REVIEW


def test_it_refuses_an_edit_once_the_report_is_confirmed(app, client, legal):
    confirmed(client, legal)
    measure = item_id(app, ItemKind.MEASURE, 1)

    response = post(client, f"/reports/{legal}/items/{measure}/delete")

    assert response.status_code == 409
    assert "该报告已确认并生成督办任务，条目不能再修改。" in page_of(response)


# --- bulk assign -----------------------------------------------------------------------------------------


def blank_rows(app: Flask) -> dict[str, str]:
    """The bulk-assign form as the page shows it before anything is chosen."""
    with app.app_context():
        tasks = db.session.scalars(sa.select(Task).order_by(Task.id)).all()
        rows: dict[str, str] = {}
        for n, task in enumerate(tasks):
            rows |= {
                f"rows-{n}-task_id": str(task.id),
                f"rows-{n}-version": str(task.version),
                f"rows-{n}-lead_department": "None",
                f"rows-{n}-deadline": "",
                f"rows-{n}-priority": "normal",
            }
        return rows


def test_it_sends_the_user_to_review_before_assigning(client, legal):
    response = client.get(f"/reports/{legal}/assign", follow_redirects=True)

    assert "请先审核并确认报告条目" in page_of(response)


def test_it_assigns_the_filled_rows_and_skips_the_blank_ones(app, client, personas, legal):
    confirmed(client, legal)
    rows = blank_rows(app)
    rows |= {
        "rows-0-lead_department": str(personas.bob_dept.id),
        "rows-0-co_departments": str(personas.dave_dept.id),
        "rows-0-deadline": "2026-09-30",
        "rows-0-priority": "high",
    }

    response = post(client, f"/reports/{legal}/assign", rows)

    page = page_of(client.get(response.headers["Location"]))
    assert "已交办 1 项任务。" in page
    assert page.count("已交办，待签收") == 1
    with app.app_context():
        task = db.session.get(Task, int(rows["rows-0-task_id"]))
        assert (task.lead_department.name, [d.name for d in task.co_departments]) == ("交警支队", ["治安支队"])
        assert (task.deadline.isoformat(), task.priority, task.assignment) == (
            "2026-09-30",
            Priority.HIGH,
            Assignment.ASSIGNED,
        )
        assert db.session.scalar(sa.select(sa.func.count()).where(Task.assignment == Assignment.ASSIGNED)) == 1


def test_it_keeps_the_table_and_saves_nothing_when_a_date_is_wrong(app, client, personas, legal):
    confirmed(client, legal)
    rows = blank_rows(app)
    rows |= {
        "rows-0-lead_department": str(personas.bob_dept.id),
        "rows-0-co_departments": str(personas.dave_dept.id),
        "rows-0-deadline": "2026-09-30",
        "rows-1-lead_department": str(personas.dave_dept.id),
        "rows-1-deadline": "2026-02-30",
    }

    response = post(client, f"/reports/{legal}/assign", rows)

    assert response.status_code == 400
    page = page_of(response)
    # Co-departments are boxes to tick, folded under a line that names the ticked ones.
    picker = section(page, f"row-{rows['rows-0-task_id']}")
    picker = picker[picker.index('<details class="picker"') :]
    assert picker.index("<summary>治安支队</summary>") < picker.index('type="checkbox"')
    ticked = r'<input checked id="rows-0-co_departments-\d+" name="rows-0-co_departments" type="checkbox"'
    assert re.search(rf'{ticked} value="{personas.dave_dept.id}">', picker)
    second_row = section(page, f"row-{rows['rows-1-task_id']}")
    assert "“2026-02-30”不是有效的日期，请按“年-月-日”填写" in second_row
    assert 'value="2026-02-30"' in second_row
    first_row = page[
        page.index(f'id="row-{rows["rows-0-task_id"]}"') : page.index(f'id="row-{rows["rows-1-task_id"]}"')
    ]
    assert f'<option selected value="{personas.bob_dept.id}">交警支队</option>' in first_row
    assert 'value="2026-09-30"' in first_row
    assert count(app, Task) == 13
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Task.assignment != Assignment.UNASSIGNED)) == 0


def test_it_saves_nothing_when_a_row_is_half_filled(app, client, personas, legal):
    confirmed(client, legal)
    rows = blank_rows(app)
    rows |= {
        "rows-0-lead_department": str(personas.bob_dept.id),
        "rows-0-deadline": "2026-09-30",
        "rows-2-lead_department": str(personas.dave_dept.id),
    }

    response = post(client, f"/reports/{legal}/assign", rows)

    assert response.status_code == 409
    page = page_of(response)
    assert "请同时选择牵头单位和填写完成时限，或将两项都留空。" in section(page, f"row-{rows['rows-2-task_id']}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Task.assignment != Assignment.UNASSIGNED)) == 0


# --- links -----------------------------------------------------------------------------------------------


def training_section(app: Flask, client: FlaskClient, report_id: int) -> tuple[str, int]:
    with app.app_context():
        shortcoming = db.session.scalar(sa.select(ReportItem).where(ReportItem.title.contains(TRAINING_SHORTCOMING)))
    page = page_of(client.get(f"/reports/{report_id}/links"))
    return section(page, f"shortcoming-{shortcoming.id}"), shortcoming.id


def training_link(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(ShortcomingMeasureLink.id)
            .join(ReportItem, ReportItem.id == ShortcomingMeasureLink.shortcoming_id)
            .where(ReportItem.title.contains(TRAINING_SHORTCOMING))
            .where(ShortcomingMeasureLink.measure.has(ReportItem.title == TRAINING_MEASURE))
        )


def test_it_suggests_the_training_measure_for_the_training_shortcoming(app, client, legal):
    confirmed(client, legal)

    part, _ = training_section(app, client, legal)

    suggested = part[part.index("建议关联") :]
    assert TRAINING_MEASURE in suggested
    assert re.search(r"相似度 \d+%", suggested)


def test_it_keeps_a_rejected_suggestion_rejected(app, client, legal):
    confirmed(client, legal)
    link = training_link(app)

    rejected = post(client, f"/reports/{legal}/links/{link}/decide", {"decision": "reject"})
    post(client, f"/reports/{legal}/links/suggest")

    assert "已不采纳" in page_of(client.get(rejected.headers["Location"]))
    part, _ = training_section(app, client, legal)
    assert TRAINING_MEASURE not in part[part.index("建议关联") : part.index("已不采纳（1 项）")]
    assert TRAINING_MEASURE in part[part.index("已不采纳（1 项）") :]


def test_it_says_when_no_measure_is_a_good_match(app, client, legal):
    confirmed(client, legal)
    with app.app_context():
        shortcoming = db.session.scalar(sa.select(ReportItem.id).where(ReportItem.title.contains(TRAINING_SHORTCOMING)))
    for link in suggestions_of(app, shortcoming):
        post(client, f"/reports/{legal}/links/{link}/decide", {"decision": "reject"})

    part, _ = training_section(app, client, legal)
    assert "没有文字足够相近的工作措施" in part


def suggestions_of(app, shortcoming: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ShortcomingMeasureLink.id).where(
                    ShortcomingMeasureLink.shortcoming_id == shortcoming,
                    ShortcomingMeasureLink.status == LinkStatus.SUGGESTED,
                )
            )
        )


def test_it_shows_an_accepted_link_on_both_tasks(app, client, legal):
    confirmed(client, legal)
    link = training_link(app)

    post(client, f"/reports/{legal}/links/{link}/decide", {"decision": "accept"})

    part, _ = training_section(app, client, legal)
    assert TRAINING_MEASURE in part[part.index("已采纳的措施") : part.index("建议关联")]
    with app.app_context(), app.test_request_context():
        saved = db.session.get(ShortcomingMeasureLink, link)
        task_of = {t.report_item_id: t for t in db.session.scalars(sa.select(Task))}
        on_shortcoming = render_template("tasks/_links.html", task=task_of[saved.shortcoming_id])
        on_measure = render_template("tasks/_links.html", task=task_of[saved.measure_id])
    assert "针对此不足的工作措施" in on_shortcoming and TRAINING_MEASURE in on_shortcoming
    assert "此措施针对的存在不足" in on_measure and TRAINING_SHORTCOMING in on_measure


def test_it_links_a_measure_by_hand(app, client, legal):
    confirmed(client, legal)
    _, shortcoming = training_section(app, client, legal)
    patrol = item_id(app, ItemKind.MEASURE, 5)

    response = post(client, f"/reports/{legal}/links/{shortcoming}/add", {f"link{shortcoming}-measure": str(patrol)})

    assert "已关联：“强化巡查，提升执法质量”针对" in page_of(client.get(response.headers["Location"]))
    with app.app_context():
        link = db.session.scalar(
            sa.select(ShortcomingMeasureLink).where(
                ShortcomingMeasureLink.shortcoming_id == shortcoming, ShortcomingMeasureLink.measure_id == patrol
            )
        )
        assert link.status == LinkStatus.ACCEPTED


def test_it_asks_which_measure_to_link(app, client, legal):
    _, shortcoming = training_section(app, client, legal)

    response = post(client, f"/reports/{legal}/links/{shortcoming}/add", {f"link{shortcoming}-measure": "None"})

    assert response.status_code == 400
    assert "请选择工作措施。" in page_of(response)


# --- who may use these pages -----------------------------------------------------------------------------


@pytest.fixture
def scene(app, personas) -> dict[str, int]:
    """A confirmed seed report with one suggested link, made through the services."""
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        parsed = parse_report(seed_report_bytes(), "seed.txt")
        report = store_report(parsed, filename="seed.txt", data=None, imported_by=alice, now=FROZEN_NOW)
        review.confirm(report, alice, now=FROZEN_NOW)
        link = links.links_of_report(report)[0]
        db.session.commit()
        return {"report": report.id, "item": link.measure_id, "shortcoming": link.shortcoming_id, "link": link.id}


PAGES = ["/reports/", "/reports/{report}/review", "/reports/{report}/assign", "/reports/{report}/links"]
ACTIONS = [
    "/reports/upload",
    "/reports/{report}/details",
    "/reports/{report}/items/{item}/edit",
    "/reports/{report}/items/{item}/split",
    "/reports/{report}/items/{item}/merge",
    "/reports/{report}/items/{item}/move",
    "/reports/{report}/items/{item}/delete",
    "/reports/{report}/items",
    "/reports/{report}/confirm",
    "/reports/{report}/assign",
    "/reports/{report}/links/suggest",
    "/reports/{report}/links/{link}/decide",
    "/reports/{report}/links/{shortcoming}/add",
]
ROUTES = [("GET", url) for url in PAGES] + [("POST", url) for url in ACTIONS]
OUTSIDERS = ["bob", "carol", "dave", "erin"]  # a head, a member of staff, another head, a leader


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize(("method", "url"), ROUTES, ids=[f"{m} {u}" for m, u in ROUTES])
def test_it_refuses_every_report_page_to_anyone_outside_the_legal_office(
    app, client, personas, scene, persona, method, url
):
    login(client, getattr(personas, persona).email)
    path = url.format(**scene)

    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf_token(client, "/my"), "direction": "up"})

    assert response.status_code == 403
    assert FORBIDDEN in page_of(response)
    assert count(app, Task) == 13


@pytest.mark.parametrize(("method", "url"), ROUTES, ids=[f"{m} {u}" for m, u in ROUTES])
def test_it_sends_anonymous_visitors_to_sign_in(client, scene, method, url):
    path = url.format(**scene)

    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf_token(client, "/login")})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("persona", ["alice", "frank"])
def test_it_opens_the_report_pages_to_the_legal_office_and_the_administrator(client, personas, scene, persona):
    login(client, getattr(personas, persona).email)

    for url in PAGES:
        response = client.get(url.format(**scene))
        assert response.status_code == 200, url
    assert "年度报告" in page_of(client.get("/reports/"))


@pytest.mark.parametrize("url", ACTIONS)
def test_it_refuses_a_post_without_its_csrf_token(app, client, personas, scene, url):
    login(client, personas.alice.email)

    response = client.post(url.format(**scene), data={"direction": "up"})

    assert response.status_code == 400
    assert "表单已过期或来源无效，请刷新页面后重新提交。" in page_of(response)
    assert count(app, Task) == 13


def test_a_report_without_a_title_line_gets_a_proposed_title_to_edit(app, client, personas):
    login(client, personas.alice.email)
    untitled = seed_report_bytes().decode("utf-8").split("\n", 1)[1].lstrip().encode("utf-8")
    response = upload(client, untitled, filename="材料.txt")
    assert response.status_code == 302
    page = page_of(client.get(response.headers["Location"]))
    assert "已导入《》" not in page
    assert "报告中没有标题行，已拟定标题《" in page and "法治政府建设年度报告》" in page
    with app.app_context():
        report = db.session.scalar(sa.select(SourceReport))
        assert report.title.endswith("2020年法治政府建设年度报告")
