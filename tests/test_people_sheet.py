"""Importing an office's people sheet (通讯录): reading, planning, applying, exporting; the command
and the pages. Personas: frank the administrator imports; bob heads 交警支队, carol works there."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.conftest import count_queries, csrf_token, login
from tests.factories import FROZEN_NOW, make_department, make_task, make_user
from tracker.extensions import db
from tracker.models import AuditEvent, Department, Notification, Role, User
from tracker.services import people_sheet
from tracker.services.people_sheet import SheetError
from tracker.views import people_sheet as people_sheet_views


@pytest.fixture(autouse=True)
def uploads_of_this_test(app, monkeypatch, tmp_path):
    """Uploads kept for the preview go to the test's own folder, not the checkout's instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))


HEADER = ("部门", "姓名", "职务/角色", "邮箱", "手机")


def xlsx(rows: list[tuple], header: tuple = HEADER, title: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append((title,))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[tuple], encoding: str, header: tuple = HEADER) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    return text.getvalue().encode(encoding)


def plan_of(data: bytes, filename: str = "通讯录.xlsx") -> people_sheet.Plan:
    return people_sheet.plan_import(people_sheet.read_sheet(data, filename))


def apply(data: bytes, filename: str = "通讯录.xlsx", actor: User | None = None) -> people_sheet.Plan:
    plan = plan_of(data, filename)
    assert not plan.problems, plan.problems
    people_sheet.apply_plan(plan, actor=actor, now=FROZEN_NOW)
    db.session.commit()
    return plan


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, Department, AuditEvent, Notification)
    )


OFFICE = [
    ("交警支队", "交警张", "部门负责人", "bob@example.gov.cn", "13900000001"),  # bob, now with a phone
    ("交警支队", "交警钱", "工作人员", "qian@example.gov.cn", ""),
    ("车管所", "车管孙", "部门负责人", "sun@example.gov.cn", 13900000002),
    ("宣传科", "", "", "", ""),  # a department on its own
    ("", "局长周", "领导", "zhou@example.gov.cn", ""),
]


def test_it_plans_creates_updates_and_lists_the_missing_without_writing(app, ctx, personas):
    before = counts()
    plan = plan_of(xlsx(OFFICE))
    assert counts() == before
    assert plan.problems == []
    assert plan.new_departments == ["车管所", "宣传科"]
    assert [(p.email, p.role, p.department) for p in plan.create] == [
        ("qian@example.gov.cn", Role.STAFF, "交警支队"),
        ("sun@example.gov.cn", Role.HEAD, "车管所"),
        ("zhou@example.gov.cn", Role.LEADER, None),
    ]
    assert plan.create[1].phone == "13900000002"  # a number cell loses no ".0"
    assert [(p.email, p.changes) for p in plan.update] == [("bob@example.gov.cn", ("手机",))]
    assert {user.email for user in plan.missing} == {
        f"{name}@example.gov.cn" for name in ("alice", "carol", "dave", "erin", "frank")
    }


def test_it_applies_the_plan_then_a_second_import_changes_nothing(app, ctx, personas):
    frank = db.session.get(User, personas.frank.id)
    apply(xlsx(OFFICE), actor=frank)
    qian = db.session.scalar(sa.select(User).where(User.email == "qian@example.gov.cn"))
    assert (qian.name, qian.role, qian.department.name, qian.phone) == ("交警钱", Role.STAFF, "交警支队", None)
    assert not qian.has_usable_password and not qian.check_password("") and not qian.must_change_password
    assert db.session.scalar(sa.select(User.phone).where(User.email == "bob@example.gov.cn")) == "13900000001"
    mails = db.session.scalars(sa.select(Notification.recipient_email)).all()
    assert sorted(mails) == ["qian@example.gov.cn", "sun@example.gov.cn", "zhou@example.gov.cn"]
    assert db.session.scalar(sa.select(Department).where(Department.name == "宣传科")) is not None

    before = counts()
    plan = apply(xlsx(OFFICE), actor=frank)
    assert (plan.new_departments, plan.create, plan.update, len(plan.unchanged)) == ([], [], [], 4)
    assert counts() == before  # no user, department, audit event or mail


