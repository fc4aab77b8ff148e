"""No dead ends: a department without a head is flagged where it is chosen, and the legal office
acts on its behalf (代签收, 代为申请延期, 代为申请办结) with a note the timeline keeps."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, make_department, make_task
from tracker.extensions import db
from tracker.models import Assignment, AuditEvent, Task, TaskState


@pytest.fixture
def headless_task(app, personas, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        department = make_department(name="网警支队")
        task = make_task(
            title="推进网络执法规范化",
            lead_department_id=department.id,
            state=TaskState.NOT_STARTED,
            assignment=Assignment.ASSIGNED,
            assigned_at=FROZEN_NOW,
            deadline=date(2026, 12, 31),
        )
        db.session.commit()
        return task.id


def post(client, url: str, task_id: int, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, f"/tasks/{task_id}")})


def test_the_task_page_warns_and_offers_to_act_on_behalf(client, personas, headless_task):
    login(client, personas.alice.email)
    page = client.get(f"/tasks/{headless_task}").get_data(as_text=True)
    assert "牵头单位目前没有在岗的部门负责人" in page
    assert f"/tasks/{headless_task}/on-behalf/acknowledge" in page
    assert "网警支队（无部门负责人）" in page  # the assign form's choice says so too


def test_the_legal_office_acknowledges_on_behalf_with_a_note(app, client, personas, headless_task):
    login(client, personas.alice.email)
    url = f"/tasks/{headless_task}/on-behalf/acknowledge"
    refused = post(client, url, headless_task, on_behalf_note="")
    assert refused.status_code == 400 and "请填写代为办理说明" in refused.get_data(as_text=True)
    done = post(client, url, headless_task, on_behalf_note="已电话联系网警支队，同意承办")
    assert done.status_code == 302
    page = client.get(f"/tasks/{headless_task}").get_data(as_text=True)
    assert "法制部门代为办理" in page and "已电话联系网警支队，同意承办" in page
    with app.app_context():
        assert db.session.get(Task, headless_task).assignment == Assignment.ACKNOWLEDGED
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task_acknowledged"))
        assert event.after["on_behalf"] is True and event.actor_id == personas.alice.id


def test_the_legal_office_applies_for_an_extension_and_a_closure_on_behalf(app, client, personas, headless_task):
    login(client, personas.alice.email)
    post(client, f"/tasks/{headless_task}/on-behalf/acknowledge", headless_task, on_behalf_note="电话确认")
    extension = post(
        client,
        f"/tasks/{headless_task}/on-behalf/extension",
        headless_task,
        new_deadline="2027-03-31",
        reason="等待平台上线",
        on_behalf_note="受网警支队委托",
    )
    assert extension.status_code == 302
    closure = client.post(
        f"/tasks/{headless_task}/on-behalf/closure",
        data={
            "summary": "制度已印发",
            "on_behalf_note": "受网警支队委托",
            "files": (io.BytesIO(b"%PDF-1.4 evidence"), "通知.pdf"),
            "csrf_token": csrf_token(client, f"/tasks/{headless_task}"),
        },
        content_type="multipart/form-data",
    )
    assert closure.status_code == 302
    with app.app_context():
        task = db.session.get(Task, headless_task)
        assert (
            task.state == TaskState.CLOSURE_PENDING and task.extension_requests[0].requested_by_id == personas.alice.id
        )


def test_a_head_cannot_act_on_behalf(client, personas, headless_task):
    login(client, personas.bob.email)
    response = post(client, f"/tasks/{headless_task}/on-behalf/acknowledge", headless_task, on_behalf_note="试试")
    assert response.status_code == 403


def test_assigning_to_a_department_without_a_head_warns(app, client, personas):
    with app.app_context():
        department = make_department(name="网警支队")
        task = make_task(title="新任务", state=TaskState.NOT_STARTED)
        db.session.commit()
        task_id, department_id = task.id, department.id
    login(client, personas.alice.email)
    response = post(
        client,
        f"/tasks/{task_id}/assign",
        task_id,
        lead_department=department_id,
        deadline="2026-12-31",
        priority="normal",
        version="1",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "网警支队没有在岗的部门负责人" in page
