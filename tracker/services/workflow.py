"""The 督办 lifecycle: 交办, 签收/退回, 反馈, 延期申请, 办结, 销号/退办, 暂缓, 撤销, 催办.

Which steps a task offers in which state, and to whom, is decided once, in :data:`STEPS`:
:func:`available_steps` answers the task page, the views refuse any other POST with the same
table, and each function below checks its own step again (:func:`require_step`) before it
changes the task, records an audit event with the values before and after, and tells the next
person (in-app and by mail, through the outbox). Nothing here commits.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.clock import local_date, local_zone
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.i18n import N_
from tracker.models import (
    OPEN_STATES,
    WORKABLE_STATES,
    Assignment,
    Department,
    ExtensionRequest,
    ExtensionStatus,
    OfflineUrge,
    Priority,
    ProgressUpdate,
    Task,
    TaskState,
    UpdateKind,
    User,
)
from tracker.names import STATE_NAMES
from tracker.policy import OFFICE_ROLES, Action, can
from tracker.services import evidence
from tracker.services.audit import record_event
from tracker.services.mail import messages, outbox, reminder_rules
from tracker.services.mail.catalogue import MailKind

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


class WorkflowError(Refusal):
    """The action does not fit the task as it stands; the message says why, in the user's language."""


class ConflictError(WorkflowError):
    """The task changed since the form was loaded. ``changes`` lists (field label, value now)."""

    def __init__(self, changes: list[tuple[str, str]]) -> None:
        super().__init__(_("保存失败：在您编辑期间，其他人已修改了此任务。您的修改未保存，请查看最新内容后重新填写。"))
        self.changes = changes


# What the task holds, shown to someone whose save lost a race to another.
CURRENT_LABELS = {
    "state": N_("办理状态"),
    "percent_done": N_("完成进度"),
    "deadline": N_("完成时限"),
    "lead_department": N_("牵头单位"),
    "assignee": N_("责任人"),
}


def changed_meanwhile(task: Task) -> ConflictError:
    """The conflict to show when another request saved ``task`` between this one's read and write."""
    return ConflictError([(_(label), _display(getattr(task, field))) for field, label in CURRENT_LABELS.items()])


def already_submitted(submission_token: str | None) -> bool:
    """Whether a report (progress or closure) was already stored from the form with this token."""
    if not submission_token:
        return False
    return (
        db.session.scalar(sa.select(ProgressUpdate.id).where(ProgressUpdate.submission_token == submission_token))
        is not None
    )


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
    if isinstance(value, Department | User):
        return value.name
    if isinstance(value, TaskState):
        return _(STATE_NAMES[value])
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(_display(v) for v in value)
    return "" if value is None else str(value)


def _date(value: date) -> str:
    """A date in a message to the user: 2026年03月05日, or 2026-03-05 in English."""
    return value.strftime(_("%Y年%m月%d日"))


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(message)
    return text


# --- which step fits which state, for whom ------------------------------------------------------------


class Step(enum.StrEnum):
    EDIT = "edit"
    ASSIGN = "assign"  # 交办, or change the owners and dates
    SET_REMINDERS = "set_reminders"
    ACKNOWLEDGE = "acknowledge"  # 签收
    RETURN = "return"  # 退回
    ASSIGN_STAFF = "assign_staff"
    POST_PROGRESS = "post_progress"  # 反馈 (or a co-department's 协办反馈)
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    SUBMIT_CLOSURE = "submit_closure"
    VERIFY = "verify"  # 销号
    SEND_BACK = "send_back"  # 退办
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    URGE = "urge"
    LOG_URGE = "log_urge"
    ADD_MILESTONE = "add_milestone"
    ACKNOWLEDGE_ON_BEHALF = "acknowledge_on_behalf"  # 代签收
    EXTENSION_ON_BEHALF = "extension_on_behalf"  # 代为申请延期
    CLOSURE_ON_BEHALF = "closure_on_behalf"  # 代为申请办结


def _still_open(task: Task) -> bool:
    return task.state in OPEN_STATES | {TaskState.ON_HOLD}


