"""协办反馈 as a story: 交警支队 (bob) leads a task at 70%, 治安支队 (dave) assists and reports 75%
of his own part. dave's report is kept as his department's; the task's percent, state and "last
progress" stay bob's, on the task page, in the draft of next year's report and in the 台账."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries, csrf_token, login
from tests.factories import FROZEN_NOW, assign_task, make_department, make_task, make_user
from tests.test_draft_compose import make_item, make_report
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    DraftStructure,
    EvidenceAttachment,
    ItemKind,
    ProgressUpdate,
    Role,
    Task,
    TaskState,
    UpdateKind,
    User,
)
from tracker.services import task_query, workflow
from tracker.services.drafts.compose import compose
from tracker.services.evidence import Upload
from tracker.services.timeline import co_department_reports, task_timeline
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)  # FROZEN_NOW's date in Shanghai
NEXT_DAY = FROZEN_NOW + timedelta(days=1)
PDF = Upload("勤务表.pdf", "application/pdf", b"%PDF-1.4 evidence")
LEAD_TEXT = "完成调研"
ASSIST_TEXT = "完成巡逻勤务调整"


@pytest.fixture
def people(app, personas, ctx, tmp_path):
    """The personas, and eve: a member of staff of 治安支队."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    people = {name: db.session.get(type(obj), obj.id) for name, obj in vars(personas).items()}
    people["eve"] = make_user(Role.STAFF, email="eve@example.gov.cn", name="治安钱", department=people["dave_dept"])
    return people


def shared_task(people, *, lead_percent: int | None = 70, **overrides) -> Task:
    """A task 交警支队 leads and 治安支队 assists, acknowledged by bob, with bob's report (if any)."""
    task = make_task(**{"state": TaskState.NOT_STARTED, **overrides})
    assign_task(
        task,
        people["alice"],
        people["bob_dept"],
        co_departments=(people["dave_dept"],),
        start_date=TODAY,
        deadline=TODAY + timedelta(days=30),
    )
    workflow.acknowledge(task, people["bob"], FROZEN_NOW)
    if lead_percent is not None:
        workflow.record_progress(task, people["bob"], percent=lead_percent, text=LEAD_TEXT, files=[], now=FROZEN_NOW)
    return task


def dave_reports(dave: User, task: Task, files: list[Upload] | None = None) -> ProgressUpdate:
    """dave (head of 治安支队) reports 75% of his department's part, the day after bob's report."""
    return workflow.record_progress(task, dave, percent=75, text=ASSIST_TEXT, files=files or [], now=NEXT_DAY)


# --- the service ----------------------------------------------------------------------------------


def test_it_keeps_the_tasks_percent_when_a_co_department_reports(people):
    task = shared_task(people)

    update = dave_reports(people["dave"], task, files=[PDF])

    assert (task.percent_done, task.state) == (70, TaskState.IN_PROGRESS)
    assert (update.kind, update.department_id, update.percent_done) == (UpdateKind.ASSIST, people["dave_dept"].id, 75)
    attachment = db.session.scalar(sa.select(EvidenceAttachment))
    assert attachment.progress_update_id == update.id and attachment.filename == "勤务表.pdf"


def test_it_lets_the_lead_departments_report_set_the_percent(people):
    task = shared_task(people)
    dave_reports(people["dave"], task)

    update = workflow.record_progress(task, people["bob"], percent=80, text="形成方案", files=[], now=NEXT_DAY)

    assert task.percent_done == 80
    assert (update.kind, update.department_id) == (UpdateKind.PROGRESS, people["bob_dept"].id)


def test_it_leaves_a_not_started_task_not_started_after_a_co_department_report(people):
    task = shared_task(people, lead_percent=None)
    dave_reports(people["dave"], task)
    assert (task.state, task.percent_done) == (TaskState.NOT_STARTED, 0)
    workflow.put_on_hold(task, people["alice"], "等待机构改革", NEXT_DAY)
    workflow.resume(task, people["alice"], NEXT_DAY)
    assert task.state == TaskState.NOT_STARTED


