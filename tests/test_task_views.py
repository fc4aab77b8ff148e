"""The task pages over HTTP: who may do what (the permission matrix), and what a refusal shows."""

from __future__ import annotations

import io
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, make_task, make_user
from tracker.extensions import db
from tracker.models import EvidenceAttachment, ProgressUpdate, Role, Task
from tracker.services import workflow
from tracker.services.evidence import Upload

TODAY = date(2026, 6, 1)
FORBIDDEN = "您没有执行此操作的权限"


@pytest.fixture
def scene(app, personas, tmp_path):
    """A task of 交警支队 (bob heads it, carol is assigned), in progress, with one evidence file
    and a pending extension request; plus eve, a member of staff of 治安支队."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        get = db.session.get
        alice, bob, carol = (
            get(type(personas.alice), personas.alice.id),
            get(type(personas.bob), personas.bob.id),
            get(type(personas.carol), personas.carol.id),
        )
        make_user(Role.STAFF, email="eve@example.gov.cn", department_id=personas.dave_dept.id)
        task = make_task(title="加强培训，增强法治意识")
        workflow.assign(
            task,
            alice,
            lead_department=get(type(personas.bob_dept), personas.bob_dept.id),
            co_departments=[],
            assignee=carol,
            start_date=TODAY,
            deadline=TODAY + timedelta(days=30),
            priority=task.priority,
            expected_version=None,
            now=FROZEN_NOW,
        )
        workflow.acknowledge(task, bob, FROZEN_NOW)
        workflow.record_progress(
            task,
            carol,
            percent=30,
            text="完成一期培训",
            files=[Upload("签到表.pdf", "application/pdf", b"%PDF")],
            now=FROZEN_NOW,
        )
        request = workflow.request_extension(
            task, bob, new_deadline=TODAY + timedelta(days=45), reason="场地推迟", now=FROZEN_NOW
        )
        db.session.commit()
        attachment_id = db.session.scalar(sa.select(EvidenceAttachment.id))
        return {"task": task.id, "attachment": attachment_id, "extension": request.id}


PEOPLE = {
    "alice": "alice@example.gov.cn",  # legal office
    "bob": "bob@example.gov.cn",  # head of the lead department
    "carol": "carol@example.gov.cn",  # staff assigned to the task
    "dave": "dave@example.gov.cn",  # head of another department
    "eve": "eve@example.gov.cn",  # staff of another department
    "erin": "erin@example.gov.cn",  # leader
    "frank": "frank@example.gov.cn",  # administrator
}
OFFICE = {"alice", "frank"}
SEE = {"alice", "bob", "carol", "erin", "frank"}
# (method, path template, who may): every task route.
MATRIX = [
    ("GET", "/tasks/{task}", SEE),
    ("GET", "/evidence/{attachment}", SEE),
    ("GET", "/tasks", set(PEOPLE)),  # each sees the tasks that are theirs to see
    ("GET", "/tasks/export.xlsx", set(PEOPLE)),
    ("GET", "/dashboard", {"alice", "bob", "dave", "erin", "frank"}),
    ("GET", "/dashboard/bulletin.docx", {"alice", "erin", "frank"}),
    ("POST", "/tasks/{task}/edit", OFFICE),
    ("POST", "/tasks/{task}/assign", OFFICE),
    ("POST", "/tasks/{task}/acknowledge", {"bob"}),
    ("POST", "/tasks/{task}/return", {"bob"}),
    ("POST", "/tasks/{task}/staff", {"bob"}),
    ("POST", "/tasks/{task}/progress", {"bob", "carol"}),
    ("POST", "/tasks/{task}/extension", {"bob"}),
    ("POST", "/extensions/{extension}/decide", OFFICE),
    ("POST", "/tasks/{task}/closure", {"bob"}),
    ("POST", "/tasks/{task}/verify", OFFICE),
    ("POST", "/tasks/{task}/send-back", OFFICE),
    ("POST", "/tasks/{task}/hold", OFFICE),
    ("POST", "/tasks/{task}/resume", OFFICE),
    ("POST", "/tasks/{task}/cancel", OFFICE),
    ("POST", "/tasks/{task}/urge", OFFICE),
    ("POST", "/tasks/{task}/milestones", OFFICE | {"bob"}),
    ("POST", "/tasks/{task}/chases", OFFICE),
    ("POST", "/tasks/{task}/reminders", OFFICE),
]
CASES = [
    pytest.param(method, path, person, person in allowed, id=f"{person}-{method}-{path}")
    for method, path, allowed in MATRIX
    for person in PEOPLE
]


@pytest.mark.parametrize(("method", "path", "person", "allowed"), CASES)
def test_it_allows_or_refuses_each_role_each_action(client, scene, method, path, person, allowed):
    login(client, PEOPLE[person])
    url = path.format(**scene)
    token = csrf_token(client, "/my")
    response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
    if allowed:
        assert response.status_code != 403, response.get_data(as_text=True)[:300]
    else:
        assert response.status_code == 403
        assert FORBIDDEN in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in MATRIX])
def test_it_sends_anonymous_visitors_to_sign_in(client, scene, method, path):
    """Every route of the app: tests/test_sign_in_required.py."""
    url = path.format(**scene)
    token = csrf_token(client, "/login")  # the visitor's own, so that a POST gets past the CSRF check
    response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_it_refuses_a_post_without_the_csrf_token(client, scene):
    login(client, PEOPLE["bob"])
    response = client.post(f"/tasks/{scene['task']}/acknowledge")
    assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True)


def test_it_shows_the_task_with_its_timeline_to_the_lead_head(client, scene):
    login(client, PEOPLE["bob"])
    page = client.get(f"/tasks/{scene['task']}").get_data(as_text=True)
    for text in ("加强培训，增强法治意识", "交警支队", "完成一期培训", "签到表.pdf", "申请延期", "签收", "反馈进展"):
        assert text in page, text


def test_it_serves_evidence_only_as_a_download(client, scene):
    login(client, PEOPLE["carol"])
    response = client.get(f"/evidence/{scene['attachment']}")
    assert response.status_code == 200 and response.data == b"%PDF"
    assert "attachment" in response.headers["Content-Disposition"]


def test_it_refuses_a_stale_edit_and_keeps_what_the_user_typed(app, client, scene):
    login(client, PEOPLE["alice"])
    with app.app_context():
        seen_version = db.session.get(Task, scene["task"]).version
        db.session.execute(sa.text("UPDATE tasks SET title = '他人改过的标题', version = version + 1"))
        db.session.commit()
    response = client.post(
        f"/tasks/{scene['task']}/edit",
        data={
            "csrf_token": csrf_token(client, "/my"),
            "title": "我的新标题",
            "description": "我写了很久的说明",
            "version": seen_version,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "其他人已修改了此任务" in page
    assert "我写了很久的说明" in page and 'value="我的新标题"' in page
    # The edit panel is open with what the task holds now beside what the user typed.
    beside = page[page.index('<div class="conflict-beside">') :]
    beside = beside[: beside.index("</form>")]
    assert beside.index("现在的内容") < beside.index("他人改过的标题") < beside.index("您填写的内容")
    assert beside.index("您填写的内容") < beside.index('value="我的新标题"')
    with app.app_context():
        assert db.session.get(Task, scene["task"]).title == "他人改过的标题"


def test_it_refuses_a_forbidden_file_type_and_keeps_the_text(app, client, scene):
    login(client, PEOPLE["carol"])
    response = client.post(
        f"/tasks/{scene['task']}/progress",
        data={
            "csrf_token": csrf_token(client, "/my"),
            "percent": "60",
            "text": "第二期培训已完成",
            "files": [(io.BytesIO(b"MZ..."), "tool.exe")],
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "不允许上传“.exe”类型的文件" in page and "第二期培训已完成" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 1
        assert db.session.get(Task, scene["task"]).percent_done == 30


def test_it_answers_an_oversized_upload_in_chinese(app, client, scene):
    login(client, PEOPLE["carol"])
    token = csrf_token(client, "/my")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post(
            f"/tasks/{scene['task']}/progress",
            data={
                "csrf_token": token,
                "percent": "60",
                "text": "见附件",
                "files": [(io.BytesIO(b"0" * 4096), "a.pdf")],
            },
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 1


def test_it_refuses_a_wrong_date_and_keeps_the_reason(app, client, scene):
    with app.app_context():
        db.session.execute(sa.text("UPDATE extension_requests SET status = 'refused'"))
        db.session.commit()
    login(client, PEOPLE["bob"])
    response = client.post(
        f"/tasks/{scene['task']}/extension",
        data={"csrf_token": csrf_token(client, "/my"), "new_deadline": "2026-13-45", "reason": "需要协调三个部门"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“2026-13-45”不是有效的日期" in page and "需要协调三个部门" in page


def test_it_walks_acknowledge_to_verified_closure_over_http(app, client, scene):
    login(client, PEOPLE["bob"])
    response = client.post(
        f"/tasks/{scene['task']}/closure",
        data={
            "csrf_token": csrf_token(client, "/my"),
            "summary": "两期培训均已完成",
            "files": [(io.BytesIO(b"%PDF"), "总结.pdf")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "办结申请已提交" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/my")})
    login(client, PEOPLE["alice"])
    response = client.post(
        f"/tasks/{scene['task']}/verify", data={"csrf_token": csrf_token(client, "/my")}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "已审核通过，任务销号" in page and "已办结" in page


def test_it_lists_my_work_by_urgency_with_working_days(app, client, scene):
    with app.app_context():
        make_task(
            title="另一项任务",
            lead_department_id=db.session.get(Task, scene["task"]).lead_department_id,
            deadline=date(2099, 1, 1),
            assignment="acknowledged",
        )
        db.session.commit()
    login(client, PEOPLE["bob"])
    page = client.get("/my").get_data(as_text=True)
    assert page.index("加强培训，增强法治意识") < page.index("另一项任务")
    assert "个工作日" in page


def test_it_keeps_a_chase_record_of_mails_and_offline_chases(app, client, scene):
    login(client, PEOPLE["alice"])
    token = csrf_token(client, "/my")
    client.post(f"/tasks/{scene['task']}/urge", data={"csrf_token": token, "message": "请本周反馈"})
    response = client.post(
        f"/tasks/{scene['task']}/chases",
        data={"csrf_token": token, "method": "phone", "happened_on": "2026-06-01", "note": "电话联系张支队长"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "催办记录已添加" in page
    record = page[page.index("催办记录</h2>") :]
    assert "电话催办" in record and "电话联系张支队长" in record
    assert "【催办】加强培训，增强法治意识" in record and "bob@example.gov.cn" in record
    assert "交办通知" in record  # the mail sent when the task was assigned


def test_it_refuses_an_offline_urge_in_the_future(client, scene):
    login(client, PEOPLE["alice"])
    response = client.post(
        f"/tasks/{scene['task']}/chases",
        data={"csrf_token": csrf_token(client, "/my"), "method": "visit", "happened_on": "2099-01-01", "note": "上门"},
    )
    assert response.status_code == 409 and "催办时间不能晚于现在" in response.get_data(as_text=True)


def test_it_sets_and_clears_the_reminder_days_of_one_task(app, client, scene):
    login(client, PEOPLE["alice"])
    token = csrf_token(client, "/my")
    url = f"/tasks/{scene['task']}/reminders"
    page = client.post(url, data={"csrf_token": token, "lead_workdays": "5，2"}, follow_redirects=True)
    assert "本任务的提醒规则已保存" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Task, scene["task"]).reminder_overrides == {"lead_workdays": [5, 2]}
    refused = client.post(url, data={"csrf_token": token, "lead_workdays": "0"})
    assert refused.status_code == 409 and "须为 1 到 60 之间的整数" in refused.get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "lead_workdays": ""})
    with app.app_context():
        assert db.session.get(Task, scene["task"]).reminder_overrides is None