def test_it_imports_300_people_in_one_go_with_a_bounded_number_of_queries(app, ctx, personas):
    rows = [(f"部门{i % 12}", f"人员{i}", "工作人员", f"p{i}@example.gov.cn", f"1390000{i:04d}") for i in range(300)]
    rows += [(f"部门{i}", f"负责人{i}", "部门负责人", f"h{i}@example.gov.cn", "") for i in range(12)]
    data = xlsx(rows)
    with count_queries(app) as planning:
        plan = plan_of(data)
    assert len(planning) <= 5  # whatever the number of rows
    assert (len(plan.create), len(plan.new_departments)) == (312, 12)
    with count_queries(app) as applying:
        people_sheet.apply_plan(plan, actor=None, now=FROZEN_NOW)
        db.session.commit()
    assert len(applying) <= 12 * 5 + 312 * 12  # a constant per person and per department
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email.like("p%"))) == 300
    before = counts()
    assert not plan_of(data).changes_anything
    assert counts() == before


def test_it_reports_each_problem_with_its_row_and_column_and_writes_nothing(app, ctx, personas):
    rows = [
        ("交警支队", "甲", "科长", "jia@example.gov.cn", ""),  # row 2: unknown role
        ("交警支队", "乙", "工作人员", "not-an-email", ""),  # row 3: bad e-mail
        ("交警支队", "丙", "工作人员", "bing@example.gov.cn", ""),  # row 4
        ("交警支队", "丙二", "工作人员", "BING@example.gov.cn", ""),  # row 5: the same e-mail again
        ("交警 支队", "丁", "工作人员", "ding@example.gov.cn", ""),  # row 6: 交警支队 with a space
        ("治安支队", "", "工作人员", "wu@example.gov.cn", ""),  # row 7: no name
        ("", "己", "部门负责人", "ji@example.gov.cn", ""),  # row 8: a head without a department
        ("ＡＢＣ科", "庚", "工作人员", "geng@example.gov.cn", ""),  # row 9: a new department…
        ("abc 科", "辛", "工作人员", "xin@example.gov.cn", ""),  # row 10: …spelt another way
    ]
    before = counts()
    plan = plan_of(xlsx(rows))
    found = [(p.row, p.column) for p in plan.problems]
    assert found == [
        (2, "职务/角色"),
        (3, "邮箱"),
        (5, "邮箱"),
        (6, "部门"),
        (7, "姓名"),
        (8, "部门"),
        (10, "部门"),
    ]
    messages = {p.row: p.message for p in plan.problems}
    assert "科长" in messages[2] and "部门负责人" in messages[2]
    assert "第 4 行" in messages[5]
    assert "交警支队" in messages[6]  # names the existing department
    assert "部门负责人和工作人员必须选择所在部门" in messages[8]
    with pytest.raises(people_sheet.PeopleError):
        people_sheet.apply_plan(plan, actor=None, now=FROZEN_NOW)
    db.session.rollback()
    assert counts() == before


def test_it_refuses_to_take_away_the_last_administrators_role(app, ctx, personas):
    plan = plan_of(xlsx([("", "管理员", "法制部门", "frank@example.gov.cn", "")]))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "职务/角色")]


@pytest.mark.parametrize(
    "rows",
    [
        # the only administrator hands over to a new one…
        [("", "管理员", "法制部门", "frank@example.gov.cn", ""), ("", "新管理员", "管理员", "root@example.gov.cn", "")],
        # …or to an existing user, promoted in the same sheet (in either order)
        [("", "管理员", "法制部门", "frank@example.gov.cn", ""), ("", "局领导", "管理员", "erin@example.gov.cn", "")],
        [("", "局领导", "管理员", "erin@example.gov.cn", ""), ("", "管理员", "法制部门", "frank@example.gov.cn", "")],
    ],
    ids=["new administrator", "promoted after", "promoted before"],
)
def test_the_last_administrator_may_hand_over_within_the_sheet(app, ctx, personas, rows):
    plan = apply(xlsx(rows), actor=db.session.get(User, personas.frank.id))
    assert plan.problems == []
    admins = db.session.scalars(sa.select(User.email).where(User.role == Role.ADMIN, User.is_active)).all()
    assert admins == [email for (_, _, role, email, _) in rows if role == "管理员"]
    assert db.session.scalar(sa.select(User.role).where(User.email == "frank@example.gov.cn")) == Role.LEGAL


def test_the_last_administrator_is_kept_when_the_new_one_cannot_be_imported(app, ctx, personas):
    rows = [("", "管理员", "法制部门", "frank@example.gov.cn", ""), ("", "", "管理员", "root@example.gov.cn", "")]
    plan = plan_of(xlsx(rows))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "职务/角色"), (3, "姓名")]