def _waiting_for_acknowledgement(task: Task) -> bool:
    return task.state in OPEN_STATES and task.assignment == Assignment.ASSIGNED


def _workable(task: Task) -> bool:
    return task.state in WORKABLE_STATES


def _working(task: Task) -> bool:
    return task.state in WORKABLE_STATES and task.assignment == Assignment.ACKNOWLEDGED


def pending_extension(task: Task) -> ExtensionRequest | None:
    return next((r for r in task.extension_requests if r.status == ExtensionStatus.PENDING), None)


def _may_ask_for_extension(task: Task) -> bool:
    return task.state in WORKABLE_STATES and task.assignment != Assignment.RETURNED and pending_extension(task) is None


@dataclass(frozen=True)
class StepRule:
    action: Action  # who: the policy's answer
    fits: Callable[[Task], bool]  # when: the task as it stands
    refusal: str  # why not, when it does not fit (a message id)


STEPS: dict[Step, StepRule] = {
    Step.EDIT: StepRule(Action.EDIT_TASK, _still_open, N_("已办结或已撤销的任务不能修改。")),
    Step.ASSIGN: StepRule(Action.EDIT_TASK, _still_open, N_("已办结或已撤销的任务不能重新交办。")),
    Step.SET_REMINDERS: StepRule(Action.EDIT_TASK, _still_open, N_("已办结或已撤销的任务不再发送提醒。")),
    Step.ACKNOWLEDGE: StepRule(Action.ACKNOWLEDGE, _waiting_for_acknowledgement, N_("此任务当前不需要签收。")),
    Step.RETURN: StepRule(Action.ACKNOWLEDGE, _waiting_for_acknowledgement, N_("只有待签收的任务可以退回。")),
    Step.ASSIGN_STAFF: StepRule(
        Action.ASSIGN_STAFF, _workable, N_("此任务当前不能指派（已提交办结、已办结、暂缓或已撤销）。")
    ),
    Step.POST_PROGRESS: StepRule(
        Action.POST_PROGRESS, _working, N_("此任务当前不能填报进展：须已签收，且未提交办结、办结、暂缓或撤销。")
    ),
    Step.REQUEST_EXTENSION: StepRule(
        Action.REQUEST_EXTENSION, _may_ask_for_extension, N_("此任务当前不能申请延期（或已有一项延期申请待审批）。")
    ),
    Step.DECIDE_EXTENSION: StepRule(
        Action.DECIDE, lambda t: pending_extension(t) is not None, N_("此任务没有待审批的延期申请。")
    ),
    Step.SUBMIT_CLOSURE: StepRule(
        Action.SUBMIT_CLOSURE, _working, N_("此任务当前不能申请办结：须已签收，且未提交办结、办结、暂缓或撤销。")
    ),
    Step.VERIFY: StepRule(
        Action.DECIDE, lambda t: t.state == TaskState.CLOSURE_PENDING, N_("只有待审核的任务可以销号。")
    ),
    Step.SEND_BACK: StepRule(
        Action.DECIDE, lambda t: t.state == TaskState.CLOSURE_PENDING, N_("只有待审核的任务可以退办。")
    ),
    Step.HOLD: StepRule(Action.SUSPEND, lambda t: t.state in OPEN_STATES, N_("只有未办结的任务可以暂缓。")),
    Step.RESUME: StepRule(Action.SUSPEND, lambda t: t.state == TaskState.ON_HOLD, N_("只有暂缓的任务可以恢复办理。")),
    Step.CANCEL: StepRule(Action.SUSPEND, _still_open, N_("已办结或已撤销的任务不能撤销。")),
    Step.URGE: StepRule(
        Action.URGE,
        lambda t: t.state in OPEN_STATES and t.lead_department_id is not None,
        N_("只有已交办、未办结的任务可以催办。"),
    ),
    Step.LOG_URGE: StepRule(Action.URGE, _still_open, N_("已办结或已撤销的任务不能再记录催办。")),
    Step.ADD_MILESTONE: StepRule(
        Action.ADD_MILESTONE,
        lambda t: t.parent_id is None and t.state in OPEN_STATES,
        N_("阶段任务下不能再分解阶段任务；已办结、暂缓或已撤销的任务不能添加阶段任务。"),
    ),
    Step.ACKNOWLEDGE_ON_BEHALF: StepRule(
        Action.ACT_ON_BEHALF, _waiting_for_acknowledgement, N_("此任务当前不需要签收。")
    ),
    Step.EXTENSION_ON_BEHALF: StepRule(
        Action.ACT_ON_BEHALF, _may_ask_for_extension, N_("此任务当前不能申请延期（或已有一项延期申请待审批）。")
    ),
    Step.CLOSURE_ON_BEHALF: StepRule(
        Action.ACT_ON_BEHALF, _working, N_("此任务当前不能申请办结：须已签收，且未提交办结、办结、暂缓或撤销。")
    ),
}


