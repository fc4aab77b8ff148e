"""The exports of the task list (.xlsx, .csv, print page) and the 通报 (.docx), over HTTP, on a
hand-counted scene; and the ledger's files on their own."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from tests.conftest import count_queries, login
from tests.factories import FROZEN_NOW, make_seed_report, make_task
from tracker.extensions import db
from tracker.models import Department, ItemKind, ProgressUpdate, TaskState, User
from tracker.services import bulletin, ledger, links

TODAY = date(2026, 6, 1)  # a Monday
SHORTCOMING_PART = "执法培训力度需进一步增强"
MEASURE_TITLE = "加强培训，增强法治意识"
XLSX, CSV, PRINT, BULLETIN = "/tasks/export.xlsx", "/tasks/export.csv", "/tasks/print", "/dashboard/bulletin.docx"


@dataclass
class Scene:
    shortcoming_title: str
    bob_dept: int
    dave_dept: int


@pytest.fixture(autouse=True)
def frozen_today(frozen_clock):
    frozen_clock(TODAY)


@pytest.fixture
def scene(app, personas) -> Scene:
    """As of 2026-06-01, seven top-level tasks:

    交警支队 (bob): the shortcoming task (in progress, due 6-30: green), the measure task linked
    to it (60%, due 5-20: red, 8 working days overdue; co-department 治安支队, assigned to carol;
    extended once from 5-10; two progress updates), 规范执法档案管理 (done 5-15, due 5-31, sent
    back once) and 撤销的任务 (cancelled).
    治安支队 (dave): 治安巡查整改 (done 5-10, due 5-30), 治安台账清理 (not started, due 6-3:
    yellow) and 暂缓的任务 (on hold, due 5-1: not overdue).
    """
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        bob_dept = db.session.get(Department, personas.bob_dept.id)
        dave_dept = db.session.get(Department, personas.dave_dept.id)
        report = make_seed_report(imported_by=alice, now=FROZEN_NOW)
        shortcoming = next(i for i in report.items if i.kind == ItemKind.SHORTCOMING and SHORTCOMING_PART in i.title)
        measure = next(i for i in report.items if i.kind == ItemKind.MEASURE and i.title == MEASURE_TITLE)
        links.link_by_hand(shortcoming, measure, alice, now=FROZEN_NOW)
        make_task(
            title=shortcoming.title,
            kind=ItemKind.SHORTCOMING,
            report_id=report.id,
            report_item_id=shortcoming.id,
            lead_department=bob_dept,
            deadline=date(2026, 6, 30),
        )
        measure_task = make_task(
            title=MEASURE_TITLE,
            kind=ItemKind.MEASURE,
            report_id=report.id,
            report_item_id=measure.id,
            lead_department=bob_dept,
            co_departments=[dave_dept],
            assignee_id=personas.carol.id,
            deadline=date(2026, 5, 20),
            original_deadline=date(2026, 5, 10),
            extension_count=1,
            percent_done=60,
        )
        for day, text in ((10, "启动培训筹备"), (25, "完成一期培训")):
            db.session.add(
                ProgressUpdate(
                    task=measure_task,
                    author_id=personas.carol.id,
                    percent_done=60,
                    text=text,
                    created_at=datetime(2026, 5, day, 2, 0, tzinfo=UTC),
                )
            )
        make_task(
            title="规范执法档案管理",
            lead_department=bob_dept,
            state=TaskState.DONE,
            percent_done=100,
            deadline=date(2026, 5, 31),
            completed_on=date(2026, 5, 15),
            completed_at=datetime(2026, 5, 15, 2, 0, tzinfo=UTC),
            sent_back_count=1,
        )
        make_task(title="撤销的任务", lead_department=bob_dept, state=TaskState.CANCELLED, deadline=date(2026, 7, 1))
        make_task(
            title="治安巡查整改",
            lead_department=dave_dept,
            state=TaskState.DONE,
            percent_done=100,
            deadline=date(2026, 5, 30),
            completed_on=date(2026, 5, 10),
            completed_at=datetime(2026, 5, 10, 2, 0, tzinfo=UTC),
        )
        make_task(
            title="治安台账清理", lead_department=dave_dept, state=TaskState.NOT_STARTED, deadline=date(2026, 6, 3)
        )
        make_task(title="暂缓的任务", lead_department=dave_dept, state=TaskState.ON_HOLD, deadline=date(2026, 5, 1))
        db.session.commit()
        return Scene(shortcoming.title, bob_dept.id, dave_dept.id)


def workbook_rows(client, path: str = XLSX) -> list[tuple]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=3)]


def test_it_downloads_the_ledger_as_a_workbook_the_way_the_list_orders_it(client, scene):
    login(client, "alice@example.gov.cn")

    response = client.get(XLSX)

    assert response.status_code == 200
    assert response.mimetype == ledger_mimetype()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E7%9D%A3%E5%8A%9E%E5%8F%B0%E8%B4%A6-20260601.xlsx" in disposition
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A3"
    assert sheet["A1"].value == "整改督办台账（截至2026年6月1日）"
    assert [cell.value for cell in sheet[2]] == list(ledger.HEADERS)
    titles = [row[2].value for row in sheet.iter_rows(min_row=3)]
    assert titles == [
        MEASURE_TITLE,  # red
        "治安台账清理",  # yellow
        MEASURE_TITLE,  # green: the shortcoming's 整改措施 is its linked measure
        "暂缓的任务",  # grey, by deadline
        "治安巡查整改",
        "规范执法档案管理",
        "撤销的任务",
    ]
    assert [cell.value for cell in sheet[3]] == [
        1,
        scene.shortcoming_title,
        MEASURE_TITLE,
        "交警支队",
        "治安支队",
        "交警李",
        datetime(2026, 5, 20),
        "2026年5月25日：完成一期培训",
        "进行中（60%）；已逾期8个工作日；红灯",
        "否",
        "延期1次；原定完成时限2026年5月10日",
    ]
    assert [cell.value for cell in sheet[5]][1:3] == [scene.shortcoming_title, MEASURE_TITLE]
    assert [cell.value for cell in sheet[8]][8:] == ["已办结（100%）", "是", "退办1次"]
    assert sheet["K9"].value == "已撤销"


def test_it_writes_deadlines_as_dates_filled_with_the_colour_of_the_light(client, scene):
    login(client, "alice@example.gov.cn")

    sheet = load_workbook(io.BytesIO(client.get(XLSX).data)).active

    overdue, due_soon, on_track, on_hold = sheet["G3"], sheet["G4"], sheet["G5"], sheet["G6"]
    assert overdue.is_date and overdue.value == datetime(2026, 5, 20)
    assert overdue.number_format == ledger.DATE_FORMAT
    assert overdue.fill.fgColor.rgb.endswith(ledger.LIGHT_FILLS["red"])
    assert due_soon.fill.fgColor.rgb.endswith(ledger.LIGHT_FILLS["yellow"])
    assert on_track.fill.fgColor.rgb.endswith(ledger.LIGHT_FILLS["green"])
    assert on_hold.fill.fgColor.rgb.endswith(ledger.LIGHT_FILLS["grey"])
    assert sheet["I4"].value.endswith("黄灯")  # the light in words, for a black-and-white print
    assert sheet["B3"].alignment.wrap_text
    assert sheet.column_dimensions["C"].width == ledger.COLUMN_WIDTHS[2]


def test_it_exports_only_what_the_filter_in_the_query_string_keeps(client, scene):
    login(client, "alice@example.gov.cn")

    rows = workbook_rows(client, f"{XLSX}?department={scene.dave_dept}")

    assert [row[2] for row in rows] == ["治安台账清理", "暂缓的任务", "治安巡查整改"]
    assert {row[3] for row in rows} == {"治安支队"}


def test_it_says_the_filter_in_chinese_in_the_print_footer_whatever_the_language(app, client, scene, personas):
    with app.app_context():
        db.session.get(User, personas.alice.id).locale = "en"
        db.session.commit()
    login(client, "alice@example.gov.cn")
    query = f"?department={scene.bob_dept}&state=in_progress"

    sheet = load_workbook(io.BytesIO(client.get(f"{XLSX}{query}").data)).active

    assert "Lead department: 交警支队" in client.get(f"{PRINT}{query}").get_data(as_text=True)
    assert sheet.oddHeader.left.text == "整改督办台账（截至2026年6月1日）"
    assert sheet.oddFooter.left.text == "筛选条件：牵头单位：交警支队；状态：进行中"
    assert sheet.oddFooter.right.text == "第 &P 页，共 &N 页"


SHORTCOMING_ROW = (MEASURE_TITLE, date(2026, 6, 30))  # its 整改措施 is the linked measure
MEASURE_ROW = (MEASURE_TITLE, date(2026, 5, 20))


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (
            "bob@example.gov.cn",
            {SHORTCOMING_ROW, MEASURE_ROW, ("规范执法档案管理", date(2026, 5, 31)), ("撤销的任务", date(2026, 7, 1))},
        ),
        (
            "dave@example.gov.cn",  # and the measure task, where 治安支队 is a co-department
            {
                MEASURE_ROW,
                ("治安台账清理", date(2026, 6, 3)),
                ("暂缓的任务", date(2026, 5, 1)),
                ("治安巡查整改", date(2026, 5, 30)),
            },
        ),
        ("carol@example.gov.cn", {MEASURE_ROW}),  # assigned to her
    ],
)
def test_it_exports_to_heads_and_staff_only_the_tasks_they_may_see(client, scene, email, expected):
    login(client, email)

    rows = workbook_rows(client)

    assert {(row[2], row[6].date()) for row in rows} == expected
    assert len(rows) == len(expected)


def test_it_downloads_the_ledger_as_csv_with_a_bom(client, scene):
    login(client, "alice@example.gov.cn")

    response = client.get(CSV)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"].count("charset=utf-8") == 1
    assert "20260601.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == list(ledger.HEADERS)
    assert len(rows) == 8
    assert rows[1][6] == "2026-05-20" and rows[1][9] == "否"
    assert rows[1][7] == "2026年5月25日：完成一期培训"
    assert rows[6][8:] == ["已办结（100%）", "是", "退办1次"]


def test_it_prints_the_rows_with_the_filter_in_words(client, scene):
    login(client, "alice@example.gov.cn")

    page = client.get(f"{PRINT}?department={scene.bob_dept}&state=in_progress").get_data(as_text=True)

    assert "data-print>打印</button>" in page and '<script src="/static/print.js" defer>' in page
    assert "截至2026年6月1日，共2项任务" in page
    assert "牵头单位：交警支队；状态：进行中" in page
    assert page.count(MEASURE_TITLE) == 2 and "治安台账清理" not in page
    assert "进行中（60%）；已逾期8个工作日；红灯" in page
    assert 'class="ledger-deadline ledger-red"' in page


def test_it_says_no_filter_when_the_print_page_has_none(client, scene):
    login(client, "alice@example.gov.cn")

    page = client.get(PRINT).get_data(as_text=True)

    assert "筛选条件：全部任务" in page
    assert "共7项任务" in page


@pytest.mark.parametrize("path", [XLSX, CSV, PRINT])
def test_it_refuses_an_export_above_the_row_cap_and_asks_to_narrow_the_filter(app, client, scene, path):
    login(client, "alice@example.gov.cn")
    before = app.config["EXPORT_MAX_ROWS"]
    app.config["EXPORT_MAX_ROWS"] = 6
    try:
        refused = client.get(path)
        narrowed = client.get(f"{path}?department={scene.dave_dept}")
    finally:
        app.config["EXPORT_MAX_ROWS"] = before

    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "符合条件的任务共 7 项，超过一次导出的上限 6 项" in text
    assert "缩小筛选范围" in text
    assert narrowed.status_code == 200


@pytest.mark.parametrize("path", [XLSX, CSV, PRINT, BULLETIN])
def test_it_sends_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def ledger_mimetype() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_it_exports_with_the_same_number_of_queries_for_3_or_30_tasks(app, client, personas):
    login(client, "alice@example.gov.cn")

    def add_tasks(number: int) -> None:
        with app.app_context():
            dave_dept = db.session.get(Department, personas.dave_dept.id)
            for n in range(number):
                task = make_task(lead_department_id=personas.bob_dept.id, co_departments=[dave_dept])
                db.session.add(ProgressUpdate(task=task, percent_done=10, text=f"进展{n}", created_at=FROZEN_NOW))
            db.session.commit()

    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get(XLSX).status_code == 200
        return len(statements)

    add_tasks(3)
    few = queries()
    add_tasks(27)
    assert queries() == few


# --- the bulletin ---------------------------------------------------------------------------


def east_asian_font(element) -> str | None:
    fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def table_texts(table) -> list[list[str]]:
    """The cells' texts; a header broken over two lines reads as one."""
    return [[cell.text.replace("\n", "") for cell in row.cells] for row in table.rows]