def test_the_page_imports_a_sheet_handing_over_the_last_administrators_role(app, client, personas):
    login(client, personas.frank.email)
    rows = [
        ("", "管理员", "法制部门", "frank@example.gov.cn", ""),
        ("", "新管理员", "管理员", "root@example.gov.cn", ""),
    ]
    preview_url = _upload(client, xlsx(rows), "通讯录.xlsx").headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "确认导入" in preview
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    confirmed = client.post(preview_url, data={"csrf_token": token})
    assert confirmed.status_code == 302  # not 409 with the same problem-free preview
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.email == "root@example.gov.cn")) == Role.ADMIN
        assert db.session.scalar(sa.select(User.role).where(User.email == "frank@example.gov.cn")) == Role.LEGAL


BOB_AS_STAFF = ("交警支队", "交警张", "工作人员", "bob@example.gov.cn", "")
BOB_MOVED = ("治安支队", "交警张", "部门负责人", "bob@example.gov.cn", "")
CAROL_AS_HEAD = ("交警支队", "交警李", "部门负责人", "carol@example.gov.cn", "")
NEW_HEAD = ("交警支队", "交警钱", "部门负责人", "qian@example.gov.cn", "")
HEADLESS_WARNING = "交警支队已没有在岗的部门负责人，其牵头的 1 项未办结任务需由法制部门代为办理或另行指定负责人。"


@pytest.mark.parametrize(
    ("rows", "warned"),
    [
        ([BOB_AS_STAFF], True),
        ([BOB_MOVED], True),
        ([BOB_AS_STAFF, CAROL_AS_HEAD], False),
        ([CAROL_AS_HEAD, BOB_MOVED], False),
        ([BOB_AS_STAFF, NEW_HEAD], False),
        ([("交警支队", "交警张", "部门负责人", "bob@example.gov.cn", "13900000001")], False),  # stays head
    ],
)
def test_it_warns_when_the_sheet_leaves_a_department_with_open_tasks_without_a_head(app, ctx, personas, rows, warned):
    make_task(lead_department_id=personas.bob_dept.id)
    db.session.commit()
    plan = plan_of(xlsx(rows))
    assert plan.problems == []  # a warning does not stop the import
    assert [warning.message for warning in plan.warnings] == ([HEADLESS_WARNING] if warned else [])
    assert plan.to_json()["warnings"] == ([HEADLESS_WARNING] if warned else [])


@pytest.mark.parametrize(("demote_both", "warned"), [(False, False), (True, True)])
def test_it_warns_when_the_sheet_demotes_every_head_of_a_department(app, ctx, personas, demote_both, warned):
    make_user(Role.HEAD, email="wei@example.gov.cn", name="交警魏", department_id=personas.bob_dept.id)
    make_task(lead_department_id=personas.bob_dept.id)
    db.session.commit()
    rows = [BOB_AS_STAFF] + ([("交警支队", "交警魏", "工作人员", "wei@example.gov.cn", "")] if demote_both else [])
    assert bool(plan_of(xlsx(rows)).warnings) is warned


def test_it_does_not_warn_about_a_department_without_open_tasks(app, ctx, personas):
    assert plan_of(xlsx([BOB_AS_STAFF])).warnings == []


@pytest.mark.parametrize(("rows", "warned"), [([BOB_AS_STAFF], True), ([BOB_AS_STAFF, CAROL_AS_HEAD], False)])
def test_the_preview_shows_the_warning_above_the_confirm_button(app, client, personas, rows, warned):
    with app.app_context():
        make_task(lead_department_id=personas.bob_dept.id)
        db.session.commit()
    login(client, personas.frank.email)
    page = client.get(_upload(client, xlsx(rows), "通讯录.xlsx").headers["Location"]).get_data(as_text=True)
    assert "确认导入" in page
    assert (HEADLESS_WARNING in page) is warned
    if warned:
        assert page.index(HEADLESS_WARNING) < page.index("确认导入")


@pytest.mark.parametrize(
    ("filename", "encode"),
    [
        ("通讯录.xlsx", lambda rows: xlsx(rows, header=("邮箱", "姓 名", "Ｅｍａｉｌ", "角色", "部门名称"))),
        (
            "通讯录.csv",
            lambda rows: csv_bytes(rows, "utf-8-sig", header=("邮箱", "姓 名", "Ｅｍａｉｌ", "角色", "部门名称")),
        ),
        ("通讯录.csv", lambda rows: csv_bytes(rows, "utf-8", header=("电子邮箱", "姓名", "手机号", "职务", "部门"))),
        ("通讯录.CSV", lambda rows: csv_bytes(rows, "gb18030", header=("Email", "姓名", "电话", "职务／角色", "部门"))),
    ],
)
def test_it_reads_xlsx_and_csv_in_any_encoding_and_column_order(app, ctx, personas, filename, encode):
    rows = [("xu@example.gov.cn", "许", "13700000000", "工作人员", "交警支队")]
    plan = plan_of(encode(rows), filename)
    assert plan.problems == []
    [person] = plan.create
    assert (person.email, person.name, person.role, person.department) == (
        "xu@example.gov.cn",
        "许",
        Role.STAFF,
        "交警支队",
    )


