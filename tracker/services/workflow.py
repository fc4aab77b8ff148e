"""The 督办 lifecycle: 交办, 签收/退回, 反馈, 延期申请, 办结, 销号/退办, 暂缓, 撤销, 催办.

Each function checks that the action fits the task's state (raising WorkflowError with a message
for the user), changes the task, records an audit event with the values before and after, and
queues the mail the step calls for. Who may act is the policy module's question, asked by the
caller first. Nothing here commits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from tracker.clock import local_date
from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import (
    OPEN_STATES,
    Assignment,
    Department,
    ExtensionRequest,
    ExtensionStatus,
    OfflineChase,
    Priority,
    ProgressUpdate,
    Task,
    TaskState,
    UpdateKind,
    User,
)
from tracker.services import evidence, outbox, reminders, staffing
from tracker.services.audit import record_event

WORKABLE_STATES = frozenset({TaskState.NOT_STARTED, TaskState.IN_PROGRESS})
AUDITED_FIELDS = (
    "title",
    "description",
    "lead_department_id",
    "assignee_id",
    "start_date",
    "deadline",
    "priority",
    "state",
    "assignment",
    "percent_done",
    "extension_count",
)


class WorkflowError(Exception):
    """The action does not fit the task as it stands; the message says why, in the user's language."""


class ConflictError(WorkflowError):
    """The task changed since the form was loaded. ``changes`` lists (field label, value now)."""

    def __init__(self, changes: list[tuple[str, str]]) -> None:
        super().__init__(_("保存失败：在您编辑期间，其他人已修改了此任务。您的修改未保存，请查看最新内容后重新填写。"))
        self.changes = changes


def snapshot(task: Task) -> dict[str, Any]:
    """The audited fields as JSON-friendly values."""
    values: dict[str, Any] = {}
    for field in AUDITED_FIELDS:
        value = getattr(task, field)
        values[field] = value.isoformat() if isinstance(value, date) else value
    values["co_department_ids"] = sorted(d.id for d in task.co_departments)
    return values


def _audit(action: str, task: Task, actor: User | None, before: dict[str, Any], now: datetime, **extra: Any) -> None:
    after = snapshot(task) | extra
    changed_before = {k: v for k, v in before.items() if after.get(k) != v}
    changed_after = {k: after[k] for k in changed_before} | extra
    record_event(
        action, now=now, actor=actor, object_type="task", object_id=task.id, before=changed_before, after=changed_after
    )


def check_version(task: Task, expected_version: int | None, labels: dict[str, str]) -> None:
    """Refuse a save made on a stale copy of the task (the form carries the version it showed)."""
    if expected_version is None or expected_version == task.version:
        return
    changes = [(_(label), _display(getattr(task, field))) for field, label in labels.items()]
    raise ConflictError(changes)


def _display(value: Any) -> str:
    if isinstance(value, Department):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(_display(v) for v in value)
    return "" if value is None else str(value)


def _require_state(task: Task, allowed: frozenset[TaskState], message: str) -> None:
    if task.state not in allowed:
        raise WorkflowError(message)


def _date(value: date) -> str:
    """A date in a message to the user: 2026年03月05日, or 2026-03-05 in English."""
    return value.strftime(_("%Y年%m月%d日"))


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(message)
    return text


# --- the legal office: wording, 交办 -------------------------------------------------------------

EDIT_LABELS = {"title": N_("任务名称"), "description": N_("任务内容")}
ASSIGN_LABELS = {
    "lead_department": N_("牵头单位"),
    "co_departments": N_("配合单位"),
    "assignee": N_("责任人"),
    "start_date": N_("开始日期"),
    "deadline": N_("完成时限"),
    "priority": N_("优先级"),
}


def edit_task(
    task: Task, actor: User, *, title: str, description: str, expected_version: int | None, now: datetime
) -> None:
    check_version(task, expected_version, EDIT_LABELS)
    before = snapshot(task)
    task.title = _required(title, _("任务名称不能为空。"))
    task.description = (description or "").strip()
    _audit("task_edited", task, actor, before, now)