def test_it_writes_the_bulletin_with_the_figures_counted_by_hand(client, scene):
    login(client, "alice@example.gov.cn")

    response = client.get(BULLETIN)

    assert response.status_code == 200
    assert "20260601.docx" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == bulletin.TITLE
    assert paragraphs[1] == "（截至2026年6月1日）"
    assert (
        "截至2026年6月1日，共有整改任务6项，已办结2项，办结率33.3%；按期办结率66.7%，一次办结率50.0%；"
        "逾期未办结1项；累计批准延期1次。"
    ) in paragraphs
    assert paragraphs[-2:] == ["法制支队", "2026年6月1日"]  # signed by the issuer's department
    ranking, overdue = document.tables
    # Equal 办结率 (1 of 3): 治安支队 first, with no overdue task.
    assert table_texts(ranking) == [
        list(bulletin.RANKING_HEADERS),
        ["1", "治安支队", "3", "1", "0", "33.3%", "100.0%", "100.0%", "0"],
        ["2", "交警支队", "3", "1", "1", "33.3%", "50.0%", "0.0%", "1"],
    ]
    assert table_texts(overdue) == [
        list(bulletin.OVERDUE_HEADERS),
        ["1", MEASURE_TITLE, "交警支队", "2026年5月20日", "8"],
    ]
    assert ranking.style.name == "Table Grid"


