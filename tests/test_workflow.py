"""The 督办 lifecycle as a story: alice (legal office) assigns, bob (head of 交警支队) works it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, assign_task, make_task
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AuditEvent,
    Department,
    EvidenceAttachment,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    Priority,
    TaskState,
    User,
)
from tracker.services import workflow
from tracker.services.evidence import EvidenceError, Upload, path_of

TODAY = date(2026, 6, 1)
PDF = Upload("会议纪要.pdf", "application/pdf", b"%PDF-1.4 evidence")


@pytest.fixture
def people(app, personas, ctx, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return {name: db.session.get(type(obj), obj.id) for name, obj in vars(personas).items()}


def assigned_task(people, **overrides):
    task = make_task(**overrides)
    assign_task(
        task,
        people["alice"],
        people["bob_dept"],
        co_departments=(people["dave_dept"],),
        start_date=TODAY,
        deadline=TODAY + timedelta(days=30),
        priority=Priority.HIGH,
    )
    return task


def acknowledged_task(people):
    task = assigned_task(people)
    workflow.acknowledge(task, people["bob"], FROZEN_NOW)
    return task


def mails(kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def actions(task) -> list[str]:
    return list(
        db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == task.id).order_by(AuditEvent.id))
    )


def test_it_assigns_a_task_and_tells_the_lead_departments_head(people):
    task = assigned_task(people)
    assert task.assignment == Assignment.ASSIGNED and task.assigned_at == FROZEN_NOW
    assert task.original_deadline == TODAY + timedelta(days=30)
    assert [m.recipient_email for m in mails("assigned")] == ["bob@example.gov.cn"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task_assigned"))
    assert event.after["lead_department_id"] == people["bob_dept"].id and event.actor_id == people["alice"].id


def test_it_refuses_a_deadline_before_the_start(people):
    task = make_task()
    with pytest.raises(workflow.WorkflowError, match="不能早于开始日期"):
        workflow.assign(
            task,
            people["alice"],
            lead_department=people["bob_dept"],
            co_departments=[],
            assignee=None,
            start_date=TODAY,
            deadline=TODAY - timedelta(days=1),
            priority=Priority.NORMAL,
            expected_version=None,
            now=FROZEN_NOW,
        )


def test_it_lets_bob_acknowledge_or_return_with_a_reason(people):
    task = assigned_task(people)
    with pytest.raises(workflow.WorkflowError, match="请填写退回理由"):
        workflow.return_assignment(task, people["bob"], "  ", FROZEN_NOW)
    workflow.return_assignment(task, people["bob"], "属于治安支队职责", FROZEN_NOW)
    assert task.assignment == Assignment.RETURNED and task.return_reason == "属于治安支队职责"
    assert [m.recipient_email for m in mails("returned")] == ["alice@example.gov.cn"]
    with pytest.raises(workflow.WorkflowError, match="不需要签收"):
        workflow.acknowledge(task, people["bob"], FROZEN_NOW)


def test_it_asks_for_acknowledgement_again_after_reassignment(people):
    task = assigned_task(people)
    workflow.return_assignment(task, people["bob"], "不是本单位", FROZEN_NOW)
    workflow.assign(
        task,
        people["alice"],
        lead_department=people["dave_dept"],
        co_departments=[],
        assignee=None,
        start_date=None,
        deadline=TODAY + timedelta(days=20),
        priority=Priority.NORMAL,
        expected_version=None,
        now=FROZEN_NOW + timedelta(hours=1),
    )
    assert task.assignment == Assignment.ASSIGNED and task.return_reason == ""
    assert "dave@example.gov.cn" in [m.recipient_email for m in mails("assigned")]


def test_it_records_progress_with_evidence_only_after_acknowledgement(people):
    task = assigned_task(people)
    with pytest.raises(workflow.WorkflowError, match="须已签收"):
        workflow.record_progress(task, people["bob"], percent=10, text="开始", files=[], now=FROZEN_NOW)
    workflow.acknowledge(task, people["bob"], FROZEN_NOW)
    update = workflow.record_progress(task, people["carol"], percent=40, text="完成调研", files=[PDF], now=FROZEN_NOW)
    assert task.state == TaskState.IN_PROGRESS and task.percent_done == 40
    attachment = db.session.scalar(sa.select(EvidenceAttachment))
    assert attachment.progress_update_id == update.id and attachment.filename == "会议纪要.pdf"
    assert path_of(attachment).read_bytes() == PDF.data


def test_it_refuses_a_forbidden_file_type_and_keeps_nothing(people):
    task = acknowledged_task(people)
    with pytest.raises(EvidenceError, match="不允许上传“.exe”类型的文件"):
        workflow.record_progress(
            task, people["bob"], percent=50, text="见附件", files=[Upload("x.exe", "", b"MZ")], now=FROZEN_NOW
        )
    assert task.percent_done == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceAttachment)) == 0


def test_it_refuses_an_oversized_file(app, people):
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        big = Upload("扫描件.pdf", "application/pdf", b"0" * (1024 * 1024 + 1))
        with pytest.raises(EvidenceError, match="超过 1 MB"):
            workflow.record_progress(
                acknowledged_task(people), people["bob"], percent=5, text="x", files=[big], now=FROZEN_NOW
            )
    finally:
        app.config["MAX_UPLOAD_MB"] = 20


def test_it_extends_a_deadline_keeping_the_original_and_counting(people):
    task = acknowledged_task(people)
    first = task.deadline
    with pytest.raises(workflow.WorkflowError, match="须晚于当前时限"):
        workflow.request_extension(task, people["bob"], new_deadline=first, reason="x", now=FROZEN_NOW)
    request = workflow.request_extension(
        task, people["bob"], new_deadline=first + timedelta(days=15), reason="等待上级批复", now=FROZEN_NOW
    )
    with pytest.raises(workflow.WorkflowError, match="待审批"):
        workflow.request_extension(
            task, people["bob"], new_deadline=first + timedelta(days=20), reason="再延", now=FROZEN_NOW
        )
    workflow.decide_extension(request, people["alice"], approve=True, note="", now=FROZEN_NOW)
    assert task.deadline == first + timedelta(days=15) and task.original_deadline == first
    assert task.extension_count == 1 and request.status == ExtensionStatus.APPROVED


def test_it_needs_a_reason_to_refuse_an_extension(people):
    task = acknowledged_task(people)
    request = workflow.request_extension(
        task, people["bob"], new_deadline=task.deadline + timedelta(days=5), reason="人手不足", now=FROZEN_NOW
    )
    with pytest.raises(workflow.WorkflowError, match="请填写理由"):
        workflow.decide_extension(request, people["alice"], approve=False, note="", now=FROZEN_NOW)
    workflow.decide_extension(request, people["alice"], approve=False, note="时限不可调整", now=FROZEN_NOW)
    assert request.status == ExtensionStatus.REFUSED and task.extension_count == 0


def test_it_closes_only_with_a_summary_and_evidence_then_verification(people):
    task = acknowledged_task(people)
    with pytest.raises(workflow.WorkflowError, match="至少一份佐证材料"):
        workflow.submit_closure(task, people["bob"], summary="已完成", files=[], now=FROZEN_NOW)
    workflow.submit_closure(task, people["bob"], summary="已完成全部整改", files=[PDF], now=FROZEN_NOW)
    assert task.state == TaskState.CLOSURE_PENDING and task.percent_done == 100
    with pytest.raises(workflow.WorkflowError, match="不能填报进展"):
        workflow.record_progress(task, people["bob"], percent=100, text="补充", files=[], now=FROZEN_NOW)
    workflow.send_back(task, people["alice"], "佐证材料不完整", FROZEN_NOW)
    assert task.state == TaskState.IN_PROGRESS and task.sent_back_count == 1
    assert [m.subject for m in mails("sent_back")] == [f"【退办】{task.title}"]
    workflow.submit_closure(task, people["bob"], summary="补充了材料", files=[PDF], now=FROZEN_NOW)
    workflow.verify_closure(task, people["alice"], FROZEN_NOW + timedelta(days=1))
    assert task.state == TaskState.DONE and task.completed_at == FROZEN_NOW + timedelta(days=1)
    assert actions(task)[-4:] == ["closure_submitted", "closure_sent_back", "closure_submitted", "closure_verified"]


def test_it_holds_resumes_and_cancels_with_reasons(people):
    task = acknowledged_task(people)
    with pytest.raises(workflow.WorkflowError, match="请填写暂缓理由"):
        workflow.put_on_hold(task, people["alice"], "", FROZEN_NOW)
    workflow.put_on_hold(task, people["alice"], "等待机构改革", FROZEN_NOW)
    assert task.state == TaskState.ON_HOLD
    workflow.resume(task, people["alice"], FROZEN_NOW)
    assert task.state == TaskState.NOT_STARTED
    workflow.cancel(task, people["alice"], "任务已并入其他措施", FROZEN_NOW)
    assert task.state == TaskState.CANCELLED
    with pytest.raises(workflow.WorkflowError, match="不能撤销"):
        workflow.cancel(task, people["alice"], "再撤销", FROZEN_NOW)


def test_it_urges_the_heads_and_assignee_once_a_day(people):
    task = acknowledged_task(people)
    workflow.assign_staff(task, people["bob"], people["carol"], FROZEN_NOW)
    assert workflow.urge(task, people["alice"], "请本周内反馈", TODAY, FROZEN_NOW) == 2
    assert workflow.urge(task, people["alice"], "再催", TODAY, FROZEN_NOW) == 0
    assert workflow.urge(task, people["alice"], "", TODAY + timedelta(days=1), FROZEN_NOW) == 2
    recipients = sorted(m.recipient_email for m in mails("urge"))
    assert recipients == ["bob@example.gov.cn"] * 2 + ["carol@example.gov.cn"] * 2


def test_it_lets_a_head_assign_only_own_staff(people):
    task = acknowledged_task(people)
    outsider = db.session.scalar(sa.select(User).where(User.email == "dave@example.gov.cn"))
    with pytest.raises(workflow.WorkflowError, match="本部门"):
        workflow.assign_staff(task, people["bob"], outsider, FROZEN_NOW)


def test_it_adds_milestones_within_the_parent_deadline(people):
    task = acknowledged_task(people)
    with pytest.raises(workflow.WorkflowError, match="不能晚于主任务"):
        workflow.add_milestone(
            task,
            people["bob"],
            title="阶段一",
            deadline=task.deadline + timedelta(days=1),
            assignee=None,
            now=FROZEN_NOW,
        )
    milestone = workflow.add_milestone(
        task,
        people["bob"],
        title="完成调研",
        deadline=TODAY + timedelta(days=10),
        assignee=people["carol"],
        now=FROZEN_NOW,
    )
    assert milestone.parent is task and milestone.assignment == Assignment.ACKNOWLEDGED
    assert task.milestones == [milestone]


def test_it_refuses_an_edit_made_on_a_stale_copy_and_says_what_changed(people):
    task = acknowledged_task(people)
    db.session.commit()
    seen_version = task.version
    workflow.edit_task(
        task, people["alice"], title="新标题", description="", expected_version=seen_version, now=FROZEN_NOW
    )
    db.session.commit()
    with pytest.raises(workflow.ConflictError) as conflict:
        workflow.edit_task(
            task, people["alice"], title="我的标题", description="", expected_version=seen_version, now=FROZEN_NOW
        )
    assert ("任务名称", "新标题") in conflict.value.changes
    assert task.title == "新标题"


def test_it_audits_each_step_with_before_and_after(people):
    task = acknowledged_task(people)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "task_acknowledged"))
    assert event.before == {"assignment": "assigned"} and event.after == {"assignment": "acknowledged"}
    assert db.session.get(Department, task.lead_department_id).name == "交警支队"


def test_it_refuses_to_approve_an_extension_that_no_longer_moves_the_deadline_forward(people):
    task = acknowledged_task(people)
    request = workflow.request_extension(
        task, people["bob"], new_deadline=TODAY + timedelta(days=40), reason="等待批复", now=FROZEN_NOW
    )
    task.deadline = TODAY + timedelta(days=60)  # reassigned meanwhile with a later deadline
    with pytest.raises(workflow.WorkflowError, match="同意将使时限提前"):
        workflow.decide_extension(request, people["alice"], approve=True, note="", now=FROZEN_NOW)
    workflow.decide_extension(request, people["alice"], approve=False, note="时限已另行调整", now=FROZEN_NOW)
    assert task.deadline == TODAY + timedelta(days=60)


def test_a_task_keeps_one_pending_extension_request_even_past_the_check(people):
    task = acknowledged_task(people)
    workflow.request_extension(
        task, people["bob"], new_deadline=TODAY + timedelta(days=40), reason="一", now=FROZEN_NOW
    )
    db.session.commit()
    twin = ExtensionRequest(
        task_id=task.id, reason="二", requested_deadline=TODAY + timedelta(days=50), created_at=FROZEN_NOW
    )
    db.session.add(twin)  # as a second request racing past the check would
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_it_stores_a_report_sent_twice_from_the_same_form_once(people):
    task = acknowledged_task(people)
    workflow.record_progress(
        task, people["bob"], percent=30, text="一", files=[], now=FROZEN_NOW, submission_token="t1"
    )
    db.session.commit()
    assert workflow.already_submitted("t1") and not workflow.already_submitted("t2")
    assert not workflow.already_submitted(None)