def assign(
    task: Task,
    actor: User,
    *,
    lead_department: Department,
    co_departments: list[Department],
    assignee: User | None,
    start_date: date | None,
    deadline: date,
    priority: Priority,
    expected_version: int | None,
    now: datetime,
) -> None:
    """交办: set the owners and dates. A new lead department must acknowledge (签收) again."""
    check_version(task, expected_version, ASSIGN_LABELS)
    if task.state not in OPEN_STATES | {TaskState.ON_HOLD}:
        raise WorkflowError(_("已办结或已撤销的任务不能重新交办。"))
    if start_date is not None and deadline < start_date:
        raise WorkflowError(_("完成时限不能早于开始日期。"))
    if assignee is not None and assignee.department_id not in {lead_department.id, *(d.id for d in co_departments)}:
        raise WorkflowError(_("责任人须是牵头单位或配合单位的人员。"))
    before = snapshot(task)
    new_owner = task.lead_department_id != lead_department.id or task.assignment == Assignment.RETURNED
    task.lead_department = lead_department
    task.co_departments = [d for d in co_departments if d.id != lead_department.id]
    task.assignee = assignee
    task.start_date = start_date
    task.deadline = deadline
    task.priority = priority
    if task.original_deadline is None:
        task.original_deadline = deadline
    if (
        before["deadline"] != snapshot(task)["deadline"]
        or before["lead_department_id"] != lead_department.id
        or (before["assignee_id"] != (assignee.id if assignee else None))
    ):
        reminders.drop_queued_reminders(task)
    if new_owner or task.assignment == Assignment.UNASSIGNED:
        task.assignment = Assignment.ASSIGNED
        task.assigned_at = now
        task.acknowledged_at = None
        task.return_reason = ""
    db.session.flush()
    _audit("task_assigned", task, actor, before, now)
    if task.assignment == Assignment.ASSIGNED:
        for head in staffing.department_heads(lead_department.id):
            outbox.queue_mail(
                kind="assigned",
                dedup_key=f"assigned:{task.id}:{lead_department.id}:{now:%Y%m%d%H%M%S}:{head.id}",
                recipient=head,
                subject=f"【交办】{task.title}",
                body_text=(
                    f"{lead_department.name}：法制部门交办督办任务“{task.title}”，"
                    f"完成时限 {deadline:%Y年%m月%d日}，请及时签收。"
                ),
                now=now,
                task_id=task.id,
            )


# --- the department: 签收, 退回, staff, 反馈, 延期, 办结 ----------------------------------------------


def acknowledge(task: Task, actor: User, now: datetime) -> None:
    """签收: the lead department accepts the task."""
    if task.assignment != Assignment.ASSIGNED:
        raise WorkflowError(_("此任务当前不需要签收。"))
    before = snapshot(task)
    task.assignment = Assignment.ACKNOWLEDGED
    task.acknowledged_at = now
    _audit("task_acknowledged", task, actor, before, now)


def return_assignment(task: Task, actor: User, reason: str, now: datetime) -> None:
    """退回: the lead department says the task is not theirs; the legal office reassigns it."""
    if task.assignment != Assignment.ASSIGNED:
        raise WorkflowError(_("只有待签收的任务可以退回。"))
    reason = _required(reason, _("请填写退回理由。"))
    before = snapshot(task)
    task.assignment = Assignment.RETURNED
    task.return_reason = reason
    _audit("task_returned", task, actor, before, now, reason=reason)
    for officer in staffing.legal_officers():
        outbox.queue_mail(
            kind="returned",
            dedup_key=f"returned:{task.id}:{now:%Y%m%d%H%M%S}:{officer.id}",
            recipient=officer,
            subject=f"【退回】{task.title}",
            body_text=f"{actor.name}退回了督办任务“{task.title}”，理由：{reason}。请重新交办。",
            now=now,
            task_id=task.id,
        )


def assign_staff(task: Task, actor: User, staff: User | None, now: datetime) -> None:
    """The head hands the task to a member of the department (or takes it back: None)."""
    if staff is not None and staff.department_id != actor.department_id:
        raise WorkflowError(_("只能指派本部门的人员。"))
    before = snapshot(task)
    task.assignee = staff
    db.session.flush()
    _audit("task_staff_assigned", task, actor, before, now)


def _require_acknowledged(task: Task) -> None:
    if task.assignment != Assignment.ACKNOWLEDGED:
        raise WorkflowError(_("请先签收任务。"))


def record_progress(
    task: Task, author: User, *, percent: int, text: str, files: list[evidence.Upload], now: datetime
) -> ProgressUpdate:
    """反馈: what was done, the percent complete, and any evidence files."""
    _require_state(task, WORKABLE_STATES, _("此任务当前不能填报进展（已提交办结、已办结、暂缓或已撤销）。"))
    _require_acknowledged(task)
    if not 0 <= percent <= 100:
        raise WorkflowError(_("完成进度须在 0 到 100 之间。"))
    text = _required(text, _("请填写进展情况。"))
    for upload in files:
        evidence.check_upload(upload)
    before = snapshot(task)
    update = ProgressUpdate(task=task, author=author, percent_done=percent, text=text, created_at=now)
    task.percent_done = percent
    task.state = TaskState.IN_PROGRESS
    db.session.add(update)
    db.session.flush()
    for upload in files:
        attachment = evidence.store(upload, task_id=task.id, uploaded_by=author, now=now)
        attachment.progress_update_id = update.id
        db.session.add(attachment)
    _audit("progress_recorded", task, author, before, now, files=len(files))
    return update