def test_the_bulletin_lists_the_longest_overdue_and_says_how_many_in_all(client, scene, monkeypatch):
    monkeypatch.setattr(bulletin, "OVERDUE_LISTED", 0)
    login(client, "alice@example.gov.cn")

    document = Document(io.BytesIO(client.get(BULLETIN).data))

    paragraphs = [p.text for p in document.paragraphs]
    assert (
        "截至通报日，共有逾期未办结任务1项，以下列出逾期时间最长的0项；"
        "全部逾期任务可在任务列表中按“已逾期”筛选后导出整改督办台账。"
    ) in paragraphs
    assert "截至通报日，无逾期未办结任务。" not in paragraphs


def test_it_sets_the_east_asian_fonts_and_the_page_of_an_official_document(client, scene):
    login(client, "alice@example.gov.cn")

    document = Document(io.BytesIO(client.get(BULLETIN).data))

    body = document.styles["Normal"]
    assert east_asian_font(body.element) == "仿宋_GB2312"
    assert body.font.size.pt == 16
    heading = document.styles["Heading 1"].element
    assert east_asian_font(heading) == "黑体"
    assert heading.find(qn("w:rPr") + "/" + qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    title_run = document.paragraphs[0].runs[0]
    assert east_asian_font(title_run._element) == bulletin.TITLE_FONT and title_run.font.size.pt == 22
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


def test_it_counts_the_bulletin_as_of_an_earlier_date(client, scene):
    login(client, "alice@example.gov.cn")

    document = Document(io.BytesIO(client.get(f"{BULLETIN}?date=2026-05-12").data))

    # On 5-12 only 治安巡查整改 was done (规范执法档案管理 closed on 5-15), and no deadline had passed.
    assert "截至2026年5月12日，共有整改任务6项，已办结1项，办结率16.7%；按期办结率100.0%，" in "".join(
        p.text for p in document.paragraphs
    )
    assert table_texts(document.tables[0])[1][:2] == ["1", "治安支队"]
    assert "截至通报日，无逾期未办结任务。" in [p.text for p in document.paragraphs]


@pytest.mark.parametrize("raw", ["2026-13-01", "yesterday", "2026-6-1", "20260601"])
def test_it_refuses_a_malformed_bulletin_date_in_chinese(client, scene, raw):
    login(client, "alice@example.gov.cn")

    response = client.get(f"{BULLETIN}?date={raw}")

    assert response.status_code == 400
    assert f"通报日期“{raw}”无效，请按“年-月-日”填写" in response.get_data(as_text=True)


def test_it_refuses_a_bulletin_dated_after_today(client, scene):
    login(client, "alice@example.gov.cn")

    response = client.get(f"{BULLETIN}?date=2026-06-02")

    assert response.status_code == 400
    assert "通报日期不能晚于今天" in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["bob@example.gov.cn", "carol@example.gov.cn"])