def available_steps(task: Task, user: User) -> frozenset[Step]:
    """The steps ``user`` may take on ``task`` as it stands: the task page shows these and no others."""
    return frozenset(step for step, rule in STEPS.items() if rule.fits(task) and can(user, rule.action, task))


def require_step(task: Task, step: Step) -> None:
    """Raise WorkflowError with the step's reason when ``task`` does not allow ``step`` now."""
    if not STEPS[step].fits(task):
        raise WorkflowError(_(STEPS[step].refusal))


def _on_behalf(actor: User, note: str | None) -> dict[str, Any]:
    """What the audit trail records of a step the legal office took for a department: a note is required."""
    if note is None:
        return {}
    return {"on_behalf": True, "note": _required(note, _("代为办理时请填写说明（例如与该单位电话确认的情况）。"))}


def _notify(mails: list[messages.Message], now: datetime) -> int:
    return outbox.queue(mails, now)


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
    require_step(task, Step.ASSIGN)
    if start_date is not None and deadline < start_date:
        raise WorkflowError(_("完成时限不能早于开始日期。"))
    if assignee is not None and assignee.department_id not in {lead_department.id, *(d.id for d in co_departments)}:
        raise WorkflowError(_("责任人须是牵头单位或配合单位的人员。"))
    before = snapshot(task)
    old_department = task.lead_department
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
        outbox.drop_queued_reminders(task)
    if new_owner or task.assignment == Assignment.UNASSIGNED:
        task.assignment = Assignment.ASSIGNED
        task.assigned_at = now
        task.acknowledged_at = None
        task.return_reason = ""
    db.session.flush()
    _audit("task_assigned", task, actor, before, now)
    if task.assignment == Assignment.ASSIGNED and task.assigned_at == now:
        mails = messages.assigned(task, lead_department, actor, now)
        if old_department is not None and old_department.id != lead_department.id:
            mails += messages.reassigned(task, old_department, actor, now)
        _notify(mails, now)


# --- the department: 签收, 退回, staff, 反馈, 延期, 办结 ----------------------------------------------


def acknowledge(task: Task, actor: User, now: datetime, on_behalf_note: str | None = None) -> None:
    """签收: the lead department accepts the task; or the legal office does, for a department
    that cannot (``on_behalf_note`` required then). The legal office is told."""
    require_step(task, Step.ACKNOWLEDGE)
    extra = _on_behalf(actor, on_behalf_note)
    before = snapshot(task)
    task.assignment = Assignment.ACKNOWLEDGED
    task.acknowledged_at = now
    _audit("task_acknowledged", task, actor, before, now, **extra)
    _notify(messages.acknowledged(task, actor, extra.get("note", ""), now), now)


def return_assignment(task: Task, actor: User, reason: str, now: datetime) -> None:
    """退回: the lead department says the task is not theirs; the legal office reassigns it."""
    require_step(task, Step.RETURN)
    reason = _required(reason, _("请填写退回理由。"))
    before = snapshot(task)
    task.assignment = Assignment.RETURNED
    task.return_reason = reason
    _audit("task_returned", task, actor, before, now, reason=reason)
    _notify(messages.returned(task, actor, reason, now), now)