def request_extension(task: Task, actor: User, *, new_deadline: date, reason: str, now: datetime) -> ExtensionRequest:
    """延期申请: the department asks for a later deadline, with a reason."""
    _require_state(task, WORKABLE_STATES, _("此任务当前不能申请延期。"))
    if any(r.status == ExtensionStatus.PENDING for r in task.extension_requests):
        raise WorkflowError(_("已有一项延期申请待审批，请等待法制部门处理。"))
    if task.deadline is not None and new_deadline <= task.deadline:
        raise WorkflowError(_("申请的完成时限须晚于当前时限（%(deadline)s）。", deadline=_date(task.deadline)))
    reason = _required(reason, _("请填写延期理由。"))
    request = ExtensionRequest(
        task=task,
        requested_by=actor,
        reason=reason,
        current_deadline=task.deadline,
        requested_deadline=new_deadline,
        created_at=now,
    )
    db.session.add(request)
    db.session.flush()
    record_event(
        "extension_requested",
        now=now,
        actor=actor,
        object_type="task",
        object_id=task.id,
        after={"requested_deadline": new_deadline.isoformat(), "reason": reason},
    )
    return request


def decide_extension(request: ExtensionRequest, actor: User, *, approve: bool, note: str, now: datetime) -> None:
    """The legal office grants the new deadline (the original one is kept) or refuses, with a reason."""
    if request.status != ExtensionStatus.PENDING:
        raise WorkflowError(_("此延期申请已处理。"))
    task = request.task
    if not approve:
        note = _required(note, _("不同意延期时请填写理由。"))
    before = snapshot(task)
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by_id = actor.id
    request.decided_at = now
    request.decision_note = (note or "").strip()
    if approve:
        if task.original_deadline is None:
            task.original_deadline = task.deadline
        task.deadline = request.requested_deadline
        task.extension_count += 1
        reminders.drop_queued_reminders(task)
    _audit(
        "extension_approved" if approve else "extension_refused", task, actor, before, now, note=request.decision_note
    )


def submit_closure(task: Task, actor: User, *, summary: str, files: list[evidence.Upload], now: datetime) -> None:
    """办结申请: a summary and at least one piece of evidence; the legal office then verifies."""
    _require_state(task, WORKABLE_STATES, _("此任务当前不能申请办结。"))
    _require_acknowledged(task)
    summary = _required(summary, _("请填写办结情况说明。"))
    if not files:
        raise WorkflowError(_("申请办结须上传至少一份佐证材料。"))
    for upload in files:
        evidence.check_upload(upload)
    before = snapshot(task)
    update = ProgressUpdate(
        task=task, author=actor, kind=UpdateKind.CLOSURE, percent_done=100, text=summary, created_at=now
    )
    db.session.add(update)
    task.closure_summary = summary
    task.percent_done = 100
    task.state = TaskState.PENDING_REVIEW
    db.session.flush()
    for upload in files:
        attachment = evidence.store(upload, task_id=task.id, uploaded_by=actor, now=now)
        attachment.progress_update_id = update.id
        db.session.add(attachment)
    _audit("closure_submitted", task, actor, before, now, files=len(files))


# --- the legal office: 销号, 退办, 暂缓, 撤销, 催办 -------------------------------------------------


def verify_closure(task: Task, actor: User, now: datetime) -> None:
    """销号: the legal office has checked the evidence; the task is done."""
    _require_state(task, frozenset({TaskState.PENDING_REVIEW}), _("只有待审核的任务可以销号。"))
    before = snapshot(task)
    task.state = TaskState.DONE
    task.completed_at = now
    task.completed_on = local_date(now)
    _audit("closure_verified", task, actor, before, now)


def send_back(task: Task, actor: User, reason: str, now: datetime) -> None:
    """退办: the closure is not accepted; the department carries on."""
    _require_state(task, frozenset({TaskState.PENDING_REVIEW}), _("只有待审核的任务可以退办。"))
    reason = _required(reason, _("请填写退办理由。"))
    before = snapshot(task)
    task.state = TaskState.IN_PROGRESS
    task.sent_back_count += 1
    _audit("closure_sent_back", task, actor, before, now, reason=reason)
    for head in staffing.department_heads(task.lead_department_id):
        outbox.queue_mail(
            kind="sent_back",
            dedup_key=f"sent_back:{task.id}:{task.sent_back_count}:{head.id}",
            recipient=head,
            subject=f"【退办】{task.title}",
            body_text=f"督办任务“{task.title}”的办结申请未通过审核，理由：{reason}。请继续办理后重新申请办结。",
            now=now,
            task_id=task.id,
        )


