"""Many people at once on one task: a write that loses the race is answered like a stale form
(409, the input kept, what the task holds now), never with a 500, and nothing is lost or doubled."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.factories import FROZEN_NOW, make_task
from tracker.extensions import db
from tracker.models import Assignment, ExtensionRequest, ProgressUpdate, Task, TaskState
from tracker.services.accounts import MAX_FAILURES_PER_PAIR

CLIENTS = 12


@pytest.fixture
def shared_task(app, personas):
    with app.app_context():
        task = make_task(
            title="多人同时填报",
            lead_department_id=personas.bob_dept.id,
            assignment=Assignment.ACKNOWLEDGED,
            acknowledged_at=FROZEN_NOW,
            deadline=date(2026, 12, 31),
            state=TaskState.IN_PROGRESS,
        )
        db.session.commit()
        return task.id


def token_of(page: str) -> dict[str, str]:
    """The hidden fields of the progress form on the task page (CSRF and one-time token)."""
    form = page[page.index('action="/tasks/') : page.index("</form>", page.index("/progress"))]
    return dict(re.findall(r'name="(csrf_token|submission)" type="hidden" value="([^"]+)"', form))


@pytest.mark.postgresql_only("needs concurrent writers")
def test_simultaneous_progress_reports_get_a_conflict_or_go_through_never_a_500(app, personas, shared_task):
    clients = []
    for _ in range(CLIENTS):
        client = app.test_client()
        login(client, personas.bob.email)
        page = client.get(f"/tasks/{shared_task}").get_data(as_text=True)
        clients.append((client, token_of(page)))
    start = threading.Barrier(CLIENTS)
    answers: dict[int, tuple[int, str]] = {}

    def report(n: int) -> None:
        client, hidden = clients[n]
        start.wait()
        response = client.post(
            f"/tasks/{shared_task}/progress", data={**hidden, "percent": str(n), "text": f"第{n}次填报"}
        )
        answers[n] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=report, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in answers.values())
    assert set(statuses) <= {302, 409} and 302 in statuses, statuses
    for status, page in answers.values():
        if status == 409:  # the loser keeps what it typed and sees the task as it is now
            assert "此任务刚刚被他人修改" in page and "第" in page
    with app.app_context():
        stored = set(db.session.scalars(sa.select(ProgressUpdate.text)).all())
        accepted = {f"第{n}次填报" for n, (status, _) in answers.items() if status == 302}
        assert stored == accepted  # nothing answered 302 was lost, nothing refused was stored
        task = db.session.get(Task, shared_task)
        assert f"第{task.percent_done}次填报" in accepted


def test_a_double_clicked_report_is_stored_once(app, client, personas, shared_task):
    login(client, personas.bob.email)
    hidden = token_of(client.get(f"/tasks/{shared_task}").get_data(as_text=True))
    data = {**hidden, "percent": "50", "text": "完成第一阶段"}
    first = client.post(f"/tasks/{shared_task}/progress", data=data)
    second = client.post(f"/tasks/{shared_task}/progress", data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert "此内容已提交，未重复保存" in client.get(second.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 1


@pytest.mark.postgresql_only("needs concurrent writers")
def test_a_double_clicked_extension_request_is_stored_once(app, personas, shared_task):
    clients = []
    for _ in range(6):
        client = app.test_client()
        login(client, personas.bob.email)
        page = client.get(f"/tasks/{shared_task}").get_data(as_text=True)
        clients.append((client, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)))
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def ask(client, token) -> None:
        start.wait()
        data = {"csrf_token": token, "new_deadline": "2027-03-31", "reason": "等待批复"}
        statuses.append(client.post(f"/tasks/{shared_task}/extension", data=data).status_code)

    threads = [threading.Thread(target=ask, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses).count(302) == 1 and set(statuses) <= {302, 409}, statuses
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)) == 1


@pytest.mark.postgresql_only("needs concurrent writers")
def test_one_account_signing_in_many_times_at_once_never_fails(app, personas):
    """The same person on many devices behind one address: the counters are taken in one order,
    so no sign-in deadlocks. Each attempt counts until its password proves right, so more than
    the limit at the very same moment are asked to wait (429), never answered 500."""
    pages = []
    for _ in range(CLIENTS):
        client = app.test_client()
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)
        )
        pages.append((client, token.group(1)))
    start = threading.Barrier(CLIENTS)
    statuses: list[int] = []

    def sign_in(client, token) -> None:
        start.wait()
        data = {"csrf_token": token, "email": personas.bob.email, "password": "correct horse 马"}
        statuses.append(client.post("/login", data=data).status_code)

    threads = [threading.Thread(target=sign_in, args=pair) for pair in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(statuses) <= {302, 429} and statuses.count(302) >= MAX_FAILURES_PER_PAIR, statuses