def may_hand_to(actor: User, staff: User) -> bool:
    """Whether a head may hand a task to ``staff``: a member of the head's own department."""
    return staff.department_id == actor.department_id


def assign_staff(task: Task, actor: User, staff: User | None, now: datetime) -> None:
    """The head hands the task to a member of the department (or takes it back: None), who is told."""
    require_step(task, Step.ASSIGN_STAFF)
    if staff is not None and not may_hand_to(actor, staff):
        raise WorkflowError(_("只能指派本部门的人员。"))
    before = snapshot(task)
    task.assignee = staff
    db.session.flush()
    _audit("task_staff_assigned", task, actor, before, now)
    if staff is not None:
        _notify(messages.staff_assigned(task, staff, actor, now), now)


def record_progress(
    task: Task,
    author: User,
    *,
    percent: int,
    text: str,
    files: list[evidence.Upload],
    now: datetime,
    submission_token: str | None = None,
) -> ProgressUpdate:
    """反馈: what was done, the percent complete, and any evidence files. The lead department's
    report sets the task's percent and state; a co-department's is stored as its own 协办反馈
    (kind ASSIST, with its department) and leaves them as they are."""
    require_step(task, Step.POST_PROGRESS)
    if not 0 <= percent <= 100:
        raise WorkflowError(_("完成进度须在 0 到 100 之间。"))
    text = _required(text, _("请填写进展情况。"))
    for upload in files:
        evidence.check_upload(upload)
    before = snapshot(task)
    co_department = reporting_co_department(task, author)
    update = ProgressUpdate(
        task=task, author=author, percent_done=percent, text=text, created_at=now, submission_token=submission_token
    )
    if co_department is None:
        update.department_id = _lead_department_id(task)
        task.percent_done = percent
        task.state = TaskState.IN_PROGRESS
    else:
        update.kind = UpdateKind.ASSIST
        update.department_id = co_department.id
    db.session.add(update)
    db.session.flush()
    for upload in files:
        attachment = evidence.store(upload, task_id=task.id, uploaded_by=author, now=now)
        attachment.progress_update_id = update.id
        db.session.add(attachment)
    if co_department is None:
        _audit("progress_recorded", task, author, before, now, files=len(files))
    else:
        _audit("assist_reported", task, author, before, now, files=len(files), department_id=co_department.id)
    return update


def reporting_co_department(task: Task, author: User) -> Department | None:
    """The co-department (配合单位) ``author`` reports for, or None when the report is the lead's:
    from the lead department (its head or staff), the legal office, or anyone outside the task's
    co-departments. A milestone's co-departments are its parent's."""
    if author.role in OFFICE_ROLES or author.department_id is None:
        return None
    if author.department_id == _lead_department_id(task):
        return None
    root = task.parent if task.parent is not None else task
    return next((d for d in root.co_departments if d.id == author.department_id), None)


def _lead_department_id(task: Task) -> int | None:
    if task.lead_department_id is None and task.parent is not None:
        return task.parent.lead_department_id
    return task.lead_department_id


def request_extension(
    task: Task,
    actor: User,
    *,
    new_deadline: date,
    reason: str,
    now: datetime,
    on_behalf_note: str | None = None,
) -> ExtensionRequest:
    """延期申请: the department (or the legal office on its behalf, with a note) asks for a later
    deadline, with a reason. The legal office is told."""
    if pending_extension(task) is not None:
        raise WorkflowError(_("已有一项延期申请待审批，请等待法制部门处理。"))
    require_step(task, Step.REQUEST_EXTENSION)
    if task.deadline is not None and new_deadline <= task.deadline:
        raise WorkflowError(_("申请的完成时限须晚于当前时限（%(deadline)s）。", deadline=_date(task.deadline)))
    reason = _required(reason, _("请填写延期理由。"))
    extra = _on_behalf(actor, on_behalf_note)
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
        after={"requested_deadline": new_deadline.isoformat(), "reason": reason} | extra,
    )
    _notify(messages.extension_requested(request, actor, extra.get("note", "")), now)
    return request