def test_it_does_not_move_the_last_progress_time_for_a_co_department(people):
    task = shared_task(people)
    db.session.commit()
    assert task.last_progress_at == FROZEN_NOW

    dave_reports(people["dave"], task)
    db.session.commit()
    db.session.refresh(task)
    assert task.last_progress_at == FROZEN_NOW

    workflow.record_progress(task, people["carol"], percent=72, text="补充材料", files=[], now=NEXT_DAY)
    db.session.commit()
    db.session.refresh(task)
    assert task.last_progress_at == NEXT_DAY


@pytest.mark.parametrize(
    ("name", "reports_for"),
    [
        ("bob", None),  # the lead department's head
        ("carol", None),  # staff of the lead department
        ("alice", None),  # the legal office
        ("frank", None),  # the administrator
        ("dave", "dave_dept"),  # a co-department's head
        ("eve", "dave_dept"),  # staff of a co-department, as its assignee
    ],
)
def test_it_tells_whose_report_it_is(people, name, reports_for):
    task = shared_task(people, lead_percent=None)
    if people[name].role == Role.STAFF:
        task.assignee = people[name]
    expected = people[reports_for] if reports_for else None
    assert workflow.reporting_co_department(task, people[name]) == expected


def test_it_counts_a_milestones_co_departments_as_its_parents(people):
    task = shared_task(people)
    milestone = workflow.add_milestone(
        task, people["bob"], title="完成调研", deadline=TODAY + timedelta(days=10), assignee=None, now=FROZEN_NOW
    )
    update = dave_reports(people["dave"], milestone)
    assert (update.kind, update.department_id, milestone.percent_done) == (UpdateKind.ASSIST, people["dave_dept"].id, 0)


def test_it_audits_a_co_department_report_and_shows_it_once_in_the_timeline(people):
    task = shared_task(people)
    update = dave_reports(people["dave"], task, files=[PDF])

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assist_reported"))
    assert event.actor_id == people["dave"].id
    assert event.after == {"files": 1, "department_id": people["dave_dept"].id}
    timeline = task_timeline(task)
    assert [entry.action for entry in timeline][:2] == ["assist", "progress"]
    assert co_department_reports(timeline) == [("治安支队", [update])]


def test_it_finds_a_task_by_a_co_departments_words(people):
    task = shared_task(people)
    dave_reports(people["dave"], task)
    wanted = task_query.TaskFilter(search="巡逻勤务")
    page = task_query.page_of(people["alice"], wanted, 1, TODAY, WorkCalendar.load())
    assert [t.id for t in page.tasks] == [task.id]


# --- the draft of next year's report --------------------------------------------------------------


def test_it_writes_the_co_departments_report_after_the_leads_in_the_draft(people):
    report = make_report(year=2025)
    item = make_item(report, ItemKind.MEASURE, 1, "强化巡查")
    task = shared_task(people, report_id=report.id, report_item_id=item.id, kind=item.kind)
    dave_reports(people["dave"], task)

    text = compose(report, DraftStructure.SOURCE, TODAY + timedelta(days=2)).section(f"measure:{item.id}").text

    assert text == (
        "该项工作由交警支队牵头，治安支队配合。6月1日，完成调研。"
        "配合单位治安支队：6月2日，完成巡逻勤务调整。"
        "目前该项工作正在推进，完成进度70%。"
    )


def test_it_says_the_lead_reported_nothing_when_only_a_co_department_did(people):
    report = make_report(year=2025)
    item = make_item(report, ItemKind.MEASURE, 1, "强化巡查")
    task = shared_task(people, lead_percent=None, report_id=report.id, report_item_id=item.id, kind=item.kind)
    dave_reports(people["dave"], task)

    text = compose(report, DraftStructure.SOURCE, TODAY + timedelta(days=2)).section(f"measure:{item.id}").text

    assert text == (
        "该项工作由交警支队牵头，治安支队配合。本年度牵头单位未报送该项工作的进展情况。"
        "配合单位治安支队：6月2日，完成巡逻勤务调整。该项工作尚未启动。"
    )