def test_it_finds_the_header_under_a_title_and_skips_blank_rows(app, ctx, personas):
    rows = [
        ("交警支队", "许", "工作人员", "xu@example.gov.cn", ""),
        (None, None, None, None, None),
        ("", "", "", "", ""),
    ]
    assert [p.row for p in plan_of(xlsx(rows, title="某某局通讯录")).create] == [3]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"whatever", "people.xls", "另存为"),
        (b"whatever", "people.txt", ".xlsx 或 .csv"),
        (b"not a zip", "people.xlsx", "无法读取"),
        ("部门,姓名\n".encode() + b"\xff\xfe\x00\x81", "people.csv", "编码"),
        ("部门,姓名,邮箱\n交警支队,许,xu@example.gov.cn\n".encode(), "people.csv", "职务/角色"),
        ("甲,乙\n".encode(), "people.csv", "表头"),
    ],
)
def test_it_says_why_a_file_cannot_be_read(app, ctx, data, filename, message):
    with pytest.raises(SheetError) as error:
        people_sheet.read_sheet(data, filename)
    assert message in error.value.message


def _truncated_xlsx() -> bytes:
    """A workbook whose sheet XML breaks off half-way (a download cut short, a damaged disk)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(OFFICE * 20)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            damaged.writestr(member, content)
    return buffer.getvalue()


def _long_cell_csv() -> bytes:
    """A CSV with a cell beyond the csv module's field size limit (131,072 characters)."""
    return csv_bytes([("交警支队", "许" * 200_000, "工作人员", "xu@example.gov.cn", "")], "utf-8")


UNREADABLE = [
    (_truncated_xlsx, "people.xlsx", "无法读取该 .xlsx 文件"),
    (_long_cell_csv, "people.csv", "无法读取该 .csv 文件"),
]


@pytest.mark.parametrize(("make", "filename", "message"), UNREADABLE, ids=["truncated xlsx", "long csv cell"])
def test_it_says_why_a_damaged_file_cannot_be_read(app, ctx, make, filename, message):
    with pytest.raises(SheetError) as error:
        people_sheet.read_sheet(make(), filename)
    assert message in error.value.message


def test_it_exports_a_sheet_that_imports_back_unchanged(app, ctx, personas):
    make_department(name="空部门")
    db.session.commit()
    apply(xlsx(OFFICE))
    exported = people_sheet.export_xlsx()
    sheet = load_workbook(io.BytesIO(exported)).active
    values = [tuple(cell or "" for cell in row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert ("交警支队", "交警张", "部门负责人", "bob@example.gov.cn", "13900000001") in values
    assert ("空部门", "", "", "", "") in values
    before = counts()
    plan = plan_of(exported)
    assert (plan.problems, plan.changes_anything, plan.missing) == ([], False, [])
    assert counts() == before


def test_the_template_reads_as_a_plan_of_one_person(app, ctx):
    plan = plan_of(people_sheet.template_xlsx())
    assert [p.email for p in plan.create] == ["zhangsan@example.gov.cn"] and plan.problems == []


# --- the command -----------------------------------------------------------------------------------


def test_the_command_prints_the_plan_as_json_and_changes_nothing_on_a_dry_run(app, runner, personas, tmp_path: Path):
    path = tmp_path / "通讯录.xlsx"
    path.write_bytes(xlsx(OFFICE))
    result = runner.invoke(args=["import-people", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert [p["email"] for p in plan["create"]] == ["qian@example.gov.cn", "sun@example.gov.cn", "zhou@example.gov.cn"]
    assert (plan["unchanged"], plan["problems"], len(plan["missing"])) == (0, [], 5)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "qian@example.gov.cn")) is None
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "qian@example.gov.cn")) is not None


def test_the_command_exits_non_zero_with_the_problems(app, runner, personas, tmp_path: Path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([("交警支队", "甲", "科长", "jia@example.gov.cn", "")], "utf-8"))
    result = runner.invoke(args=["import-people", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"] == [
        {"row": 2, "column": "职务/角色", "message": json.loads(result.output)["problems"][0]["message"]}
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "jia@example.gov.cn")) is None


# --- the pages -------------------------------------------------------------------------------------