def decide_extension(request: ExtensionRequest, actor: User, *, approve: bool, note: str, now: datetime) -> None:
    """The legal office grants the new deadline (the original one is kept) or refuses, with a reason."""
    if request.status != ExtensionStatus.PENDING:
        raise WorkflowError(_("此延期申请已处理。"))
    task = request.task
    if not approve:
        note = _required(note, _("不同意延期时请填写理由。"))
    elif task.state not in WORKABLE_STATES:
        raise WorkflowError(_("此任务已提交办结、办结、暂缓或撤销，不能再同意延期；请选择不同意并说明理由。"))
    elif task.deadline is not None and request.requested_deadline <= task.deadline:
        # The deadline moved since the request (another extension, a new 交办): approving would move it back.
        raise WorkflowError(
            _(
                "申请延期至%(requested)s，但完成时限已调整为%(deadline)s，同意将使时限提前；请选择不同意。",
                requested=_date(request.requested_deadline),
                deadline=_date(task.deadline),
            )
        )
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
        outbox.drop_queued_reminders(task)
    _audit(
        "extension_approved" if approve else "extension_refused", task, actor, before, now, note=request.decision_note
    )
    _notify(messages.extension_decided(request, actor, approve), now)


def submit_closure(
    task: Task,
    actor: User,
    *,
    summary: str,
    files: list[evidence.Upload],
    now: datetime,
    on_behalf_note: str | None = None,
    submission_token: str | None = None,
) -> None:
    """办结申请: a summary and at least one piece of evidence, from the department (or the legal
    office on its behalf, with a note); the legal office is told and then verifies."""
    require_step(task, Step.SUBMIT_CLOSURE)
    summary = _required(summary, _("请填写办结情况说明。"))
    extra = _on_behalf(actor, on_behalf_note)
    if not files:
        raise WorkflowError(_("申请办结须上传至少一份佐证材料。"))
    for upload in files:
        evidence.check_upload(upload)
    before = snapshot(task)
    update = ProgressUpdate(
        task=task,
        author=actor,
        kind=UpdateKind.CLOSURE,
        department_id=_lead_department_id(task),
        percent_done=100,
        text=summary,
        created_at=now,
        submission_token=submission_token,
    )
    db.session.add(update)
    task.closure_summary = summary
    task.percent_done = 100
    task.state = TaskState.CLOSURE_PENDING
    db.session.flush()
    for upload in files:
        attachment = evidence.store(upload, task_id=task.id, uploaded_by=actor, now=now)
        attachment.progress_update_id = update.id
        db.session.add(attachment)
    _audit("closure_submitted", task, actor, before, now, files=len(files), **extra)
    _notify(messages.closure_submitted(task, actor, summary, extra.get("note", ""), now), now)


# --- the legal office: 销号, 退办, 暂缓, 撤销, 催办 -------------------------------------------------


def verify_closure(task: Task, actor: User, now: datetime, note: str = "") -> None:
    """销号: the legal office has checked the evidence; the task is done. ``note`` (审核意见,
    optional) goes on the timeline and in the mail to the department."""
    require_step(task, Step.VERIFY)
    before = snapshot(task)
    task.state = TaskState.DONE
    task.completed_at = now
    task.completed_on = local_date(now)
    note = (note or "").strip()
    _audit("closure_verified", task, actor, before, now, **({"note": note} if note else {}))
    _notify(messages.closure_verified(task, actor, now, note), now)


def send_back(task: Task, actor: User, reason: str, now: datetime) -> None:
    """退办: the closure is not accepted; the department carries on."""
    require_step(task, Step.SEND_BACK)
    reason = _required(reason, _("请填写退办理由。"))
    before = snapshot(task)
    task.state = TaskState.IN_PROGRESS
    task.sent_back_count += 1
    _audit("closure_sent_back", task, actor, before, now, reason=reason)
    _notify(messages.sent_back(task, actor, reason), now)