def test_it_keeps_the_bulletin_from_heads_and_staff(client, scene, email):
    login(client, email)

    response = client.get(BULLETIN)

    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.get_data(as_text=True)


def test_it_lets_a_leader_download_the_bulletin_unsigned(client, scene):
    login(client, "erin@example.gov.cn")

    document = Document(io.BytesIO(client.get(BULLETIN).data))

    assert document.paragraphs[-1].text != "2026年6月1日"  # a leader has no department to sign


# --- the files on their own -----------------------------------------------------------------


def row(**overrides) -> ledger.LedgerRow:
    values = {
        "number": 1,
        "problem": "",
        "measure": "任务",
        "lead_department": "交警支队",
        "co_departments": "",
        "assignee": "",
        "deadline": None,
        "progress": "",
        "completion": "未开始（0%）",
        "closed": False,
        "remarks": "",
        "light": "grey",
    }
    return ledger.LedgerRow(**(values | overrides))


def test_it_never_lets_a_cell_become_a_formula():
    rows = [row(measure='=HYPERLINK("http://evil")', progress="+1", remarks="@SUM(A1)")]

    sheet = load_workbook(io.BytesIO(ledger.write_xlsx(rows, "台账", TODAY, "筛选条件：全部任务"))).active
    parsed = next(csv.reader(io.StringIO(ledger.write_csv(rows).decode("utf-8-sig").splitlines()[1])))

    assert sheet["C3"].data_type == "s" and sheet["C3"].value == '=HYPERLINK("http://evil")'
    assert parsed[2] == '\'=HYPERLINK("http://evil")' and parsed[7] == "'+1" and parsed[10] == "'@SUM(A1)"


