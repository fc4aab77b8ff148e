"""``flask doctor`` and its service: on the demo nothing is broken; each problem, reproduced, is
listed with its tasks, and an error makes the command exit 1."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, make_department, make_seed_report, make_task, make_user
from tracker.demo import load_demo
from tracker.extensions import db
from tracker.models import (
    Assignment,
    CalendarDay,
    Draft,
    DraftStructure,
    DraftVersion,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    NotificationStatus,
    Role,
    Task,
    TaskState,
    User,
    VersionReason,
)
from tracker.services import doctor, heartbeat
from tracker.services.drafts.content import Annex, DraftContent, Section
from tracker.services.workdays import LIBRARY_LAST_YEAR

TODAY = date(2026, 6, 1)
NOW = FROZEN_NOW  # 09:00 in Shanghai on Monday 1 June 2026: holiday data runs to the year's end


def codes(problems: list[doctor.Problem]) -> dict[str, doctor.Problem]:
    return {problem.code: problem for problem in problems}


def run_doctor(runner, frozen_clock, *args: str):
    frozen_clock(NOW)
    return runner.invoke(args=["doctor", *args])


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(today=TODAY, now=NOW)
        heartbeat.beat(NOW)
        db.session.commit()


@pytest.fixture
def beating(personas, ctx):
    """The personas, with a scheduler that beat a minute ago."""
    heartbeat.beat(NOW - timedelta(minutes=1))
    return personas


# --- the command ---------------------------------------------------------------------------------


def test_it_finds_no_error_on_the_demo_data(runner, demo, frozen_clock):
    result = run_doctor(runner, frozen_clock, "--json")
    assert result.exit_code == 0, result.output
    problems = json.loads(result.output)
    assert [p for p in problems if p["severity"] == "error"] == []


def test_it_lists_a_department_left_without_its_head_and_exits_1(app, runner, demo, frozen_clock):
    with app.app_context():
        head = db.session.scalar(sa.select(User).where(User.email == "zhengzhi.head@demo.gov.cn"))
        head.is_active = False
        led = db.session.scalars(
            sa.select(Task.id)
            .where(
                Task.lead_department_id == head.department_id,
                Task.parent_id.is_(None),
                Task.state.in_([TaskState.NOT_STARTED, TaskState.IN_PROGRESS, TaskState.CLOSURE_PENDING]),
            )
            .order_by(Task.created_at, Task.id)
        ).all()
        db.session.commit()
    assert led

    result = run_doctor(runner, frozen_clock, "--json")
    assert result.exit_code == 1, result.output
    problem = codes([doctor.Problem(**p) for p in json.loads(result.output)])["department_without_head"]
    assert problem.severity == "error" and problem.count == 1
    assert problem.task_ids == led
    assert "政治部" in problem.message and "代签收、代为申请延期、代为申请办结" in problem.message

    text = run_doctor(runner, frozen_clock)
    assert text.exit_code == 1
    assert text.output.startswith("[错误] 政治部没有在岗的部门负责人")
    assert "（数量：1；department_without_head）" in text.output


def test_it_gives_every_problem_the_same_five_keys_in_json(runner, beating, frozen_clock):
    make_task(lead_department_id=make_department(name="网警支队").id)
    db.session.commit()
    result = run_doctor(runner, frozen_clock, "--json")
    assert [set(p) for p in json.loads(result.output)] == [{"code", "severity", "message", "count", "task_ids"}]


def test_it_says_so_when_nothing_is_wrong(runner, beating, frozen_clock):
    db.session.commit()
    result = run_doctor(runner, frozen_clock)
    assert result.exit_code == 0, result.output
    assert result.output == "未发现问题。\n"
    assert json.loads(run_doctor(runner, frozen_clock, "--json").output) == []


def test_it_exits_0_when_there_are_only_warnings_and_information(runner, personas, frozen_clock):
    result = run_doctor(runner, frozen_clock)  # no scheduler has ever run
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[警告] 没有调度程序运行过的记录")


# --- errors --------------------------------------------------------------------------------------


def test_it_lists_each_department_without_a_head_once_with_all_its_open_tasks(beating):
    bob_dept, cyber = beating.bob_dept.id, make_department(name="网警支队").id
    first = make_task(lead_department_id=cyber, state=TaskState.NOT_STARTED).id
    second = make_task(lead_department_id=cyber, state=TaskState.CLOSURE_PENDING).id
    make_task(lead_department_id=cyber, state=TaskState.DONE)
    make_task(lead_department_id=bob_dept)  # bob heads it

    problem = codes(doctor.diagnose(NOW))["department_without_head"]
    assert (problem.count, problem.task_ids) == (1, [first, second])
    assert problem.message.startswith("网警支队没有在岗的部门负责人，其牵头的 2 项未办结任务")
    assert "系统管理员为其指定负责人" in problem.message


def test_it_names_ten_departments_and_counts_the_rest(beating):
    for n in range(12):
        make_task(lead_department_id=make_department(name=f"第{n:02d}分局").id)
    problem = codes(doctor.diagnose(NOW))["department_without_head"]
    assert problem.count == 12 and len(problem.task_ids) == 12
    assert problem.message.startswith("第00分局、第01分局、")
    assert "第09分局等 12 个部门没有在岗的部门负责人" in problem.message
    assert "第10分局" not in problem.message


def test_it_finds_the_legal_offices_work_stuck_when_nobody_holds_that_office(beating):
    bob_dept = beating.bob_dept.id
    unassigned = make_task(assignment=Assignment.UNASSIGNED).id
    returned = make_task(lead_department_id=bob_dept, assignment=Assignment.RETURNED).id
    review = make_task(lead_department_id=bob_dept, state=TaskState.CLOSURE_PENDING).id
    extension = make_task(lead_department_id=bob_dept, assignment=Assignment.ACKNOWLEDGED)
    db.session.add(
        ExtensionRequest(task=extension, reason="顺延", requested_deadline=date(2026, 7, 30), created_at=NOW)
    )
    headless = make_task(lead_department_id=make_department().id, assignment=Assignment.ASSIGNED).id
    # Nothing waits on the office: bob's department acts.
    make_task(lead_department_id=bob_dept, assignment=Assignment.ACKNOWLEDGED)
    refused = make_task(lead_department_id=bob_dept, assignment=Assignment.ACKNOWLEDGED)
    db.session.add(
        ExtensionRequest(
            task=refused, reason="顺延", requested_deadline=date(2026, 7, 30), status=ExtensionStatus.REFUSED
        )
    )
    make_task(state=TaskState.DONE)  # closed
    make_task(parent_id=review, state=TaskState.CLOSURE_PENDING)  # a milestone
    db.session.flush()
    assert "task_without_actor" not in codes(doctor.diagnose(NOW))

    for persona in (beating.alice, beating.frank):
        db.session.get(User, persona.id).is_active = False
    problem = codes(doctor.diagnose(NOW))["task_without_actor"]
    assert problem.severity == "error"
    assert sorted(problem.task_ids) == sorted([unassigned, returned, review, extension.id, headless])
    assert problem.count == 5
    assert "没有在岗的法制部门人员或系统管理员" in problem.message


def test_it_counts_an_administrator_as_someone_who_can_act(beating):
    make_task(assignment=Assignment.UNASSIGNED)
    db.session.get(User, beating.alice.id).is_active = False
    assert "task_without_actor" not in codes(doctor.diagnose(NOW))


def test_it_finds_tasks_led_by_a_deactivated_department_even_with_the_office_there(beating):
    closed = make_department(name="已撤并支队", is_active=False)
    make_user(Role.HEAD, department=closed)
    stuck = make_task(lead_department_id=closed.id, assignment=Assignment.ACKNOWLEDGED).id
    make_task(lead_department_id=closed.id, state=TaskState.CANCELLED)

    problem = codes(doctor.diagnose(NOW))["task_without_actor"]
    assert (problem.count, problem.task_ids) == (1, [stuck])
    assert "牵头部门已停用" in problem.message


def test_it_reports_failed_mail_with_the_tasks_it_was_about(beating):
    task = make_task(lead_department_id=beating.bob_dept.id).id
    for n, (status, task_id) in enumerate(
        [
            (NotificationStatus.FAILED, task),
            (NotificationStatus.FAILED, task),
            (NotificationStatus.FAILED, None),
            (NotificationStatus.SENT, make_task().id),
        ]
    ):
        db.session.add(
            Notification(
                dedup_key=f"test:{n}",
                kind="reminder",
                task_id=task_id,
                recipient_email="bob@example.gov.cn",
                subject="提醒",
                body_text="正文",
                status=status,
            )
        )
    db.session.flush()

    problem = codes(doctor.diagnose(NOW))["mail_failed"]
    assert (problem.severity, problem.count, problem.task_ids) == ("error", 3, [task])
    assert "3 封邮件发送失败" in problem.message


# --- warnings ------------------------------------------------------------------------------------


def test_it_warns_when_the_holiday_data_ends_within_ninety_days(beating):
    december = NOW.replace(year=LIBRARY_LAST_YEAR, month=12, day=1)
    problem = codes(doctor.diagnose(december))["holidays_missing"]
    # From 1 December: 1 January to 1 March of the next year (60 days) have no data.
    assert (problem.severity, problem.count, problem.task_ids) == ("warning", 60, [])
    assert f"节假日数据只到 {LIBRARY_LAST_YEAR}年12月31日" in problem.message

    db.session.add(CalendarDay(day=date(LIBRARY_LAST_YEAR + 1, 1, 1), is_workday=False, name="元旦"))
    db.session.flush()
    assert "holidays_missing" not in codes(doctor.diagnose(december))


@pytest.mark.parametrize(
    ("since", "count"), [(None, 0), (timedelta(hours=3, minutes=10), 3), (timedelta(minutes=61), 1)]
)
def test_it_warns_when_the_scheduler_has_been_silent_for_over_an_hour(personas, ctx, since, count):
    if since is not None:
        heartbeat.beat(NOW - since)
    problem = codes(doctor.diagnose(NOW))["scheduler_silent"]
    assert (problem.severity, problem.count) == ("warning", count)
    assert ("没有调度程序运行过" in problem.message) == (since is None)


def test_it_is_quiet_about_a_scheduler_that_beat_within_the_hour(personas, ctx):
    heartbeat.beat(NOW - timedelta(minutes=59))
    assert "scheduler_silent" not in codes(doctor.diagnose(NOW))


# --- information ---------------------------------------------------------------------------------


def _version(draft: Draft, number: int, pending: str | None) -> DraftVersion:
    section = Section(key="opening", heading="", level=0, text="手工改写。", generated="原文。", pending=pending)
    content = DraftContent(title="草稿", sections=[section], annex=Annex())
    version = DraftVersion(
        draft=draft, number=number, reason=VersionReason.EDITED, content=content.to_json(), created_at=NOW
    )
    db.session.add(version)
    return version


def test_it_counts_the_drafts_whose_latest_version_waits_for_a_merge(beating):
    report = make_seed_report()
    waiting, merged = (Draft(report_id=report.id, structure=s, created_at=NOW) for s in DraftStructure)
    db.session.add_all([waiting, merged])
    _version(waiting, 1, None)
    _version(waiting, 2, "原文。新进展。")
    _version(merged, 1, "原文。新进展。")
    _version(merged, 2, None)  # merged since
    db.session.flush()

    problem = codes(doctor.diagnose(NOW))["drafts_pending_merge"]
    assert (problem.severity, problem.count, problem.task_ids) == ("info", 1, [])
    assert f"《{report.title}》" in problem.message


def test_it_puts_errors_before_warnings_before_information(beating):
    make_task(lead_department_id=make_department().id)
    report = make_seed_report()
    draft = Draft(report_id=report.id, structure=DraftStructure.SOURCE, created_at=NOW)
    db.session.add(draft)
    _version(draft, 1, "新进展。")
    db.session.flush()
    problems = doctor.diagnose(NOW.replace(year=LIBRARY_LAST_YEAR, month=12, day=1))  # months after the beat
    assert [(p.code, p.severity) for p in problems] == [
        ("department_without_head", "error"),
        ("holidays_missing", "warning"),
        ("scheduler_silent", "warning"),
        ("drafts_pending_merge", "info"),
    ]
    assert doctor.has_errors(problems) and not doctor.has_errors(problems[1:])