def put_on_hold(task: Task, actor: User, reason: str, now: datetime) -> None:
    require_step(task, Step.HOLD)
    reason = _required(reason, _("请填写暂缓理由。"))
    before = snapshot(task)
    task.state = TaskState.ON_HOLD
    _audit("task_put_on_hold", task, actor, before, now, reason=reason)
    _notify(messages.state_changed(MailKind.PUT_ON_HOLD, task, actor, reason, now), now)


def resume(task: Task, actor: User, now: datetime) -> None:
    require_step(task, Step.RESUME)
    before = snapshot(task)
    # Only the lead department's own reports mean the task was started; 协办反馈 do not.
    started = any(u.kind != UpdateKind.ASSIST for u in task.progress_updates)
    task.state = TaskState.IN_PROGRESS if started else TaskState.NOT_STARTED
    _audit("task_resumed", task, actor, before, now)
    _notify(messages.state_changed(MailKind.RESUMED, task, actor, "", now), now)


def cancel(task: Task, actor: User, reason: str, now: datetime) -> None:
    require_step(task, Step.CANCEL)
    reason = _required(reason, _("请填写撤销理由。"))
    before = snapshot(task)
    task.state = TaskState.CANCELLED
    _audit("task_cancelled", task, actor, before, now, reason=reason)
    _notify(messages.state_changed(MailKind.CANCELLED, task, actor, reason, now), now)


def urge(task: Task, actor: User, message: str, today: date, now: datetime) -> int:
    """催办: an urgent mail to the lead department's heads (and the assignee); at most one a day.
    Returns how many mails were queued (0 when today's urge was already sent)."""
    require_step(task, Step.URGE)
    text = (message or "").strip() or "请加快办理进度，按时完成。"
    mails = messages.urge(task, actor, text, today)
    if not mails:
        raise WorkflowError(_("此任务没有可催办的责任人：请先交办。"))
    queued = _notify(mails, now)
    if queued:
        record_event("task_urged", now=now, actor=actor, object_type="task", object_id=task.id, after={"message": text})
    return queued


def add_milestone(task: Task, actor: User, *, title: str, deadline: date, assignee: User | None, now: datetime) -> Task:
    """A milestone: a sub-task with its own deadline and owner, inside the parent's departments."""
    if task.parent_id is not None:
        raise WorkflowError(_("阶段任务下不能再分解阶段任务。"))
    require_step(task, Step.ADD_MILESTONE)
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


def set_task_overrides(task: Task, values: dict[str, Any] | None, actor: User, now: datetime) -> None:
    """Change the reminder rules for one task (None: back to the office-wide policy)."""
    require_step(task, Step.SET_REMINDERS)
    checked = reminder_rules.validate_rules(values) if values else None
    before = task.reminder_overrides
    task.reminder_overrides = checked or None
    record_event(
        "reminder_overrides_changed",
        now=now,
        actor=actor,
        object_type="task",
        object_id=task.id,
        before={"reminder_overrides": before},
        after={"reminder_overrides": task.reminder_overrides},
    )


URGE_METHODS = ("phone", "visit", "meeting", "other")


def offline_urge_moment(day: date, now: datetime) -> datetime:
    """When a 催办 logged for ``day`` happened: just now for today, noon of an earlier day."""
    return now if day == local_date(now) else datetime.combine(day, time(12, 0), local_zone())


def log_offline_urge(
    task: Task, actor: User, *, method: str, note: str, happened_at: datetime, now: datetime
) -> OfflineUrge:
    """A 催办 done outside the system (a call, a visit), recorded in the task's 催办记录."""
    require_step(task, Step.LOG_URGE)
    if method not in URGE_METHODS:
        raise WorkflowError(_("请选择催办方式。"))
    if happened_at > now:
        raise WorkflowError(_("催办时间不能晚于现在。"))
    urge = OfflineUrge(
        task_id=task.id,
        actor_id=actor.id,
        method=method,
        note=(note or "").strip(),
        happened_at=happened_at,
        created_at=now,
    )
    db.session.add(urge)
    db.session.flush()
    record_event(
        "offline_chase_logged",
        now=now,
        actor=actor,
        object_type="task",
        object_id=task.id,
        after={"method": method, "note": urge.note},
    )
    return urge