# --- over HTTP: the task page, the 台账, the dashboard --------------------------------------------


@pytest.fixture
def shared(app, personas, tmp_path) -> int:
    """A committed task 交警支队 leads at 70% and 治安支队 assists; its id."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        people = {name: db.session.get(type(obj), obj.id) for name, obj in vars(personas).items()}
        task = shared_task(people, title="强化巡查")
        db.session.commit()
        return task.id


def section(page: str, css_class: str) -> str:
    start = page.index(f'<section class="card {css_class}">')
    return page[start : page.index("</section>", start)]


def test_it_shows_the_co_departments_reports_on_the_task_page(app, client, shared):
    login(client, "dave@example.gov.cn")
    form = client.get(f"/tasks/{shared}").get_data(as_text=True)
    assert "填报协办反馈" in form and "协办单位反馈" not in form

    response = client.post(
        f"/tasks/{shared}/progress",
        data={
            "csrf_token": csrf_token(client, f"/tasks/{shared}"),
            "percent": "75",
            "text": ASSIST_TEXT,
            "files": [(io.BytesIO(PDF.data), PDF.filename)],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "进展已填报" in page
    reports = section(page, "co-department-reports")
    assert "<h3>治安支队</h3>" in reports and "治安赵" in reports and ASSIST_TEXT in reports
    assert "协办进度 75%" in reports and PDF.filename in reports
    assert '<progress max="100" value="70">' in page  # the task's percent is still bob's
    assert '<span class="department">治安支队</span>' in page  # the timeline names the department
    with app.app_context():
        assert db.session.get(Task, shared).percent_done == 70


def test_it_shows_bob_the_co_departments_reports_too(app, client, shared):
    dave_reports_on(app, shared)
    login(client, "bob@example.gov.cn")
    page = client.get(f"/tasks/{shared}").get_data(as_text=True)
    assert ASSIST_TEXT in section(page, "co-department-reports")
    assert "填报协办反馈" not in page and "填报进展" in page


def test_it_loads_the_reports_without_a_query_per_report(app, client, shared):
    with app.app_context():
        task = db.session.get(Task, shared)
        patrol = make_department(name="巡警支队")
        task.co_departments.append(patrol)
        make_user(Role.HEAD, email="heidi@example.gov.cn", department=patrol)
        db.session.commit()

    def add_reports(number: int) -> None:
        with app.app_context():
            task = db.session.get(Task, shared)
            heads = [_user("dave@example.gov.cn"), _user("heidi@example.gov.cn")]
            for n in range(number):
                at = NEXT_DAY + timedelta(hours=len(task.progress_updates))
                workflow.record_progress(task, heads[n % 2], percent=n, text=f"协办{n}", files=[PDF], now=at)
            db.session.commit()

    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get(f"/tasks/{shared}").status_code == 200
        return len(statements)

    login(client, "alice@example.gov.cn")
    add_reports(2)
    few = queries()
    add_reports(8)
    assert queries() == few


def test_it_lists_the_co_departments_report_after_the_leads_in_the_ledger(app, client, shared):
    dave_reports_on(app, shared)
    login(client, "alice@example.gov.cn")

    response = client.get("/tasks/export.csv")

    [header, row] = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    cells = dict(zip(header, row, strict=True))
    assert cells["进展情况"] == "2026年6月1日：完成调研\n配合单位治安支队（2026年6月2日）：完成巡逻勤务调整"
    assert cells["完成情况"].startswith("进行中（70%）")


def test_it_names_the_report_in_the_dashboards_activity(app, client, shared):
    dave_reports_on(app, shared)
    login(client, "alice@example.gov.cn")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "治安赵 · 协办反馈 · " in page


def dave_reports_on(app, task_id: int) -> None:
    with app.app_context():
        dave_reports(_user("dave@example.gov.cn"), db.session.get(Task, task_id))
        db.session.commit()


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))