def put_on_hold(task: Task, actor: User, reason: str, now: datetime) -> None:
    _require_state(task, OPEN_STATES, _("只有未办结的任务可以暂缓。"))
    reason = _required(reason, _("请填写暂缓理由。"))
    before = snapshot(task)
    task.state = TaskState.ON_HOLD
    _audit("task_put_on_hold", task, actor, before, now, reason=reason)


def resume(task: Task, actor: User, now: datetime) -> None:
    _require_state(task, frozenset({TaskState.ON_HOLD}), _("只有暂缓的任务可以恢复办理。"))
    before = snapshot(task)
    task.state = TaskState.IN_PROGRESS if task.progress_updates else TaskState.NOT_STARTED
    _audit("task_resumed", task, actor, before, now)


def cancel(task: Task, actor: User, reason: str, now: datetime) -> None:
    _require_state(task, OPEN_STATES | {TaskState.ON_HOLD}, _("已办结或已撤销的任务不能撤销。"))
    reason = _required(reason, _("请填写撤销理由。"))
    before = snapshot(task)
    task.state = TaskState.CANCELLED
    _audit("task_cancelled", task, actor, before, now, reason=reason)


def urge(task: Task, actor: User, message: str, today: date, now: datetime) -> int:
    """催办: an urgent mail to the lead department's heads (and the assignee); at most one a day.
    Returns how many mails were queued (0 when today's urge was already sent)."""
    _require_state(task, OPEN_STATES, _("只有未办结的任务可以催办。"))
    recipients = staffing.department_heads(task.lead_department_id)
    if task.assignee is not None and task.assignee not in recipients:
        recipients.append(task.assignee)
    if not recipients:
        raise WorkflowError(_("此任务没有可催办的责任人：请先交办。"))
    text = (message or "").strip() or "请加快办理进度，按时完成。"
    queued = sum(
        outbox.queue_mail(
            kind="urge",
            dedup_key=f"urge:{task.id}:{today.isoformat()}:{person.id}",
            recipient=person,
            subject=f"【催办】{task.title}",
            body_text=f"法制部门催办督办任务“{task.title}”：{text}",
            now=now,
            task_id=task.id,
        )
        for person in recipients
    )
    if queued:
        record_event("task_urged", now=now, actor=actor, object_type="task", object_id=task.id, after={"message": text})
    return queued


def add_milestone(task: Task, actor: User, *, title: str, deadline: date, assignee: User | None, now: datetime) -> Task:
    """A milestone: a sub-task with its own deadline and owner, inside the parent's departments."""
    if task.parent_id is not None:
        raise WorkflowError(_("阶段任务下不能再分解阶段任务。"))
    _require_state(task, OPEN_STATES, _("已办结、暂缓或已撤销的任务不能添加阶段任务。"))
    title = _required(title, _("请填写阶段任务名称。"))
    if task.deadline is not None and deadline > task.deadline:
        raise WorkflowError(_("阶段任务的完成时限不能晚于主任务（%(deadline)s）。", deadline=_date(task.deadline)))
    departments = {task.lead_department_id, *(d.id for d in task.co_departments)}
    if assignee is not None and assignee.department_id not in departments:
        raise WorkflowError(_("责任人须是牵头单位或配合单位的人员。"))
    milestone = Task(
        parent=task,
        report_id=task.report_id,
        kind=task.kind,
        title=title,
        lead_department_id=task.lead_department_id,
        assignee=assignee,
        start_date=task.start_date,
        deadline=deadline,
        original_deadline=deadline,
        priority=task.priority,
        # It belongs to a task the department has already taken on (or will, with the parent).
        assignment=task.assignment,
        assigned_at=now,
        acknowledged_at=task.acknowledged_at,
        created_at=now,
    )
    db.session.add(milestone)
    db.session.flush()
    record_event(
        "milestone_added",
        now=now,
        actor=actor,
        object_type="task",
        object_id=task.id,
        after={"milestone_id": milestone.id, "title": title, "deadline": deadline.isoformat()},
    )
    return milestone


CHASE_METHODS = ("phone", "visit", "meeting", "other")


def log_offline_chase(
    task: Task, actor: User, *, method: str, note: str, happened_at: datetime, now: datetime
) -> OfflineChase:
    """A 催办 done outside the system (a call, a visit), recorded in the task's 催办记录."""
    if method not in CHASE_METHODS:
        raise WorkflowError(_("请选择催办方式。"))
    if happened_at > now:
        raise WorkflowError(_("催办时间不能晚于现在。"))
    chase = OfflineChase(
        task_id=task.id,
        actor_id=actor.id,
        method=method,
        note=(note or "").strip(),
        happened_at=happened_at,
        created_at=now,
    )
    db.session.add(chase)
    db.session.flush()
    record_event(
        "offline_chase_logged",
        now=now,
        actor=actor,
        object_type="task",
        object_id=task.id,
        after={"method": method, "note": chase.note},
    )
    return chase