def test_it_keeps_markup_and_line_breaks_and_drops_control_characters_in_the_workbook():
    rows = [row(problem="<b>甲 & 乙</b>\n第二行", measure="含\x01控制符", deadline=None)]

    sheet = load_workbook(io.BytesIO(ledger.write_xlsx(rows, "台账", TODAY, "筛选条件：全部任务"))).active

    assert sheet["B3"].value == "<b>甲 & 乙</b>\n第二行"
    assert sheet["C3"].value == "含控制符"
    assert sheet["G3"].value is None


def test_it_counts_at_least_the_lines_excel_wraps_a_text_to():
    assert ledger.wrapped_lines("", 10) == 1
    assert ledger.wrapped_lines("交警支队", 11) == 1
    assert ledger.wrapped_lines("第一行\n第二行\r\n第三行", 30) == 3
    # Excel sets 11 Chinese characters on a line 24 units wide: 168 px less about 4 px of margins,
    # 14.7 px a character.
    assert 6 <= ledger.wrapped_lines("整" * 60, 24) <= 7


def test_it_writes_rows_as_high_as_their_wrapped_text():
    rows = [row(progress="第一行\n第二行\n第三行"), row(measure="整改措施" * 20), row()]

    sheet = load_workbook(io.BytesIO(ledger.write_xlsx(rows, "台账", TODAY, "筛选条件：全部任务"))).active

    line = 15  # pt, a line of 11-pt text in Excel
    heights = [sheet.row_dimensions[number].height for number in range(1, 6)]
    assert heights[0] >= 16 / 11 * line and heights[1] >= line  # the title and the header
    assert heights[2] >= 3 * line
    assert heights[3] >= 7 * line  # 80 characters, 12 a line in column C (26 units)
    assert line <= heights[4] < 2 * line


def test_it_prints_at_9_pt_or_more_with_the_header_row_and_the_filter_on_every_page():
    sheet = load_workbook(io.BytesIO(ledger.write_xlsx([row()], "台账", TODAY, "筛选条件：关键词：A&B"))).active

    assert sheet.page_setup.scale * ledger.BODY_SIZE >= 9 * 100
    assert not sheet.sheet_properties.pageSetUpPr.fitToPage  # never shrunk to fit the page
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.print_title_rows, sheet.print_title_cols) == ("$2:$2", "$A:$A")
    assert sheet.oddFooter.left.text == "筛选条件：关键词：A&&B"  # a lone & would start a code
    assert ledger.describe_filter([]) == "筛选条件：全部任务"


def test_it_formats_rates_as_percentages_or_a_dash():
    assert bulletin.percent(0.85) == "85.0%"
    assert bulletin.percent(1 / 3) == "33.3%"
    assert bulletin.percent(None) == "—"
