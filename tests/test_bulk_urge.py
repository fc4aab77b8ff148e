"""催办 from the task list: one message to every task picked (or every task the filter shows),
each urged and recorded on its own, at most once a day, with a summary of what was skipped."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests.conftest import csrf_token, login
from tests.factories import assign_task, make_task
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Notification, Task, TaskState
from tracker.services import workflow
from tracker.services.evidence import Upload
from tracker.services.timeline import urge_record


def overdue_tasks(app, personas, count: int = 3, **overrides) -> list[int]:
    with app.app_context():
        alice = db.session.get(type(personas.alice), personas.alice.id)
        ids = []
        for n in range(count):
            task = make_task(title=f"逾期事项{n + 1}")
            assign_task(
                task, alice, db.session.get(type(personas.bob_dept), personas.bob_dept.id), deadline=date(2020, 1, 1)
            )
            for name, value in overrides.items():
                setattr(task, name, value)
            ids.append(task.id)
        db.session.commit()
        return ids


def urges(app, task_id: int) -> list[Notification]:
    """The 催办 mails in the task's 催办记录."""
    with app.app_context():
        return [n for n in urge_record(db.session.get(Task, task_id)) if getattr(n, "kind", "") == "urge"]


def test_the_picked_tasks_are_each_urged_once_with_one_message(app, client, personas):
    ids = overdue_tasks(app, personas)
    login(client, personas.alice.email)
    token = csrf_token(client, "/tasks")
    data = {
        "csrf_token": token,
        "message": "请本周报送进展",
        "scope": "selected",
        "task_ids": [str(i) for i in ids[:2]],
    }
    response = client.post("/tasks/urge", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已催办 2 项任务" in page
    assert [len(urges(app, i)) for i in ids] == [1, 1, 0]
    with app.app_context():
        bodies = db.session.scalars(sa.select(Notification.body_text).where(Notification.kind == "urge")).all()
    assert bodies and all("请本周报送进展" in body for body in bodies)
    again = client.post("/tasks/urge", data=data, follow_redirects=True).get_data(as_text=True)
    assert "2 项今天已催办过，未重复发送" in again and "已催办 2 项任务" not in again
    assert [len(urges(app, i)) for i in ids] == [1, 1, 0]


def test_everything_the_filter_shows_is_urged_and_closed_tasks_are_skipped_with_the_reason(app, client, personas):
    ids = overdue_tasks(app, personas)
    with app.app_context():
        closed = make_task(title="已办结的事项", lead_department_id=personas.bob_dept.id, deadline=date(2020, 1, 1))
        closed.state = TaskState.DONE
        other = make_task(title="治安支队的事项", lead_department_id=personas.dave_dept.id, deadline=date(2020, 1, 1))
        db.session.commit()
        closed_id, other_id = closed.id, other.id
    login(client, personas.alice.email)
    token = csrf_token(client, "/tasks")
    data = {"csrf_token": token, "scope": "all", "department": str(personas.bob_dept.id)}
    page = client.post("/tasks/urge", data=data, follow_redirects=True).get_data(as_text=True)
    assert "已催办 3 项任务" in page
    assert "1 项未催办" in page and "已办结的事项" in page
    assert [len(urges(app, i)) for i in ids] == [1, 1, 1]
    assert urges(app, other_id) == [] and urges(app, closed_id) == []


def test_nothing_picked_is_an_error_and_the_list_comes_back(app, client, personas):
    overdue_tasks(app, personas, 1)
    login(client, personas.alice.email)
    token = csrf_token(client, "/tasks")
    response = client.post(
        "/tasks/urge", data={"csrf_token": token, "scope": "selected", "light": "red"}, follow_redirects=False
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/tasks?light=red")
    assert "请先勾选要催办的任务" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_head_may_not_urge_in_bulk(app, client, personas):
    ids = overdue_tasks(app, personas, 1)
    login(client, personas.bob.email)
    token = csrf_token(client, "/tasks")
    response = client.post("/tasks/urge", data={"csrf_token": token, "scope": "selected", "task_ids": [str(ids[0])]})
    assert response.status_code == 403
    assert "催办所选任务" not in client.get("/tasks").get_data(as_text=True)
    assert urges(app, ids[0]) == []


def test_a_second_urge_the_same_day_is_refused_keeping_the_text_and_the_panel_open(app, client, personas):
    [task_id] = overdue_tasks(app, personas, 1)
    login(client, personas.alice.email)
    token = csrf_token(client, f"/tasks/{task_id}")
    client.post(f"/tasks/{task_id}/urge", data={"csrf_token": token, "message": "第一次催办"})
    response = client.post(f"/tasks/{task_id}/urge", data={"csrf_token": token, "message": "第二次催办的内容"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'flash-error" role="alert">今天已催办过此任务，未重复发送。' in page
    assert "第二次催办的内容</textarea>" in page
    assert '<details class="card" open>\n    <summary><h2>催办</h2>' in page
    assert len(urges(app, task_id)) == 1


def test_a_closure_is_verified_with_an_optional_review_note_on_the_timeline_and_in_the_mail(
    app, client, personas, tmp_path
):
    app.config["EVIDENCE_DIR"] = str(tmp_path)
    [task_id] = overdue_tasks(app, personas, 1)
    with app.app_context():
        task = db.session.get(Task, task_id)
        bob = db.session.get(type(personas.bob), personas.bob.id)
        workflow.acknowledge(task, bob, utcnow())
        evidence = [Upload("整改报告.pdf", "application/pdf", b"%PDF-1.4 report")]
        workflow.submit_closure(task, bob, summary="已整改完毕", files=evidence, now=utcnow())
        db.session.commit()
    login(client, personas.alice.email)
    token = csrf_token(client, f"/tasks/{task_id}")
    page = client.post(
        f"/tasks/{task_id}/verify", data={"csrf_token": token, "note": "佐证材料齐全，同意销号"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已审核通过，任务销号。" in page and "说明：佐证材料齐全，同意销号" in page
    with app.app_context():
        mail = db.session.scalars(sa.select(Notification).where(Notification.kind == "closure_verified")).first()
        assert mail is not None and "审核意见：佐证材料齐全，同意销号" in mail.body_text
        assert db.session.get(Task, task_id).state == TaskState.DONE