def _upload(client, data: bytes, filename: str):
    token = csrf_token(client, "/admin/people/import")
    return client.post(
        "/admin/people/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_it_uploads_previews_and_confirms_an_import(app, client, personas):
    login(client, personas.frank.email)
    index = client.get("/admin/").get_data(as_text=True)
    assert "从通讯录导入" in index
    uploaded = _upload(client, xlsx(OFFICE), "通讯录.xlsx")
    assert uploaded.status_code == 302
    preview_url = uploaded.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "qian@example.gov.cn" in preview and "确认导入" in preview and "车管所" in preview
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "qian@example.gov.cn")) is None
    refused = client.post(preview_url, data={})
    assert refused.status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    done = client.post(preview_url, data={"csrf_token": token}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "新建人员 3 名" in page
    assert "宣传科" in page and "查看该部门人员并指定负责人" in page  # 宣传科 has no head
    assert client.get(preview_url).status_code == 404  # the file is gone
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "qian@example.gov.cn")) is not None


def test_it_shows_problems_without_a_confirm_button(app, client, personas):
    login(client, personas.frank.email)
    uploaded = _upload(client, csv_bytes([("交警支队", "甲", "科长", "jia@example.gov.cn", "")], "gb18030"), "a.csv")
    page = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "科长" in page and "确认导入" not in page


def test_it_refuses_a_file_it_cannot_read_with_the_reason(app, client, personas):
    login(client, personas.frank.email)
    response = _upload(client, b"\x00\x01", "people.xls")
    assert response.status_code == 400 and "另存为" in response.get_data(as_text=True)


@pytest.mark.parametrize(("make", "filename", "message"), UNREADABLE, ids=["truncated xlsx", "long csv cell"])
def test_it_refuses_a_damaged_file_with_the_reason(
    app, client, personas, monkeypatch, tmp_path: Path, make, filename, message
):
    monkeypatch.setattr(people_sheet_views, "_folder", lambda: tmp_path)
    login(client, personas.frank.email)
    response = _upload(client, make(), filename)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert list(tmp_path.iterdir()) == []  # nothing kept


def test_an_upload_does_not_fail_on_a_stale_file_another_request_removed(
    app, client, personas, monkeypatch, tmp_path: Path
):
    monkeypatch.setattr(people_sheet_views, "_folder", lambda: tmp_path)
    gone = tmp_path / "0-gone-meanwhile.xlsx"
    gone.write_bytes(b"")
    stat = Path.stat

    def racing_stat(self: Path, *args, **kwargs):
        if self.name == gone.name:
            self.unlink(missing_ok=True)  # another request cleaned it up between the listing and now
        return stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", racing_stat)
    login(client, personas.frank.email)
    assert _upload(client, xlsx(OFFICE), "通讯录.xlsx").status_code == 302
    assert [path.name.split("-", 1)[0] for path in tmp_path.iterdir()] == [str(personas.frank.id)]


@pytest.mark.parametrize(
    "path",
    ["/admin/people/import", "/admin/people/template.xlsx", "/admin/people/export.xlsx", "/admin/people/import/done"],
)
@pytest.mark.parametrize("who", ["alice", "bob", "erin"])
def test_only_the_administrator_may_import_or_export(app, client, personas, path, who):
    login(client, getattr(personas, who).email)
    assert client.get(path).status_code == 403


def test_another_administrators_upload_is_not_found(app, client, personas):
    login(client, personas.frank.email)
    uploaded = _upload(client, xlsx(OFFICE), "通讯录.xlsx")
    with app.app_context():
        other = User(email="root@example.gov.cn", name="另一管理员", role=Role.ADMIN, created_at=FROZEN_NOW)
        other.set_password("correct horse 马")
        db.session.add(other)
        db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    second = app.test_client()
    login(second, "root@example.gov.cn")
    assert second.get(uploaded.headers["Location"]).status_code == 404


def test_it_downloads_the_template_and_the_export(app, client, personas):
    login(client, personas.frank.email)
    for path in ("/admin/people/template.xlsx", "/admin/people/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 200
        assert next(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)) == HEADER


def test_the_admin_index_lists_departments_without_a_head_with_a_way_to_fix_it(app, client, personas):
    with app.app_context():
        empty = make_department(name="督察科")
        db.session.commit()
        empty_id = empty.id
    login(client, personas.frank.email)
    page = client.get("/admin/").get_data(as_text=True)
    assert "以下部门还没有在岗的部门负责人" in page and f"/admin/?department={empty_id}" in page
    filtered = client.get(f"/admin/?department={personas.bob_dept.id}").get_data(as_text=True)
    assert "carol@example.gov.cn" in filtered and "alice@example.gov.cn" not in filtered
